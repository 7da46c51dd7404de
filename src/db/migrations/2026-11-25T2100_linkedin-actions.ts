// Frozen: once landed, a migration is never edited; the next change is a new file.
// Imports nothing from src/ so it means the same thing forever.
import { sql, type Kysely } from 'kysely';

// One statement per query: the embedded PGlite driver runs each query as a single statement.
async function run(db: Kysely<unknown>, ddl: string): Promise<void> {
  for (const statement of ddl.split(/;\s*\n/).map((s) => s.trim()).filter(Boolean)) {
    await sql.raw(statement).execute(db);
  }
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await run(db, `
    -- The write ledger: one row per LinkedIn effect a step intends (invite, message, react...).
    -- The intent is recorded before the HTTP call and the outcome after, so a retry after a crash or an
    -- indeterminate answer reconciles instead of writing twice. Campaign and lead ids are kept without
    -- foreign keys: the ledger is a record of what was done on LinkedIn and outlives deletions.
    create table linkedin_actions (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references organizations(id) on delete cascade,
      account_id uuid not null,
      campaign_id uuid,
      lead_id uuid,
      step_id text,
      kind text not null,
      idempotency_key text not null unique,
      target_provider_id text,
      status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed', 'skipped', 'unknown')),
      result jsonb,
      error jsonb,
      attempts integer not null default 0 check (attempts >= 0),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index linkedin_actions_person_idx on linkedin_actions (organization_id, target_provider_id, kind);
    create index linkedin_actions_campaign_lead_idx on linkedin_actions (campaign_id, lead_id, kind);
  `);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await run(db, `drop table if exists linkedin_actions`);
}
