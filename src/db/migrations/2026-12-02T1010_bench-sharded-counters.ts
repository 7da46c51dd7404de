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
    -- Counters are split over shards (a lead writes the shard its id hashes to; readers sum them), so the
    -- leads of one campaign recording progress at once do not queue on one row per key (the 'version'
    -- key is touched by every record).
    alter table campaign_counters add column shard smallint not null default 0;
    alter table campaign_counters drop constraint campaign_counters_pkey;
    alter table campaign_counters add primary key (campaign_id, key, shard);

    -- The status view reads lead and step counts from the counters; campaigns whose executions predate
    -- the counters (or were written before them) get those keys recounted once, here.
    delete from campaign_counters where key like 'leads:%' or key ~ '^node:[^:]+:(running|done|failed|skipped:.*)$';
    insert into campaign_counters (campaign_id, key, shard, value)
      select campaign_id, 'leads:' || status, 0, count(*) from campaign_executions group by 1, 2;
    insert into campaign_counters (campaign_id, key, shard, value)
      select ce.campaign_id,
             'node:' || s.key || ':' || case when s.value->>'state' = 'skipped' then 'skipped:' || coalesce(s.value->>'reason', 'unknown') else s.value->>'state' end,
             0, count(*)
      from campaign_executions ce, jsonb_each(case when jsonb_typeof(ce.execution_data->'steps') = 'object' then ce.execution_data->'steps' else '{}'::jsonb end) s
      where s.value->>'state' in ('running', 'done', 'failed', 'skipped')
      group by 1, 2;

    -- The executions list filtered by status pages by id (keyset): this index serves both.
    create index campaign_executions_campaign_status_id_idx on campaign_executions (campaign_id, status, id);
  `);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await run(db, `
    drop index if exists campaign_executions_campaign_status_id_idx;
    create table campaign_counters_unsharded as select campaign_id, key, sum(value)::bigint as value from campaign_counters group by 1, 2;
    delete from campaign_counters;
    alter table campaign_counters drop constraint campaign_counters_pkey;
    alter table campaign_counters drop column shard;
    alter table campaign_counters add primary key (campaign_id, key);
    insert into campaign_counters (campaign_id, key, value) select campaign_id, key, value from campaign_counters_unsharded;
    drop table campaign_counters_unsharded;
  `);
}
