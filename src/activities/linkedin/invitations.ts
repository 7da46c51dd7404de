import { paginate } from '../../linkedin/unipile.client';
import type { Invitation } from '../../linkedin/unipile.schemas';
import type { StepContext } from './context';

/** The pending invitation this account sent to a person, from the sent list (pending only, newest first). */
export async function findSentInvitation(ctx: StepContext, match: { providerId?: string; invitationId?: string }): Promise<Invitation | null> {
  const pages = paginate((cursor) => ctx.deps.unipile.users.getAllInvitationsSent({ account_id: ctx.unipileAccountId, limit: 100, cursor }, ctx.call), { maxPages: 5 });
  for await (const inv of pages) {
    ctx.heartbeat();
    if ((match.invitationId && inv.id === match.invitationId) || (match.providerId && inv.invited_user_id === match.providerId)) return inv;
  }
  return null;
}
