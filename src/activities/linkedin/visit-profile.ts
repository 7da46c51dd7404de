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
  silentRead?: true;
};

/**
 * profile_visit: a profile read with `notify: true` (the person may see the visit); basic sections, plus the
 * experience section when the lead lacks a company or title (what the profile shows fills them in).
 * The person sees each visit, so it goes through the ledger like a write: after a crash or a timeout
 * mid-visit the retry does not visit again; it reads the profile silently (`notify: false`) instead.
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
    const read = async (notify: boolean): Promise<VisitResult> => {
      const p = await ctx.deps.unipile.users.getProfile({ account_id: ctx.unipileAccountId, identifier, notify, ...sections }, ctx.call);
      profile = p;
      return {
        providerId: p.provider_id,
        publicIdentifier: p.public_identifier ?? null,
        networkDistance: p.network_distance ?? null,
        firstName: p.first_name ?? null,
        lastName: p.last_name ?? null,
        headline: p.headline ?? null,
        ...(notify ? {} : { silentRead: true as const }),
      };
    };
    const out = await ctx.write<VisitResult>({
      kind: 'profile_visit',
      targetProviderId: ctx.input.lead.providerId,
      // An earlier attempt may have been seen by LinkedIn: count it, and only read silently.
      reconcile: () => read(false),
      send: () => read(true),
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
