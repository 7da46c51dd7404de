import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** The database shape, typed once. Column names are the ones the existing front end reads. */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T = unknown> = ColumnType<T, string | undefined, string>;

export const CAMPAIGN_STATUSES = ['draft', 'scheduled', 'in_progress', 'paused', 'completed', 'failed', 'stopped'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export const EXECUTION_STATUSES = ['pending', 'in_progress', 'completed', 'failed', 'stopped', 'skipped'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export const ACCOUNT_STATUSES = ['connected', 'disconnected', 'error'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];
/** leads.status: every lead is `new` (the column default) today; a list filter takes only these. */
export const LEAD_STATUSES = ['new'] as const;

export interface OrganizationsTable {
  id: Generated<string>;
  name: string;
  created_at: Timestamp;
  /** A person is worked by one campaign at a time; a reply stops them everywhere (default on). */
  one_voice: Generated<boolean>;
}

export interface ApiKeysTable {
  id: Generated<string>;
  organization_id: string;
  name: Generated<string>;
  key_prefix: string;
  key_hash: string;
  created_at: Timestamp;
  revoked_at: NullableTimestamp;
  /** `admin` manages API keys; a key without it uses every other route. */
  scopes: Json<ApiKeyScope[]>;
  expires_at: NullableTimestamp;
  /** Updated at most once a minute per key. */
  last_used_at: NullableTimestamp;
}

export const API_KEY_SCOPES = ['admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export interface ApiRateLimitsTable {
  bucket: string;
  hits: number;
  window_ends_at: Timestamp;
}

export interface ConnectedAccountsTable {
  id: Generated<string>;
  organization_id: string;
  provider: Generated<'linkedin'>;
  provider_account_id: string;
  display_name: string | null;
  status: Generated<AccountStatus>;
  status_reason: string | null;
  capabilities: Json<Record<string, unknown>>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface LeadListsTable {
  id: Generated<string>;
  organization_id: string;
  name: string;
  description: string | null;
  total_leads: Generated<number>;
  created_at: Timestamp;
}

export interface LeadsTable {
  id: Generated<string>;
  lead_list_id: string;
  organization_id: string;
  full_name: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  title: string | null;
  company: string | null;
  industry: string | null;
  location: string | null;
  linkedin_url: string | null;
  linkedin_id: string | null;
  provider_id: string | null;
  status: Generated<string>;
  source: string | null;
  enrichment_data: Json<Record<string, unknown>>;
  created_at: Timestamp;
  /** Import order (a sequence): leads start in this order. */
  import_seq: Generated<string>;
}

export interface OrganizationWebhooksTable {
  id: Generated<string>;
  organization_id: string;
  name: Generated<string>;
  url: string;
  signing_secret: string;
  created_at: Timestamp;
}

export interface DoNotContactTable {
  id: Generated<string>;
  organization_id: string;
  kind: 'profile' | 'company' | 'domain';
  /** The normalized key (src/services/do-not-contact-keys.ts): what leads are matched on. */
  key: string;
  /** As entered. */
  value: string;
  created_at: Timestamp;
  /** Null until the running leads it matches were signalled to stop. */
  leads_stopped_at: NullableTimestamp;
  stop_claimed_until: NullableTimestamp;
}

export interface CampaignsTable {
  id: Generated<string>;
  organization_id: string;
  name: string;
  description: string | null;
  status: Generated<CampaignStatus>;
  status_reason: string | null;
  prospect_list: string | null;
  sender_account: string | null;
  workflow_definition: Json;
  schedule: Json | null;
  leads_per_day: number | null;
  /** Skip leads the organization invited or messaged (another campaign) in the last N days; null = off. */
  skip_contacted_within_days: ColumnType<number | null, number | null | undefined, number | null>;
  /** Skip leads already connected to the sender, until this campaign contacted them (default false). */
  skip_connected_leads: Generated<boolean>;
  workflow_id: string | null;
  started_at: NullableTimestamp;
  completed_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
  is_deleted: Generated<boolean>;
  /** The last status delivered to the orchestrator; differs from `status` while a control signal is owed. */
  applied_status: string | null;
  /** The control signal owed (pause/resume/stop and its options), re-sent until applied. */
  control_request: Json | null;
  control_attempts: Generated<number>;
  control_next_attempt_at: NullableTimestamp;
  /** The current version of workflow_definition (numbered by a trigger: never written by the app). */
  definition_version: Generated<number>;
}

/** Every saved workflow definition of a campaign, numbered from 1; rows are never updated. */
export interface WorkflowDefinitionVersionsTable {
  id: Generated<string>;
  organization_id: string;
  campaign_id: string;
  version: number;
  definition: Json;
  created_at: Timestamp;
}

export interface CampaignExecutionsTable {
  id: Generated<string>;
  campaign_id: string;
  lead_id: string;
  workflow_execution_id: string | null;
  status: Generated<ExecutionStatus>;
  current_step: Generated<number>;
  total_steps: Generated<number>;
  execution_data: Json<Record<string, unknown>>;
  created_at: Timestamp;
  updated_at: Timestamp;
  started_at: NullableTimestamp;
  completed_at: NullableTimestamp;
  /** Derived from execution_data by the recorder, for the leads table's filters. */
  current_step_id: ColumnType<string | null, string | null | undefined, string | null>;
  wait_step_id: ColumnType<string | null, string | null | undefined, string | null>;
  wait_reason: ColumnType<string | null, string | null | undefined, string | null>;
  wait_until: NullableTimestamp;
  /** The sender this lead was given when it started (sender pools); null for leads started before pools. */
  sender_account_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** The definition version this lead runs; null for leads started before versions. */
  definition_version: ColumnType<number | null, number | null | undefined, number | null>;
}

/** A campaign's sender pool; `campaigns.sender_account` names the first active one. */
export interface CampaignSendersTable {
  campaign_id: string;
  account_id: string;
  position: number;
  added_at: Timestamp;
  removed_at: NullableTimestamp;
}

export interface CampaignCountersTable {
  campaign_id: string;
  key: string;
  /** Which of the counter's rows (campaign-counter.repository.ts sums them on read). */
  shard: ColumnType<number, number | undefined, number>;
  value: ColumnType<string | number, number, number>;
}

export interface Database {
  organizations: OrganizationsTable;
  api_keys: ApiKeysTable;
  connected_accounts: ConnectedAccountsTable;
  lead_lists: LeadListsTable;
  leads: LeadsTable;
  organization_webhooks: OrganizationWebhooksTable;
  campaigns: CampaignsTable;
  campaign_executions: CampaignExecutionsTable;
  campaign_senders: CampaignSendersTable;
  unipile_events: UnipileEventsTable;
  api_rate_limits: ApiRateLimitsTable;
  campaign_counters: CampaignCountersTable;
  do_not_contact: DoNotContactTable;
  workflow_definition_versions: WorkflowDefinitionVersionsTable;
}

export type Organization = Selectable<OrganizationsTable>;
export type ConnectedAccount = Selectable<ConnectedAccountsTable>;
export type NewConnectedAccount = Insertable<ConnectedAccountsTable>;
export type LeadList = Selectable<LeadListsTable>;
export type Lead = Selectable<LeadsTable>;
export type NewLead = Insertable<LeadsTable>;
export type Campaign = Selectable<CampaignsTable>;
export type NewCampaign = Insertable<CampaignsTable>;
export type CampaignUpdate = Updateable<CampaignsTable>;
export type CampaignExecution = Selectable<CampaignExecutionsTable>;
export type WorkflowDefinitionVersion = Selectable<WorkflowDefinitionVersionsTable>;

export interface UnipileEventsTable {
  id: Generated<string>;
  event_key: string;
  event_type: string;
  unipile_account_id: string | null;
  payload: Json;
  received_at: Timestamp;
  processed_at: NullableTimestamp;
  outcome: Json | null;
  attempts: Generated<number>;
  next_attempt_at: NullableTimestamp;
  last_error: string | null;
}
