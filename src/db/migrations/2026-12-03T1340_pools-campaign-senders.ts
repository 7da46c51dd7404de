// Frozen: once landed, a migration is never edited; the next change is a new file.
// Imports nothing from src/ so it means the same thing forever.
import { sql, type Kysely } from 'kysely';

// One statement per query: the embedded PGlite driver runs each query as a single statement.
async function run(db: Kysely<unknown>, ddl: string): Promise<void> {
  for (const statement of ddl.split(/;\s*\n/).map((s) => s.trim()).filter(Boolean)) {
    await sql.raw(statement).execute(db);
  }
}

/**
 * Sender pools (issue 11): a campaign has one or more sender accounts. `campaigns.sender_account`
 * stays and names the first active one (the design's single sender is a pool of one). A removed
 * sender keeps its row (removed_at) so the leads it already contacted still name it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await run(db, `
    create table campaign_senders (
      campaign_id uuid not null references campaigns (id),
      account_id uuid not null references connected_accounts (id),
      position integer not null,
      added_at timestamptz not null default now(),
      removed_at timestamptz,
      primary key (campaign_id, account_id)
    );

    insert into campaign_senders (campaign_id, account_id, position, added_at)
      select id, sender_account, 0, created_at from campaigns where sender_account is not null;

    -- The sender a lead was given when it started, kept for its whole life.
    alter table campaign_executions add column sender_account_id uuid references connected_accounts (id);

    create index campaign_executions_campaign_sender on campaign_executions (campaign_id, sender_account_id, status)
  `);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await run(db, `
    drop index if exists campaign_executions_campaign_sender;
    alter table campaign_executions drop column sender_account_id;
    drop table campaign_senders
  `);
}
