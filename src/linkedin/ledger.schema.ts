import type { ColumnType, Generated, Selectable } from 'kysely';

/** `linkedin_actions` (migration 2026-11-25T2100): to be merged into `Database` in src/db/schema.ts. */
export const LEDGER_STATUSES = ['pending', 'succeeded', 'failed', 'skipped', 'unknown'] as const;
export type LedgerStatus = (typeof LEDGER_STATUSES)[number];

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type JsonColumn = ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;

export interface LinkedinActionsTable {
  id: Generated<string>;
  organization_id: string;
  /** Our connected_accounts id. */
  account_id: string;
  campaign_id: string | null;
  lead_id: string | null;
  step_id: string | null;
  kind: string;
  idempotency_key: string;
  target_provider_id: string | null;
  status: Generated<LedgerStatus>;
  result: JsonColumn;
  error: JsonColumn;
  attempts: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type LinkedinAction = Selectable<LinkedinActionsTable>;

// A type alias, not an interface: Kysely's withTables<T>() needs T's implicit index signature.
export type LedgerTables = {
  linkedin_actions: LinkedinActionsTable;
};
