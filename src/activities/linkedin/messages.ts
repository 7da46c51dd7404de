import { alreadyDoneForPerson } from '../../linkedin/ledger';
import type { LedgerTables } from '../../linkedin/ledger.schema';
import type { StepOutcome } from '../../domain/step-outcome';
import { configText, StepConfigurationError, type StepContext } from './context';

/** Is `text` among our latest messages to this person? (reconciling an interrupted send) */
export type SentMessage = { chat_id: string | null; message_id: string | null; via: string; text?: string };

const MESSAGES_READ = 50;

/**
 * Stop on reply without relying on the webhook: reads the conversation with the lead (Unipile's synced
 * store; no LinkedIn quota) since this campaign first worked on the lead. A message from the lead means
 * they replied; a message from the sender account that this product did not send (no ledger record
 * with its id or its text, invitation notes included) means a person took the conversation over.
 * Either way nothing more is sent. `text` is the message about to go out: an earlier attempt of this
 * very step may have posted it before its outcome was recorded, and that one is ours too.
 */
export async function conversationStop(ctx: StepContext, providerId: string, text: string): Promise<StepOutcome | null> {
  const { unipile, db } = ctx.deps;
  const chat = await unipile.messaging.findChatWithAttendee({ account_id: ctx.unipileAccountId, provider_id: providerId }, ctx.call);
  if (!chat) return null;
  const execution = await db
    .selectFrom('campaign_executions')
    .select('created_at')
    .where('campaign_id', '=', ctx.input.campaignId)
    .where('lead_id', '=', ctx.input.lead.id)
    .executeTakeFirst();
  const since = execution?.created_at.getTime() ?? 0;
  const msgs = await unipile.messaging.getAllMessagesFromChat({ chat_id: chat.id, limit: MESSAGES_READ }, ctx.call);
  const recent = msgs.items.filter((m) => !m.timestamp || Date.parse(m.timestamp) >= since);
  if (recent.length === 0) return null;
  const fromSender = (m: (typeof recent)[number]) => m.is_sender === 1 || m.is_sender === true;
  const reply = recent.find((m) => !fromSender(m));
  if (reply) return { status: 'skipped', reason: 'replied', detail: { providerId, chatId: chat.id, messageId: reply.id, at: reply.timestamp ?? null } };

  const sent = await db
    .withTables<LedgerTables>()
    .selectFrom('linkedin_actions')
    .select(['kind', 'result'])
    .where('organization_id', '=', ctx.input.organizationId)
    .where('target_provider_id', '=', providerId)
    .where('kind', 'in', ['message', 'inmail', 'invitation'])
    .where('status', '=', 'succeeded')
    .execute();
  const ids = new Set<string>();
  const texts = new Set<string>([text]);
  for (const { kind, result } of sent) {
    const r = (result ?? {}) as { message_id?: unknown; text?: unknown; note?: unknown; with_note?: unknown };
    if (typeof r.message_id === 'string') ids.add(r.message_id);
    if (typeof r.text === 'string') texts.add(r.text);
    if (typeof r.note === 'string') texts.add(r.note);
    // An invitation recorded without its note (before notes were kept) may have had one: the chat's
    // first message, when it is ours, is the note LinkedIn posted on acceptance.
    const first = msgs.items[msgs.items.length - 1];
    if (kind === 'invitation' && r.with_note !== false && typeof r.note !== 'string' && first && fromSender(first)) ids.add(first.id);
  }
  const manual = recent.find((m) => fromSender(m) && !ids.has(m.id) && !texts.has(m.text ?? ''));
  if (manual) return { status: 'skipped', reason: 'human_took_over', detail: { providerId, chatId: chat.id, messageId: manual.id, at: manual.timestamp ?? null } };
  return null;
}

export async function findSentMessage(ctx: StepContext, providerId: string, text: string): Promise<SentMessage | null> {
  const { unipile } = ctx.deps;
  const chat = await unipile.messaging.findChatWithAttendee({ account_id: ctx.unipileAccountId, provider_id: providerId }, ctx.call);
  if (!chat) return null;
  const msgs = await unipile.messaging.getAllMessagesFromChat({ chat_id: chat.id, limit: 50 }, ctx.call);
  const mine = msgs.items.find((m) => (m.is_sender === 1 || m.is_sender === true) && m.text === text);
  return mine ? { chat_id: chat.id, message_id: mine.id, via: 'reconciled' } : null;
}

export async function renderMessage(ctx: StepContext, what: string): Promise<string> {
  const template = configText(ctx.input.config, ['message', 'customMessage']);
  if (!template) throw new StepConfigurationError(`${what} needs a message`);
  return ctx.render(template);
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
  // A retry of a step whose message already went out (recorded) answers from the ledger: a reply that
  // came after our message must not turn a sent message into a skip.
  const recorded = await ctx.deps.db
    .withTables<LedgerTables>()
    .selectFrom('linkedin_actions')
    .select('status')
    .where('idempotency_key', '=', ctx.key(o.kind))
    .executeTakeFirst();
  if (recorded?.status !== 'succeeded') {
    const stop = await conversationStop(ctx, providerId, o.text);
    if (stop) return stop;
  }
  const out = await ctx.write<SentMessage>({
    kind: o.kind,
    targetProviderId: providerId,
    reconcile: () => findSentMessage(ctx, providerId, o.text),
    send: async () => ({ ...(await o.send(providerId)), text: o.text }),
  });
  if (out.status === 'skipped') return { status: 'skipped', reason: out.reason, detail: { providerId } };
  return { status: 'done', detail: { providerId, chatId: out.result.chat_id ?? null, messageId: out.result.message_id ?? null, ...(out.reconciled ? { reconciled: true } : {}) } };
}
