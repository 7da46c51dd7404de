import type { ColumnType, Generated } from 'kysely';
import type { AccountType, LimitOverrides, QuotaKind, SafetySettings, WarmupSettings } from './limits';
import type { WorkingHours } from './schedule';

/**
 * Kysely shapes of the quota tables (migration 2026-11-25T2101_account-quotas). Query them through
 * `db.withTables<QuotaTables>()` until they are merged into `Database`.
 */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string | undefined, string>;

export interface AccountSettingsTable {
  account_id: string;
  timezone: Generated<string>;
  working_hours: Json<WorkingHours>;
  limits: Json<LimitOverrides>;
  warmup: Json<WarmupSettings>;
  min_gap_seconds: Generated<number>;
  jitter_seconds: Generated<number>;
  safety: Json<Partial<SafetySettings>>;
  updated_at: Timestamp;
}

export interface AccountActionGrantsTable {
  id: Generated<string>;
  account_id: string;
  kind: QuotaKind;
  idempotency_key: string;
  granted_at: ColumnType<Date, Date | string, Date | string>;
  /** A `date`: drivers return it as a Date at local midnight; compare it with YYYY-MM-DD strings in SQL. */
  local_day: ColumnType<Date | string, string, string>;
  local_week: string;
  created_at: Timestamp;
}

export interface AccountBlocksTable {
  account_id: string;
  kind: QuotaKind | 'all';
  blocked_until: ColumnType<Date, Date | string, Date | string>;
  reason: string;
  created_at: Timestamp;
}

export interface AccountProviderStateTable {
  account_id: string;
  account_type: AccountType | null;
  premium_features: Json<string[] | null>;
  type_checked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  inmail_balance: Json<InmailBalance | null>;
  inmail_checked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  rate_limit: Json<RateLimitState | null>;
  usage_percent: ColumnType<number | null, number | null | undefined, number | null>;
  usage_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  updated_at: Timestamp;
}

export interface InmailBalance {
  premium: number | null;
  recruiter: number | null;
  sales_navigator: number | null;
}

export interface RateLimitState {
  limit: number | null;
  remaining: number | null;
  resetAt: string | null;
  at: string;
}

export interface AccountInvitationsTable {
  id: Generated<string>;
  account_id: string;
  provider_id: string;
  campaign_id: string | null;
  lead_id: string | null;
  step_id: string | null;
  invitation_id: string | null;
  with_note: Generated<boolean>;
  sent_at: ColumnType<Date, Date | string, Date | string>;
  state: Generated<'pending' | 'accepted' | 'withdrawn'>;
  resolved_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: Timestamp;
}

export interface AccountNoteUsesTable {
  account_id: string;
  idempotency_key: string;
  used_at: ColumnType<Date, Date | string, Date | string>;
}

export interface AccountSafetyEventsTable {
  id: Generated<string>;
  account_id: string;
  kind: 'provider_refusal' | 'api_rate_limit' | 'disconnect';
  reason: string;
  at: ColumnType<Date, Date | string, Date | string>;
}

// A type alias, not an interface: withTables<T> needs T to be assignable to Record<string, ...>.
export type QuotaTables = {
  account_settings: AccountSettingsTable;
  account_action_grants: AccountActionGrantsTable;
  account_blocks: AccountBlocksTable;
  account_provider_state: AccountProviderStateTable;
  account_invitations: AccountInvitationsTable;
  account_note_uses: AccountNoteUsesTable;
  account_safety_events: AccountSafetyEventsTable;
};
