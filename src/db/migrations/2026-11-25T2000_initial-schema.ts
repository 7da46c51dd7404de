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
    create table organizations (
      id uuid primary key default gen_random_uuid(),
      name text not null check (length(name) between 1 and 200),
      created_at timestamptz not null default now()
    );

    create table users (
      id uuid primary key default gen_random_uuid(),
      email text not null unique,
      full_name text,
      created_at timestamptz not null default now()
    );

    create table organization_members (
      organization_id uuid not null references organizations(id) on delete cascade,
      user_id uuid not null references users(id) on delete cascade,
      role text not null default 'member' check (role in ('owner', 'admin', 'member')),
      created_at timestamptz not null default now(),
      primary key (organization_id, user_id)
    );

    -- Only a hash of each key is kept; the key itself is shown once, when it is created.
    create table api_keys (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references organizations(id) on delete cascade,
      name text not null default 'default',
      key_prefix text not null,
      key_hash text not null unique,
      created_at timestamptz not null default now(),
      revoked_at timestamptz
    );
    create index api_keys_organization_idx on api_keys (organization_id);

    create table connected_accounts (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references organizations(id) on delete cascade,
      provider text not null default 'linkedin' check (provider in ('linkedin')),
      provider_account_id text not null,
      display_name text,
      status text not null default 'connected' check (status in ('connected', 'disconnected', 'error')),
      status_reason text,
      capabilities jsonb not null default '{}'::jsonb,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (organization_id, provider, provider_account_id)
    );
    create index connected_accounts_provider_account_idx on connected_accounts (provider_account_id);

    create table lead_lists (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references organizations(id) on delete cascade,
      name text not null check (length(name) between 1 and 200),
      description text,
      total_leads integer not null default 0 check (total_leads >= 0),
      created_at timestamptz not null default now()
    );
    create index lead_lists_organization_idx on lead_lists (organization_id);

    create table leads (
      id uuid primary key default gen_random_uuid(),
      lead_list_id uuid not null references lead_lists(id) on delete cascade,
      organization_id uuid not null references organizations(id) on delete cascade,
      full_name text,
      first_name text,
      last_name text,
      email text,
      phone text,
      title text,
      company text,
      industry text,
      location text,
      linkedin_url text,
      linkedin_id text,
      -- The LinkedIn provider id (ACo...) once a profile visit resolved it.
      provider_id text,
      status text not null default 'new',
      source text,
      enrichment_data jsonb not null default '{}'::jsonb,
      created_at timestamptz not null default now(),
      check (linkedin_url is not null or linkedin_id is not null)
    );
    create unique index leads_list_url_uq on leads (lead_list_id, linkedin_url) where linkedin_url is not null;
    create unique index leads_list_linkedin_id_uq on leads (lead_list_id, linkedin_id) where linkedin_id is not null;
    create index leads_organization_idx on leads (organization_id);
    create index leads_provider_id_idx on leads (organization_id, provider_id) where provider_id is not null;

    -- Endpoints an organization configures for the campaign editor's webhook step (data.config.webhookId).
    create table organization_webhooks (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references organizations(id) on delete cascade,
      name text not null default 'default',
      url text not null,
      signing_secret text not null,
      created_at timestamptz not null default now()
    );
    create index organization_webhooks_organization_idx on organization_webhooks (organization_id);

    create table campaigns (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references organizations(id) on delete cascade,
      name text not null check (length(name) between 1 and 200),
      description text,
      status text not null default 'draft'
        check (status in ('draft', 'scheduled', 'in_progress', 'paused', 'completed', 'failed', 'stopped')),
      status_reason text,
      prospect_list uuid references lead_lists(id),
      sender_account uuid references connected_accounts(id),
      workflow_definition jsonb not null,
      schedule jsonb,
      leads_per_day integer check (leads_per_day is null or leads_per_day > 0),
      workflow_id text,
      started_at timestamptz,
      completed_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      is_deleted boolean not null default false
    );
    create index campaigns_organization_idx on campaigns (organization_id) where not is_deleted;
    create index campaigns_sender_account_idx on campaigns (sender_account);

    create table campaign_executions (
      id uuid primary key default gen_random_uuid(),
      campaign_id uuid not null references campaigns(id) on delete cascade,
      lead_id uuid not null references leads(id) on delete cascade,
      workflow_execution_id text,
      status text not null default 'pending'
        check (status in ('pending', 'in_progress', 'completed', 'failed', 'stopped', 'skipped')),
      current_step integer not null default 0 check (current_step >= 0),
      total_steps integer not null default 0 check (total_steps >= 0),
      execution_data jsonb not null default '{}'::jsonb,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      started_at timestamptz,
      completed_at timestamptz,
      unique (campaign_id, lead_id)
    );
    create index campaign_executions_campaign_status_idx on campaign_executions (campaign_id, status);
  `);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await run(db, `
    drop table if exists campaign_executions, campaigns, organization_webhooks, leads, lead_lists,
      connected_accounts, api_keys, organization_members, users, organizations cascade;
  `);
}
