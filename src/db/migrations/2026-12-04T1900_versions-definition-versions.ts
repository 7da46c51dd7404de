// Frozen: once landed, a migration is never edited; the next change is a new file.
// Imports nothing from src/ so it means the same thing forever.
import { sql, type Kysely } from 'kysely';

/**
 * Versioned definitions (issue 15): every saved workflow definition is a numbered, immutable version
 * of its campaign; `campaigns.definition_version` is the current one and `campaign_executions.definition_version`
 * the one each lead runs (null: started before versions).
 *
 * The numbering lives in triggers so that every writer (API, CLI, seeds, a hand-written UPDATE) gets it:
 * a definition that differs from the current one (the editor's save `timestamp` aside) becomes the next
 * version; saving the same one again creates none. The version number cannot be written directly.
 *
 * Statements are listed one by one (PGlite runs a single statement per query, and function bodies hold `;`).
 */
const UP = [
  `create table workflow_definition_versions (
    id uuid primary key default gen_random_uuid(),
    organization_id uuid not null references organizations (id),
    campaign_id uuid not null references campaigns (id),
    version integer not null,
    definition jsonb not null,
    created_at timestamptz not null default now(),
    unique (campaign_id, version)
  )`,
  `alter table campaigns add column definition_version integer not null default 1`,
  `alter table campaign_executions add column definition_version integer`,
  `insert into workflow_definition_versions (organization_id, campaign_id, version, definition, created_at)
    select organization_id, id, 1, workflow_definition, updated_at from campaigns`,
  `create function campaigns_number_definition() returns trigger language plpgsql as $$
  begin
    if tg_op = 'INSERT' then
      new.definition_version := 1;
    elsif (new.workflow_definition - 'timestamp') is not distinct from (old.workflow_definition - 'timestamp') then
      new.definition_version := old.definition_version;
    else
      new.definition_version := old.definition_version + 1;
    end if;
    return new;
  end $$`,
  `create trigger campaigns_number_definition before insert or update on campaigns
    for each row execute function campaigns_number_definition()`,
  `create function campaigns_store_definition() returns trigger language plpgsql as $$
  begin
    insert into workflow_definition_versions (organization_id, campaign_id, version, definition)
      values (new.organization_id, new.id, new.definition_version, new.workflow_definition)
      on conflict (campaign_id, version) do nothing;
    return null;
  end $$`,
  `create trigger campaigns_store_definition after insert or update of workflow_definition on campaigns
    for each row execute function campaigns_store_definition()`,
];

const DOWN = [
  `drop trigger if exists campaigns_store_definition on campaigns`,
  `drop trigger if exists campaigns_number_definition on campaigns`,
  `drop function if exists campaigns_store_definition()`,
  `drop function if exists campaigns_number_definition()`,
  `alter table campaign_executions drop column definition_version`,
  `alter table campaigns drop column definition_version`,
  `drop table workflow_definition_versions`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of DOWN) await sql.raw(statement).execute(db);
}
