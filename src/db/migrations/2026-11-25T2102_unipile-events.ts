// Frozen: once landed, a migration is never edited; the next change is a new file.
import { sql, type Kysely } from 'kysely';

const statements = [
  `create table unipile_events (
     id uuid primary key default gen_random_uuid(),
     -- The event's natural identity (message id, relation, status change) or a hash of its body:
     -- Unipile retries deliveries, and the same event must have one effect.
     event_key text not null unique,
     event_type text not null,
     unipile_account_id text,
     payload jsonb not null,
     received_at timestamptz not null default now(),
     processed_at timestamptz,
     outcome jsonb
   )`,
  `create index unipile_events_unprocessed_idx on unipile_events (received_at) where processed_at is null`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('drop table if exists unipile_events').execute(db);
}
