import type { StepKind } from './workflow-definition/plan';

/**
 * A lead's progress as stored in `campaign_executions.execution_data` and served by
 * GET /api/campaigns/:id/executions/:leadId. Entries are appended; each has a stable `type`.
 */
export type TimelineEntryType =
  | 'lead_started'
  | 'sender_assigned' // the sender of the campaign's pool that works this lead (detail.accountId), or its replacement
  | 'step_started'
  | 'step_completed'
  | 'step_skipped'
  | 'step_failed'
  | 'wait' // a delay on an edge
  | 'quota_wait' // the account's quota, working hours, spacing or warm-up held the step back
  | 'rate_limited' // LinkedIn/Unipile said 429 or limit_exceeded: long back-off
  | 'retry_wait' // a transient failure outlived the activity's quick retries: minutes before the next try
  | 'acceptance_wait' // waiting for a connection request to be accepted
  | 'branch' // accepted / not-accepted decided
  | 'paused'
  | 'resumed'
  | 'reply_received'
  | 'stopped'
  | 'version_moved' // moved to a new version of the campaign's definition at a step boundary (detail.fromVersion, toVersion)
  | 'version_kept' // asked to move, stayed on its version: reason says why (VERSION_KEPT_REASONS)
  | 'lead_completed'
  | 'lead_failed';

export interface TimelineEntry {
  at: string; // ISO-8601
  type: TimelineEntryType;
  stepId?: string;
  kind?: StepKind;
  /** Stable reason code, e.g. `already_connected`, `daily_limit`, `outside_working_hours`, `window_elapsed`. */
  reason?: string;
  /** For waits: when the wait ends (ISO-8601). */
  until?: string;
  branch?: 'accepted' | 'not-accepted';
  detail?: Record<string, unknown>;
}

export type StepState = 'running' | 'done' | 'skipped' | 'failed';

export interface ExecutionData {
  timeline: TimelineEntry[];
  /** Latest state of each step, keyed by step id: the status endpoint counts these per step. */
  steps: Record<string, { kind: StepKind; state: StepState; at: string; reason?: string }>;
}
