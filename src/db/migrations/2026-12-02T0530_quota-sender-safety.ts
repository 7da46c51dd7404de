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
    -- Sender-safety settings beyond limits and hours: note budget, pending cap, re-invite wait, health thresholds.
    alter table account_settings add column safety jsonb not null default '{}'::jsonb;

    -- What Unipile told us about the account: its LinkedIn type, InMail credits, the last quota signals.
    create table account_provider_state (
      account_id uuid primary key references connected_accounts(id) on delete cascade,
      -- free | premium | sales_navigator | recruiter (from the account object's premiumFeatures); null: not known yet.
      account_type text,
      premium_features jsonb,
      type_checked_at timestamptz,
      inmail_balance jsonb,
      inmail_checked_at timestamptz,
      -- Unipile's x-ratelimit-* headers of the latest answer.
      rate_limit jsonb,
      -- The invitation answer's "usage" (percent of LinkedIn's quota) and when it came.
      usage_percent integer,
      usage_at timestamptz,
      updated_at timestamptz not null default now()
    );

    -- Every invitation an account sent, and what became of it: the pending count, the acceptance rate,
    -- and the withdrawals LinkedIn makes us wait ~3 weeks after before inviting the same person again.
    create table account_invitations (
      id uuid primary key default gen_random_uuid(),
      account_id uuid not null references connected_accounts(id) on delete cascade,
      provider_id text not null,
      campaign_id uuid,
      lead_id uuid,
      step_id text,
      invitation_id text,
      with_note boolean not null default false,
      sent_at timestamptz not null,
      state text not null default 'pending' check (state in ('pending', 'accepted', 'withdrawn')),
      resolved_at timestamptz,
      created_at timestamptz not null default now()
    );
    create index account_invitations_person_idx on account_invitations (account_id, provider_id);
    create index account_invitations_sent_idx on account_invitations (account_id, sent_at);
    create index account_invitations_pending_idx on account_invitations (account_id, sent_at) where state = 'pending';

    -- Invitation notes spent (free accounts get a few a month), one per reserved invitation.
    create table account_note_uses (
      account_id uuid not null references connected_accounts(id) on delete cascade,
      idempotency_key text primary key,
      used_at timestamptz not null
    );
    create index account_note_uses_account_idx on account_note_uses (account_id, used_at);

    -- Refusals and disconnects, for the health view ("refusals repeat").
    create table account_safety_events (
      id uuid primary key default gen_random_uuid(),
      account_id uuid not null references connected_accounts(id) on delete cascade,
      kind text not null check (kind in ('provider_refusal', 'api_rate_limit', 'disconnect')),
      reason text not null,
      at timestamptz not null
    );
    create index account_safety_events_account_idx on account_safety_events (account_id, at);

    -- Rolling seven days count grants by their slot time.
    create index account_action_grants_account_kind_at_idx on account_action_grants (account_id, kind, granted_at);
  `);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await run(db, `
    drop table if exists account_safety_events, account_note_uses, account_invitations, account_provider_state cascade;
    drop index if exists account_action_grants_account_kind_at_idx;
    alter table account_settings drop column if exists safety;
  `);
}
