/**
 * What the HTTP API needs from the campaign engine. The implementation (campaign service → Temporal
 * client) lives in services/campaign.service.ts; the API depends only on this interface.
 * Every method scopes by organization and throws AppErrors (src/errors.ts) with stable codes.
 */
export interface StartCampaignInput {
  organizationId: string;
  campaignId: string;
  maxConcurrentLeads?: number;
  /** Milliseconds between two lead starts (applied once, by the orchestrator). */
  leadProcessingDelay?: number;
}

export interface CampaignStatusView {
  campaignId: string;
  status: string;
  statusReason: string | null;
  workflowId: string | null;
  totalLeads: number;
  processedLeads: number;
  successfulLeads: number;
  failedLeads: number;
  /**
   * campaign_executions counts by status (pending, in_progress, completed, failed, stopped, skipped),
   * plus `not_started`: leads of the list without an execution yet. They sum to totalLeads.
   */
  leadsByState: Record<string, number>;
  /** The first lead workflows (by execution id); the rest page through the executions list. */
  workflows: {
    items: Array<{ workflowId: string | null; leadId: string; status: string; currentStep: string | null; completedSteps: number }>;
    /** `cursor` for GET {executionsUrl}?cursor=… to read on; null when `items` holds them all. */
    nextCursor: string | null;
    executionsUrl: string;
  };
  /** Per step id: how many leads are running / done / skipped / failed on it. */
  steps: Record<string, { kind: string; label: string; running: number; done: number; skipped: number; failed: number }>;
  startedAt: string | null;
  completedAt: string | null;
}

/**
 * A control call's answer: `changed: false` when the campaign already was where the call asked (idempotent);
 * `applied` says whether the orchestrator got the signal yet. False while Temporal is unreachable: the
 * desired status is recorded and the signal is re-sent in the background.
 */
export type ControlResult = CampaignStatusView & { changed: boolean; applied: boolean };

export interface CampaignControl {
  start(input: StartCampaignInput): Promise<CampaignStatusView & { alreadyRunning: boolean }>;
  pause(input: { organizationId: string; campaignId: string; reason?: string }): Promise<ControlResult>;
  resume(input: { organizationId: string; campaignId: string }): Promise<ControlResult>;
  stop(input: { organizationId: string; campaignId: string; reason?: string; completeCurrentExecutions?: boolean }): Promise<ControlResult>;
  status(input: { organizationId: string; campaignId: string }): Promise<CampaignStatusView>;
  /**
   * Tells a running or paused campaign's orchestrator that its definition has a new version (leads
   * started from now on take it; with moveInProgressLeads the running ones are asked to move). Called
   * inside the transaction that saves the version: it throws ServiceUnavailableError (temporal_unavailable)
   * when Temporal cannot be reached, so the save rolls back and nothing changed.
   */
  announceDefinition(input: { organizationId: string; campaignId: string; version: number; moveInProgressLeads: boolean }): Promise<void>;
}
