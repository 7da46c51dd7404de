/**
 * What the engine knows about one step kind. Each kind lives in its own `*.step.ts` file and is listed
 * once in registry.ts: adding a kind is one new file plus one registry entry.
 */
import type { DefinitionProblem, StepKind } from '../workflow-definition/plan';

/** The sender-account quotas (account_actions.kind): each LinkedIn action draws on one. */
export const QUOTA_KINDS = ['profile_visit', 'reaction', 'comment', 'invitation', 'message', 'inmail', 'withdrawal'] as const;
export type QuotaKind = (typeof QUOTA_KINDS)[number];

/** Temporal activity type names of the step activities (ACTIVITY_TYPES in workflows/definitions.ts). */
export const STEP_ACTIVITY_TYPES = [
  'visitProfile',
  'likePosts',
  'commentPosts',
  'sendInvitation',
  'sendMessage',
  'sendInmail',
  'withdrawInvitation',
  'notifyWebhook',
] as const;
export type StepActivityType = (typeof STEP_ACTIVITY_TYPES)[number];

export interface StepDefinition<K extends StepKind = StepKind> {
  kind: K;
  /** Other names saved flows use for this kind (`send_invite`...). */
  aliases: readonly string[];
  /** Used when the node has no label. */
  defaultLabel: string;
  activityType: StepActivityType;
  /** The quota this step draws on when it acts on LinkedIn; null when it does not (webhook). */
  quotaKind: QuotaKind | null;
  /**
   * True for the kind whose conditional out-edges decide the accepted / not-accepted branch and carry
   * the acceptance window (the connection request).
   */
  decidesAcceptanceBranch: boolean;
  /**
   * What this step cannot do without, from an earlier step of the lead: its pending invitation (a
   * withdrawal) or the connection (a follow-up message). A lead moved to a new version of its campaign
   * must not skip the step that would have given it (see workflow-definition/version-move.ts).
   */
  needsEarlier?: 'invitation' | 'connection';
  /** Problems in `data.config`; `path` is where the config sits in the submitted JSON. */
  validateConfig(config: Record<string, unknown>, path: string): DefinitionProblem[];
}
