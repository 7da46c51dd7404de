/**
 * Everything both sides of Temporal must agree on, declared once: workflow and activity type names,
 * signals, queries, ids and search attributes. Imported by workflows (sandbox), the worker and the client.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const WORKFLOW_TYPES = {
  campaignOrchestrator: 'CampaignOrchestratorWorkflow',
  leadOutreach: 'LeadOutreachWorkflow',
  smoke: 'SmokeWorkflow',
} as const;

/** Activity type names (the property names of the activities object the worker registers). */
export const ACTIVITY_TYPES = {
  // campaign bookkeeping
  loadCampaignPlan: 'loadCampaignPlan',
  loadPlanVersion: 'loadPlanVersion',
  loadLeadPage: 'loadLeadPage',
  markCampaignStatus: 'markCampaignStatus',
  recordLeadProgress: 'recordLeadProgress',
  getCampaignControlState: 'getCampaignControlState',
  // sender-account safety
  reserveAccountAction: 'reserveAccountAction',
  // LinkedIn steps (the step registry in domain/steps maps each kind to one of these)
  visitProfile: 'visitProfile',
  likePosts: 'likePosts',
  commentPosts: 'commentPosts',
  sendInvitation: 'sendInvitation',
  sendMessage: 'sendMessage',
  sendInmail: 'sendInmail',
  withdrawInvitation: 'withdrawInvitation',
  notifyWebhook: 'notifyWebhook',
  checkInvitation: 'checkInvitation',
  // smoke test
  recordSmoke: 'recordSmoke',
} as const;

export const TASK_QUEUE_DEFAULT = 'clento-outreach-queue';

export const campaignWorkflowId = (campaignId: string): string => `campaign-${campaignId}`;
export const leadWorkflowId = (campaignId: string, leadId: string): string => `lead-${campaignId}-${leadId}`;

export const SEARCH_ATTRIBUTES = {
  campaignId: defineSearchAttributeKey('CampaignId', SearchAttributeType.KEYWORD),
  organizationId: defineSearchAttributeKey('OrganizationId', SearchAttributeType.KEYWORD),
  leadId: defineSearchAttributeKey('LeadId', SearchAttributeType.KEYWORD),
} as const;

/** Name=Type pairs for `temporal server start-dev --search-attribute` and the operator API. */
export const SEARCH_ATTRIBUTE_DECLARATIONS: ReadonlyArray<{ name: string; type: 'Keyword' }> = [
  { name: 'CampaignId', type: 'Keyword' },
  { name: 'OrganizationId', type: 'Keyword' },
  { name: 'LeadId', type: 'Keyword' },
];

// ---- orchestrator ----------------------------------------------------------------------------

export interface OrchestratorInput {
  campaignId: string;
  organizationId: string;
  maxConcurrentLeads: number;
  /** ms between two lead starts, applied once, here. */
  leadProcessingDelayMs: number;
  leadsPerDay: number | null;
  /** Set by a run that pages leads in import order, for its continued-as-new runs. */
  leadOrder?: 'import' | 'id';
  /** Carried across continue-as-new: a cursor and counters, never a per-lead map. */
  state?: OrchestratorCarry;
}

export interface OrchestratorCarry {
  cursor: string | null;
  exhausted: boolean;
  started: number;
  running: number;
  finished: number;
  succeeded: number;
  failed: number;
  stopped: number;
  paused: boolean;
  pauseReason: string | null;
  stopping: boolean;
  /** Start of the current leads_per_day window (epoch ms) and starts counted in it. */
  dayWindowStart: number;
  startedInWindow: number;
  /** How many runs (continue-as-new generations) this campaign's orchestrator has had. */
  runs: number;
}

export interface OrchestratorStatus extends OrchestratorCarry {
  campaignId: string;
}

export type LeadFinalStatus = 'completed' | 'failed' | 'stopped' | 'skipped';

export const leadFinishedSignal = defineSignal<[{ leadId: string; status: LeadFinalStatus }]>('leadFinished');
export const pauseSignal = defineSignal<[{ reason?: string }]>('pause');
export const resumeSignal = defineSignal<[]>('resume');
export const stopSignal = defineSignal<[{ reason?: string; completeCurrentExecutions?: boolean }]>('stop');
/**
 * The campaign's definition has a new version: leads started from now on take it; with
 * `moveInProgressLeads` the running ones are asked (planChanged) to move at their next step boundary.
 */
export const definitionChangedSignal = defineSignal<[{ version: number; moveInProgressLeads?: boolean }]>('definitionChanged');
export const orchestratorStatusQuery = defineQuery<OrchestratorStatus>('status');

// ---- lead -------------------------------------------------------------------------------------

/** Acceptance learnt from the `new_relation` webhook (or an invitation note chat). */
export const invitationAcceptedSignal = defineSignal<[{ at?: string; source: string }]>('invitationAccepted');
/** A reply from the lead: stop on reply. */
export const replyReceivedSignal = defineSignal<[{ at?: string; messageId?: string }]>('replyReceived');
/** Move to this version of the campaign's definition at the next step boundary, when that is safe. */
export const planChangedSignal = defineSignal<[{ version: number }]>('planChanged');
export const leadStatusQuery = defineQuery<LeadStatus>('leadStatus');

export interface LeadStatus {
  leadId: string;
  paused: boolean;
  stopped: boolean;
  accepted: boolean;
  replied: boolean;
  completedSteps: string[];
  runningSteps: string[];
  /** The definition version it runs (absent: started before versions). */
  definitionVersion?: number;
}
