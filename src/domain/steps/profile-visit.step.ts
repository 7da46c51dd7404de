import type { StepDefinition } from './step-definition';

/** Retrieving the lead's profile is the visit (and resolves the provider id later steps need). */
export const profileVisitStep: StepDefinition<'profile_visit'> = {
  kind: 'profile_visit',
  aliases: [],
  defaultLabel: 'Visit Profile',
  activityType: 'visitProfile',
  quotaKind: 'profile_visit',
  decidesAcceptanceBranch: false,
  validateConfig: () => [],
};
