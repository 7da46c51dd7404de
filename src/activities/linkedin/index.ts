import type { StepActivityInput, StepOutcome } from '../../domain/step-outcome';
import { checkInvitation, type CheckInvitationInput, type InvitationState } from './check-invitation';
import { runStep, type LinkedInActivityDeps } from './context';
import { LINKEDIN_STEP_REGISTRY, type LinkedInStepActivityName } from './registry';

export type { LinkedInActivityDeps, AccountStoppedEvent } from './context';
export { LINKEDIN_STEP_REGISTRY, type LinkedInStepActivityName } from './registry';
export type { CheckInvitationInput, InvitationState } from './check-invitation';

// Method signatures (not function-typed properties), so wrappers typed on a narrower input accept them.
export interface LinkedInStepActivities extends Record<LinkedInStepActivityName, unknown> {
  visitProfile(input: StepActivityInput): Promise<StepOutcome>;
  likePosts(input: StepActivityInput): Promise<StepOutcome>;
  commentPosts(input: StepActivityInput): Promise<StepOutcome>;
  sendInvitation(input: StepActivityInput): Promise<StepOutcome>;
  sendMessage(input: StepActivityInput): Promise<StepOutcome>;
  sendInmail(input: StepActivityInput): Promise<StepOutcome>;
  withdrawInvitation(input: StepActivityInput): Promise<StepOutcome>;
  notifyWebhook(input: StepActivityInput): Promise<StepOutcome>;
}

/** The LinkedIn activities the worker registers (Temporal activity type = property name). */
export function createLinkedInActivities(
  deps: LinkedInActivityDeps,
): LinkedInStepActivities & { checkInvitation(input: CheckInvitationInput): Promise<{ state: InvitationState }> } {
  // `as`: Object.fromEntries loses the key set; LINKEDIN_STEP_REGISTRY's keys are exactly the interface's.
  const steps = Object.fromEntries(
    Object.entries(LINKEDIN_STEP_REGISTRY).map(([name, def]) => [name, (input: StepActivityInput) => runStep(def, deps, input)]),
  ) as unknown as LinkedInStepActivities;
  return { ...steps, checkInvitation: (input) => checkInvitation(deps, input) };
}
