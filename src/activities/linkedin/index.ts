import type { StepActivityInput } from '../../domain/step-outcome';
import type { LinkedInActivities } from '../types';
import { checkInvitation, type CheckInvitationInput, type InvitationState } from './check-invitation';
import { runStep, type LinkedInActivityDeps } from './context';
import { LINKEDIN_STEP_REGISTRY } from './registry';

export type { LinkedInActivityDeps, AccountStoppedEvent } from './context';
export { LINKEDIN_STEP_REGISTRY, type LinkedInStepActivityName } from './registry';
export type { CheckInvitationInput, InvitationState } from './check-invitation';

/** The step activities, as the workflows see them (declared once, in ../types). */
export type LinkedInStepActivities = Omit<LinkedInActivities, 'checkInvitation'>;

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
