import { configText, type LinkedInStepDefinition } from './context';
import { renderMessage, sendLedgeredMessage } from './messages';

/** send_inmail: a new chat sent as InMail (`linkedin[inmail]=true`) with the rendered `subject`. */
export const sendInmailStep: LinkedInStepDefinition = {
  kind: 'send_inmail',
  usesAccount: true,
  async run(ctx) {
    const { unipile } = ctx.deps;
    const text = await renderMessage(ctx, 'send_inmail');
    const subjectTemplate = configText(ctx.input.config, ['subject']);
    const subject = subjectTemplate ? await ctx.render(subjectTemplate) : undefined;
    return sendLedgeredMessage(ctx, {
      kind: 'inmail',
      text,
      send: async (providerId) => {
        const r = await unipile.messaging.startNewChat(
          { account_id: ctx.unipileAccountId, attendees_ids: [providerId], text, ...(subject ? { subject } : {}), options: { linkedin: { inmail: true } } },
          ctx.call,
        );
        return { chat_id: r.chat_id ?? null, message_id: r.message_id ?? null, via: 'inmail' };
      },
    });
  },
};
