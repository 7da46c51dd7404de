/**
 * The activity interfaces the workflows call. Types only: workflows import them with `import type`,
 * so no activity code enters the workflow sandbox. The worker registers objects that satisfy them.
 */
import type { LeadResume, LeadSnapshot, StepActivityInput, StepOutcome } from '../domain/step-outcome';
import type { ExecutionData, StepState, TimelineEntry } from '../domain/timeline';
import type { CampaignPlan, StepKind } from '../domain/workflow-definition/plan';
import type { AssignLeadSenderInput, AssignLeadSenderResult } from '../services/sender-assignment';
import type { LeadFinalStatus } from '../workflows/definitions';

export interface LinkedInActivities {
  visitProfile(input: StepActivityInput): Promise<StepOutcome>;
  likePosts(input: StepActivityInput): Promise<StepOutcome>;
  commentPosts(input: StepActivityInput): Promise<StepOutcome>;
  sendInvitation(input: StepActivityInput): Promise<StepOutcome>;
  sendMessage(input: StepActivityInput): Promise<StepOutcome>;
  sendInmail(input: StepActivityInput): Promise<StepOutcome>;
  withdrawInvitation(input: StepActivityInput): Promise<StepOutcome>;
  notifyWebhook(input: StepActivityInput): Promise<StepOutcome>;
  checkInvitation(input: {
    organizationId: string;
    campaignId: string;
    accountId: string;
    leadId: string;
    providerId: string;
  }): Promise<{ state: 'pending' | 'accepted' | 'not_found' }>;
}

export type StepActivityType = Exclude<keyof LinkedInActivities, 'checkInvitation'>;

export interface CampaignRunInfo {
  campaignId: string;
  organizationId: string;
  accountId: string;
  plan: CampaignPlan;
  /** The version of the definition `plan` was compiled from. */
  definitionVersion: number;
  schedule: unknown;
  leadsPerDay: number | null;
  totalLeads: number;
}

export interface RecordLeadProgressInput {
  campaignId: string;
  leadId: string;
  workflowId: string;
  runId: string;
  status?: 'in_progress' | LeadFinalStatus;
  currentStep: number;
  totalSteps: number;
  /** Numbered per run, so a retried activity never appends an entry twice. */
  entries: Array<TimelineEntry & { seq: number }>;
  steps: Record<string, { kind: StepKind; state: StepState; at: string; reason?: string }>;
  final: boolean;
  /** Written when the lead stops: what a restart of the campaign resumes from. */
  resume?: LeadResume;
  /** The definition version the lead runs now (campaign_executions.definition_version). */
  definitionVersion?: number;
}

export interface CampaignActivities {
  loadCampaignRun(input: { campaignId: string }): Promise<CampaignRunInfo>;
  /** One saved version of the campaign's definition, compiled. Fails (retryable) while the version is not visible yet. */
  loadPlanVersion(input: { campaignId: string; version: number }): Promise<{ version: number; plan: CampaignPlan }>;
  /** `doneSteps`: steps each lead already completed in an earlier run of this campaign (not done again). */
  /** `order: 'import'` pages in import order; without it (executions started before that), by lead id. */
  loadLeadPage(input: { campaignId: string; afterLeadId: string | null; limit: number; order?: 'import' }): Promise<{
    leads: LeadSnapshot[];
    doneSteps: Record<string, string[]>;
    /** Where an earlier run of the campaign stopped each lead (acceptance, waits left). */
    resume?: Record<string, LeadResume>;
    nextCursor: string | null;
  }>;
  markCampaignStatus(input: { campaignId: string; status: 'completed' | 'failed' | 'stopped'; reason?: string }): Promise<void>;
  recordLeadProgress(input: RecordLeadProgressInput): Promise<void>;
  getCampaignControlState(input: { campaignId: string; accountId: string }): Promise<{ campaignStatus: string; accountStatus: string }>;
  /** The lead's sender from the campaign's pool: chosen once, kept, replaced only when asked (sender-assignment.ts). */
  assignLeadSender(input: AssignLeadSenderInput): Promise<AssignLeadSenderResult>;
  /** Fans a control signal out to the campaign's running lead workflows, in pages, from the activity side. */
  signalCampaignLeads(input: {
    campaignId: string;
    signal: 'pause' | 'resume' | 'stop' | 'planChanged';
    reason?: string;
    completeCurrentExecutions?: boolean;
    /** planChanged: the version to move to (only leads on an older one are signalled). */
    version?: number;
  }): Promise<{ signalled: number }>;
}

export type ReserveActionResult =
  | { granted: true; at: string; grantId: string; withNote?: boolean }
  | { granted: false; retryAt: string; reason: string };

export interface QuotaActivities {
  /**
   * `now` is the workflow's clock: the reservation reasons in campaign time, which is wall time in
   * production and skipped time under the time-skipping test server.
   */
  reserveAccountAction(input: { accountId: string; kind: string; idempotencyKey: string; campaignSchedule?: unknown; now: string }): Promise<ReserveActionResult>;
}

export type { ExecutionData };
