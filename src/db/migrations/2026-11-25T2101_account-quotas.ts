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
    -- Per sender account safety settings. No row means every default applies.
    create table account_settings (
      account_id uuid primary key references connected_accounts(id) on delete cascade,
      timezone text not null default 'UTC',
      -- ISO weekdays (1 = Monday .. 7 = Sunday) and local times of day, end exclusive.
      working_hours jsonb not null default '{"days":[1,2,3,4,5],"start":"09:00","end":"18:00"}'::jsonb,
      -- Per quota kind overrides of the defaults: {"invitation":{"daily":40,"weekly":150}}.
      limits jsonb not null default '{}'::jsonb,
      -- Linear ramp from startPercent of every limit to 100% over days (from startedAt, else the account's creation).
      warmup jsonb not null default '{"days":14,"startPercent":20}'::jsonb,
      min_gap_seconds integer not null default 90 check (min_gap_seconds >= 0),
      jitter_seconds integer not null default 60 check (jitter_seconds >= 0),
      updated_at timestamptz not null default now()
    );

    -- One row per action an account was allowed to take: counting rows per local day/week is the quota.
    create table account_action_grants (
      id uuid primary key default gen_random_uuid(),
      account_id uuid not null references connected_accounts(id) on delete cascade,
      kind text not null check (kind in ('invitation', 'profile_visit', 'message', 'inmail', 'comment', 'reaction', 'withdrawal')),
      -- A retried activity presents the same key and gets the same grant back.
      idempotency_key text not null unique,
      -- The slot the action may run at (spaced from the previous grant), not when it was reserved.
      granted_at timestamptz not null,
      local_day date not null,
      local_week text not null,
      created_at timestamptz not null default now()
    );
    create index account_action_grants_account_kind_day_idx on account_action_grants (account_id, kind, local_day);
    -- The spacing rule reads the latest slot on the account.
    create index account_action_grants_account_granted_at_idx on account_action_grants (account_id, granted_at);

    -- Limits LinkedIn reported (422 limit_exceeded, 429): no grant of that kind ('all' = every kind) before blocked_until.
    create table account_blocks (
      account_id uuid not null references connected_accounts(id) on delete cascade,
      kind text not null check (kind in ('all', 'invitation', 'profile_visit', 'message', 'inmail', 'comment', 'reaction', 'withdrawal')),
      blocked_until timestamptz not null,
      reason text not null,
      created_at timestamptz not null default now(),
      primary key (account_id, kind)
    );
  `);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await run(db, `
    drop table if exists account_blocks, account_action_grants, account_settings cascade;
  `);
}
