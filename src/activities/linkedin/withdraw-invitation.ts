import { findAction } from '../../linkedin/ledger';
import { resolveInvitation } from '../../quota/sender-safety';
import { activityNow, type LinkedInStepDefinition } from './context';
import { findSentInvitation } from './invitations';

/**
 * withdraw_request: cancels the invitation this campaign sent to this lead (its ledger row), or else the
 * pending one found in the sent list by provider id. Nothing pending: skipped `no_pending_invitation`.
 */
export const withdrawInvitationStep: LinkedInStepDefinition = {
  kind: 'withdraw_request',
  usesAccount: true,
  async run(ctx) {
    const sent = await findAction(ctx.deps.db, { campaignId: ctx.input.campaignId, leadId: ctx.input.lead.id, kind: 'invitation', status: ['succeeded'] });
    const providerId = sent?.target_provider_id ?? (await ctx.providerId());
    const recorded = sent?.result?.invitation_id;
    let invitationId = typeof recorded === 'string' ? recorded : null;
    if (!invitationId) invitationId = (await findSentInvitation(ctx, { providerId }))?.id ?? null;
    if (!invitationId) return { status: 'skipped', reason: 'no_pending_invitation', detail: { providerId } };
    const id = invitationId;

    const out = await ctx.write({
      kind: 'withdraw',
      targetProviderId: providerId,
      // Gone from the (pending-only) sent list: our earlier cancel went through, or it was accepted meanwhile.
      reconcile: async () => ((await findSentInvitation(ctx, { invitationId: id })) ? null : { invitation_id: id, reconciled: true }),
      send: async () => {
        await ctx.deps.unipile.users.cancelInvitationSent({ account_id: ctx.unipileAccountId, invitation_id: id }, ctx.call);
        return { invitation_id: id };
      },
    });
    if (out.status === 'skipped') {
      const reason = out.reason === 'resource_not_found' ? 'no_pending_invitation' : out.reason;
      return { status: 'skipped', reason, detail: { providerId, invitationId: id } };
    }
    // Not pending any more, and LinkedIn now refuses a new invitation to this person for ~3 weeks.
    await resolveInvitation(ctx.deps.db, { accountId: ctx.account!.id, providerId, state: 'withdrawn', at: activityNow() });
    return { status: 'done', detail: { providerId, invitationId: id, ...(out.reconciled ? { reconciled: true } : {}) } };
  },
};
