import type { ColumnType, Generated } from 'kysely';
import type { LimitOverrides, QuotaKind, WarmupSettings } from './limits';
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

// A type alias, not an interface: withTables<T> needs T to be assignable to Record<string, ...>.
export type QuotaTables = {
  account_settings: AccountSettingsTable;
  account_action_grants: AccountActionGrantsTable;
  account_blocks: AccountBlocksTable;
};
