import { UnipileError } from '../../linkedin/errors';
import type { UserProfile } from '../../linkedin/unipile.schemas';
import { leadProfileIdentifier } from '../../linkedin/identifiers';
import { StepConfigurationError, type LinkedInStepDefinition } from './context';

type VisitResult = {
  providerId: string;
  publicIdentifier: string | null;
  networkDistance: string | null;
  firstName: string | null;
  lastName: string | null;
  headline: string | null;
};

/**
 * profile_visit: a profile read with `notify: true` (the person may see the visit); basic sections, plus the
 * experience section when the lead lacks a company or title (what the profile shows fills them in).
 * It goes through the ledger like a write, so an answered visit is never repeated, but a visit cannot
 * be reconciled by reading: nothing on LinkedIn says whether an earlier attempt reached it. The ledger
 * records the attempt (`pending`) before the call and `succeeded` only once LinkedIn answered; a retry
 * after an attempt with no answer (worker killed before or during the call, timeout) visits again.
 * A rare duplicate visit is less harmful than a visit recorded as done that LinkedIn never saw.
 */
export const visitProfileStep: LinkedInStepDefinition = {
  kind: 'profile_visit',
  usesAccount: true,
  async run(ctx) {
    const identifier = leadProfileIdentifier(ctx.input.lead);
    if (!identifier) throw new StepConfigurationError(`lead ${ctx.input.lead.id} has no LinkedIn URL or id`);
    // The current job is in the experience section: asked for only when the lead lacks company or title.
    const lead = ctx.input.lead;
    const sections = lead.company?.trim() && lead.title?.trim() ? {} : { linkedin_sections: 'experience' as const };
    let profile: UserProfile | undefined;
    const visit = async (): Promise<VisitResult> => {
      const p = await ctx.deps.unipile.users.getProfile({ account_id: ctx.unipileAccountId, identifier, notify: true, ...sections }, ctx.call);
      profile = p;
      return {
        providerId: p.provider_id,
        publicIdentifier: p.public_identifier ?? null,
        networkDistance: p.network_distance ?? null,
        firstName: p.first_name ?? null,
        lastName: p.last_name ?? null,
        headline: p.headline ?? null,
      };
    };
    const out = await ctx.write<VisitResult>({
      kind: 'profile_visit',
      targetProviderId: ctx.input.lead.providerId,
      // No `reconcile`: an unanswered earlier attempt is visited again (see above).
      send: visit,
      // An error answer to the read means the view was not served; only a crash or a lost response
      // (timeout, connection cut after sending) leaves it uncertain.
      mayHaveHappened: (err) => !(err instanceof UnipileError && err.kind === 'http'),
    });
    if (out.status === 'skipped') return { status: 'skipped', reason: out.reason };
    await ctx.rememberProviderId(out.result.providerId);
    // What the profile showed completes the lead (never overwrites it): the messages after this use it.
    if (profile) await ctx.rememberProfile(profile);
    return { status: 'done', detail: { ...out.result, ...(out.reconciled ? { reconciled: true } : {}) } };
  },
};
