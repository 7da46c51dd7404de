import { alreadyDoneForPerson } from '../../linkedin/ledger';
import { invitationNoteAllowed, recordInvitationSent, recordUsageSignal, releaseNoteUse, resendAllowedAt } from '../../quota/sender-safety';
import { leadActionKey } from '../../quota/action-key';
import { activityNow, configText, type LinkedInStepDefinition } from './context';
import { findSentInvitation } from './invitations';

/** `note` is kept so the conversation check knows the note LinkedIn posts in the chat on acceptance is ours. */
type InvitationResult = { invitation_id: string | null; provider_id: string; with_note?: boolean; note?: string; usage?: number | null; reconciled?: string };

/** LinkedIn's limit on an invitation note. */
export const INVITATION_NOTE_MAX = 300;

/**
 * send_connection_request: an invitation with the rendered note. A rendered note over 300 characters is
 * not cut: the invitation goes out WITHOUT a note and `detail.noteDropped = 'too_long'` says so; the
 * same with `'note_budget'` when the account's note budget (free accounts: ~5 a month) had no room
 * for it at reservation time. A person withdrawn less than ~3 weeks ago is not invited
 * (`cannot_resend_yet`, `detail.until`): the reservation waits for that, this is the backstop for a
 * lead whose provider id was not known then.
 */
export const sendInvitationStep: LinkedInStepDefinition = {
  kind: 'send_connection_request',
  usesAccount: true,
  async run(ctx) {
    const { unipile, db } = ctx.deps;
    const providerId = await ctx.providerId();
    if (ctx.dedupeAcrossCampaigns) {
      const earlier = await alreadyDoneForPerson(db, { organizationId: ctx.input.organizationId, providerId, kind: 'invitation', exceptCampaignId: ctx.input.campaignId });
      if (earlier) return { status: 'skipped', reason: 'already_invited_by_organization', detail: { providerId, campaignId: earlier.campaign_id } };
    }
    const account = ctx.account!;
    const resendAt = await resendAllowedAt(db, { accountId: account.id, providerId });
    if (resendAt && resendAt > activityNow()) return { status: 'skipped', reason: 'cannot_resend_yet', detail: { providerId, until: resendAt.toISOString() } };
    const template = configText(ctx.input.config, ['message', 'customMessage']);
    const rendered = template ? await ctx.render(template) : '';
    const reservationKey = leadActionKey(ctx.input.campaignId, ctx.input.lead.id, ctx.input.stepId);
    let noteDropped: 'too_long' | 'note_budget' | undefined = rendered.length > INVITATION_NOTE_MAX ? 'too_long' : undefined;
    if (noteDropped) ctx.log.warn({ length: rendered.length }, 'invitation note over 300 characters: sending without a note');
    if (rendered && !noteDropped && !(await invitationNoteAllowed(db, { accountId: account.id, idempotencyKey: reservationKey })).allowed) {
      noteDropped = 'note_budget';
      ctx.log.info('note budget of the account spent: sending without a note');
    }
    const note = rendered && !noteDropped ? rendered : undefined;
    if (!note) await releaseNoteUse(db, reservationKey);

    const out = await ctx.write<InvitationResult>({
      kind: 'invitation',
      targetProviderId: providerId,
      reconcile: async () => {
        const pending = await findSentInvitation(ctx, { providerId });
        if (pending) return { invitation_id: pending.id, provider_id: providerId, reconciled: 'sent_list', ...(note ? { note } : {}) };
        const p = await unipile.users.getProfile({ account_id: ctx.unipileAccountId, identifier: providerId }, ctx.call);
        if (p.network_distance === 'FIRST_DEGREE' || p.is_relationship) return { invitation_id: null, provider_id: providerId, reconciled: 'already_connected' };
        if (p.invitation?.type === 'SENT' && p.invitation.status === 'PENDING') return { invitation_id: null, provider_id: providerId, reconciled: 'profile', ...(note ? { note } : {}) };
        return null;
      },
      send: async () => {
        const r = await unipile.users.sendInvitation({ account_id: ctx.unipileAccountId, provider_id: providerId, ...(note ? { message: note } : {}) }, ctx.call);
        return { invitation_id: r.invitation_id, provider_id: providerId, with_note: Boolean(note), ...(note ? { note } : {}), usage: r.usage ?? null };
      },
    });
    if (out.status === 'skipped') {
      await releaseNoteUse(db, reservationKey);
      return { status: 'skipped', reason: out.reason, detail: { providerId } };
    }
    const now = activityNow();
    if (out.result.reconciled !== 'already_connected') {
      await recordInvitationSent(db, {
        accountId: account.id,
        providerId,
        campaignId: ctx.input.campaignId,
        leadId: ctx.input.lead.id,
        stepId: ctx.input.stepId,
        invitationId: out.result.invitation_id ?? null,
        withNote: Boolean(note),
        sentAt: now,
      });
    }
    if (typeof out.result.usage === 'number') await recordUsageSignal(db, account.id, out.result.usage, now);
    return {
      status: 'done',
      detail: { providerId, invitationId: out.result.invitation_id ?? null, withNote: Boolean(note), ...(noteDropped ? { noteDropped } : {}), ...(out.reconciled ? { reconciled: true } : {}) },
    };
  },
};
