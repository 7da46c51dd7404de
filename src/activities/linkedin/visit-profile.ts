import { leadProfileIdentifier } from '../../linkedin/identifiers';
import { StepConfigurationError, type LinkedInStepDefinition } from './context';

/** profile_visit: a profile read with `notify: true` (the person may see the visit); basic sections only. */
export const visitProfileStep: LinkedInStepDefinition = {
  kind: 'profile_visit',
  usesAccount: true,
  async run(ctx) {
    const identifier = leadProfileIdentifier(ctx.input.lead);
    if (!identifier) throw new StepConfigurationError(`lead ${ctx.input.lead.id} has no LinkedIn URL or id`);
    const p = await ctx.deps.unipile.users.getProfile({ account_id: ctx.unipileAccountId, identifier, notify: true }, ctx.call);
    await ctx.rememberProviderId(p.provider_id);
    return {
      status: 'done',
      detail: {
        providerId: p.provider_id,
        publicIdentifier: p.public_identifier ?? null,
        networkDistance: p.network_distance ?? null,
        firstName: p.first_name ?? null,
        lastName: p.last_name ?? null,
        headline: p.headline ?? null,
      },
    };
  },
};
