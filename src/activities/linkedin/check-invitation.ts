import { paginate } from '../../linkedin/unipile.client';
import { resolveInvitation } from '../../quota/sender-safety';
import { activityNow, loadSenderAccount, settleError, StepContext, type LinkedInActivityDeps, type SenderAccount } from './context';
import { findSentInvitation } from './invitations';

export interface CheckInvitationInput {
  organizationId: string;
  campaignId: string;
  accountId: string;
  leadId: string;
  providerId: string;
}
export type InvitationState = 'pending' | 'accepted' | 'not_found';

/**
 * Polling fallback for acceptance (the `new_relation` webhook can be hours late): the newest relations,
 * then the pending sent list, then, only if neither knows, the profile's network distance (a profile read).
 */
export async function checkInvitation(deps: LinkedInActivityDeps, input: CheckInvitationInput): Promise<{ state: InvitationState }> {
  const log = deps.logger.child({ activity: 'checkInvitation', campaignId: input.campaignId, leadId: input.leadId });
  let account: SenderAccount | null = null;
  try {
    account = await loadSenderAccount(deps.db, input.organizationId, input.accountId);
    const lead = { id: input.leadId, firstName: null, lastName: null, fullName: null, company: null, title: null, email: null, linkedinUrl: null, linkedinId: null, providerId: input.providerId };
    const ctx = new StepContext(deps, { organizationId: input.organizationId, campaignId: input.campaignId, accountId: input.accountId, stepId: 'check-invitation', config: {}, lead }, 'send_connection_request', account, log);
    const accountId = account.unipileAccountId;
    const accepted = async (): Promise<{ state: InvitationState }> => {
      await resolveInvitation(deps.db, { accountId: account!.id, providerId: input.providerId, state: 'accepted', at: activityNow() });
      return { state: 'accepted' };
    };
    for await (const rel of paginate((cursor) => deps.unipile.users.getAllRelations({ account_id: accountId, limit: 100, cursor }, ctx.call), { maxPages: 2 })) {
      if (rel.member_id === input.providerId) return await accepted();
    }
    ctx.heartbeat();
    if (await findSentInvitation(ctx, { providerId: input.providerId })) return { state: 'pending' };
    const p = await deps.unipile.users.getProfile({ account_id: accountId, identifier: input.providerId }, ctx.call);
    if (p.network_distance === 'FIRST_DEGREE' || p.is_relationship) return await accepted();
    if (p.invitation?.type === 'SENT' && p.invitation.status === 'PENDING') return { state: 'pending' };
    return { state: 'not_found' };
  } catch (err) {
    // A skip-class answer (profile gone...) means there is no invitation to wait for.
    await settleError(err, deps, account, log);
    return { state: 'not_found' };
  }
}
