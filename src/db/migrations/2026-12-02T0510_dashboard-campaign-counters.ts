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
    -- A campaign's analytics as counters, changed in the same transaction that records a lead's progress,
    -- so reading them is O(1) in the number of leads. key names a count: 'node:<id>:done', 'edge:<id>',
    -- 'day:2026-12-02:invitation:done', 'hist:accept:<bucket>', and 'version' (bumped on every change).
    create table campaign_counters (
      campaign_id uuid not null references campaigns(id) on delete cascade,
      key text not null,
      value bigint not null default 0,
      primary key (campaign_id, key)
    );

    -- What the leads table filters on, kept beside the timeline it is derived from.
    alter table campaign_executions add column current_step_id text;
    alter table campaign_executions add column wait_step_id text;
    alter table campaign_executions add column wait_reason text;
    alter table campaign_executions add column wait_until timestamptz;
    create index campaign_executions_campaign_id_idx on campaign_executions (campaign_id, id);
    create index campaign_executions_campaign_wait_idx on campaign_executions (campaign_id, wait_reason, id) where wait_reason is not null;
    create index campaign_executions_campaign_step_idx on campaign_executions (campaign_id, current_step_id, id);
  `);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await run(db, `
    drop table if exists campaign_counters;
    alter table campaign_executions drop column if exists current_step_id, drop column if exists wait_step_id, drop column if exists wait_reason, drop column if exists wait_until;
  `);
}
