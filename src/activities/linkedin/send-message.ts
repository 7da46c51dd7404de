import type { LinkedInStepDefinition } from './context';
import { renderMessage, sendLedgeredMessage } from './messages';

/** send_followup: a message to a 1st-degree connection, in the existing chat when there is one. */
export const sendMessageStep: LinkedInStepDefinition = {
  kind: 'send_followup',
  usesAccount: true,
  async run(ctx) {
    const { unipile } = ctx.deps;
    const text = await renderMessage(ctx, 'send_followup');
    return sendLedgeredMessage(ctx, {
      kind: 'message',
      text,
      send: async (providerId) => {
        const chat = await unipile.messaging.findChatWithAttendee({ account_id: ctx.unipileAccountId, provider_id: providerId }, ctx.call);
        if (chat) {
          const r = await unipile.messaging.sendMessage({ chat_id: chat.id, text, account_id: ctx.unipileAccountId }, ctx.call);
          return { chat_id: chat.id, message_id: r.message_id ?? null, via: 'existing_chat' };
        }
        const r = await unipile.messaging.startNewChat({ account_id: ctx.unipileAccountId, attendees_ids: [providerId], text }, ctx.call);
        return { chat_id: r.chat_id ?? null, message_id: r.message_id ?? null, via: 'new_chat' };
      },
    });
  },
};
