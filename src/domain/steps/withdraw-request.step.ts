import type { StepDefinition } from './step-definition';

/** Withdraw the invitation sent earlier to this lead. */
export const withdrawRequestStep: StepDefinition<'withdraw_request'> = {
  kind: 'withdraw_request',
  aliases: [],
  defaultLabel: 'Withdraw Request',
  activityType: 'withdrawInvitation',
  quotaKind: 'withdrawal',
  decidesAcceptanceBranch: false,
  needsEarlier: 'invitation',
  validateConfig: () => [],
};
