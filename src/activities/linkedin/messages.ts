import { alreadyDoneForPerson } from '../../linkedin/ledger';
import { renderTemplate } from '../../domain/templates';
import type { StepOutcome } from '../../domain/step-outcome';
import { configText, StepConfigurationError, type StepContext } from './context';

/** Is `text` among our latest messages to this person? (reconciling an interrupted send) */
export type SentMessage = { chat_id: string | null; message_id: string | null; via: string };

export async function findSentMessage(ctx: StepContext, providerId: string, text: string): Promise<SentMessage | null> {
  const { unipile } = ctx.deps;
  const chat = await unipile.messaging.findChatWithAttendee({ account_id: ctx.unipileAccountId, provider_id: providerId }, ctx.call);
  if (!chat) return null;
  const msgs = await unipile.messaging.getAllMessagesFromChat({ chat_id: chat.id, limit: 50 }, ctx.call);
  const mine = msgs.items.find((m) => (m.is_sender === 1 || m.is_sender === true) && m.text === text);
  return mine ? { chat_id: chat.id, message_id: mine.id, via: 'reconciled' } : null;
}

export function renderMessage(ctx: StepContext, what: string): string {
  const template = configText(ctx.input.config, ['message', 'customMessage']);
  if (!template) throw new StepConfigurationError(`${what} needs a message`);
  return renderTemplate(template, ctx.input.lead);
}

/** Sends one message to the lead through the ledger; `kind` is the ledger kind (message or inmail). */
export async function sendLedgeredMessage(
  ctx: StepContext,
  o: { kind: 'message' | 'inmail'; text: string; send: (providerId: string) => Promise<SentMessage> },
): Promise<StepOutcome> {
  const providerId = await ctx.providerId();
  if (ctx.dedupeAcrossCampaigns) {
    const earlier = await alreadyDoneForPerson(ctx.deps.db, { organizationId: ctx.input.organizationId, providerId, kind: ['message', 'inmail'], exceptCampaignId: ctx.input.campaignId });
    if (earlier) return { status: 'skipped', reason: 'already_messaged_by_organization', detail: { providerId, campaignId: earlier.campaign_id } };
  }
  const out = await ctx.write<SentMessage>({
    kind: o.kind,
    targetProviderId: providerId,
    reconcile: () => findSentMessage(ctx, providerId, o.text),
    send: () => o.send(providerId),
  });
  if (out.status === 'skipped') return { status: 'skipped', reason: out.reason, detail: { providerId } };
  return { status: 'done', detail: { providerId, chatId: out.result.chat_id ?? null, messageId: out.result.message_id ?? null, ...(out.reconciled ? { reconciled: true } : {}) } };
}
