/**
 * The step registry: every canonical kind (STEP_KINDS) maps to its definition. The mapped type makes a
 * kind added to STEP_KINDS without a definition a compile error.
 */
import { STEP_KINDS, type StepKind } from '../workflow-definition/plan';
import { commentPostStep } from './comment-post.step';
import { likePostStep } from './like-post.step';
import { profileVisitStep } from './profile-visit.step';
import { sendConnectionRequestStep } from './send-connection-request.step';
import { sendFollowupStep } from './send-followup.step';
import { sendInmailStep } from './send-inmail.step';
import type { StepDefinition } from './step-definition';
import { webhookStep } from './webhook.step';
import { withdrawRequestStep } from './withdraw-request.step';

const DEFINITIONS: { readonly [K in StepKind]: StepDefinition<K> } = {
  profile_visit: profileVisitStep,
  like_post: likePostStep,
  comment_post: commentPostStep,
  send_connection_request: sendConnectionRequestStep,
  send_followup: sendFollowupStep,
  send_inmail: sendInmailStep,
  withdraw_request: withdrawRequestStep,
  webhook: webhookStep,
};

/** Canonical names and aliases → kind. Built with a Map so ids like `constructor` never hit Object.prototype. */
const BY_NAME = new Map<string, StepKind>();
for (const kind of STEP_KINDS) {
  for (const name of [kind, ...DEFINITIONS[kind].aliases]) {
    const taken = BY_NAME.get(name);
    if (taken) throw new Error(`step name ${name} is claimed by both ${taken} and ${kind}`);
    BY_NAME.set(name, kind);
  }
}

export const STEP_DEFINITIONS: readonly StepDefinition[] = STEP_KINDS.map((kind) => DEFINITIONS[kind]);

export function stepDefinition<K extends StepKind>(kind: K): StepDefinition<K> {
  return DEFINITIONS[kind];
}

/** The canonical kind for an editor `data.type` (canonical name or alias; case and surrounding spaces ignored). */
export function resolveStepKind(rawType: unknown): StepKind | undefined {
  if (typeof rawType !== 'string') return undefined;
  return BY_NAME.get(rawType.trim().toLowerCase());
}

/** Whether the step acts on LinkedIn and so draws on the sender account's quota. */
export function isLinkedInWrite(kind: StepKind): boolean {
  return DEFINITIONS[kind].quotaKind !== null;
}

export type { QuotaKind, StepActivityType, StepDefinition } from './step-definition';
export { QUOTA_KINDS, STEP_ACTIVITY_TYPES } from './step-definition';
