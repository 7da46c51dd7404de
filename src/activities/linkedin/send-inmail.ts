import { UnipileError } from '../../linkedin/errors';
import { recordInmailBalance } from '../../quota/sender-safety';
import { activityNow, configText, type LinkedInStepDefinition } from './context';
import { renderMessage, sendLedgeredMessage } from './messages';

/**
 * send_inmail: a new chat sent as InMail (`linkedin[inmail]=true`) with the rendered `subject`. The
 * credit balance is read first (and kept for the usage view): with no credit left the step is skipped
 * `insufficient_credits` and nothing is sent.
 */
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
        const balance = await unipile.linkedin.getInmailBalance({ account_id: ctx.unipileAccountId }, ctx.call);
        const credits = { premium: balance.premium ?? null, recruiter: balance.recruiter ?? null, sales_navigator: balance.sales_navigator ?? null };
        await recordInmailBalance(ctx.deps.db, ctx.account!.id, credits, activityNow());
        if ((credits.premium ?? 0) + (credits.recruiter ?? 0) + (credits.sales_navigator ?? 0) <= 0) {
          // As LinkedIn would answer: a definite refusal, recorded by the ledger as a skip.
          throw new UnipileError({ kind: 'http', status: 422, type: 'errors/insufficient_credits', title: 'no InMail credit left', method: 'GET', path: '/api/v1/linkedin/inmail_balance', write: true });
        }
        const r = await unipile.messaging.startNewChat(
          { account_id: ctx.unipileAccountId, attendees_ids: [providerId], text, ...(subject ? { subject } : {}), options: { linkedin: { inmail: true } } },
          ctx.call,
        );
        return { chat_id: r.chat_id ?? null, message_id: r.message_id ?? null, via: 'inmail' };
      },
    });
  },
};
