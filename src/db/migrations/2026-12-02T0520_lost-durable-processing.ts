// Frozen: once landed, a migration is never edited; the next change is a new file.
import { sql, type Kysely } from 'kysely';

const statements = [
  // Stored Unipile events are retried with back-off until their effect is applied.
  `alter table unipile_events
     add column attempts integer not null default 0,
     add column next_attempt_at timestamptz,
     add column last_error text`,
  `create index unipile_events_due_idx on unipile_events (next_attempt_at) where processed_at is null`,
  // Control is desired state: campaigns.status is what the user asked; applied_status is the last one
  // delivered to the orchestrator; control_request is the signal still owed, re-sent by a background
  // loop until it is delivered.
  `alter table campaigns
     add column applied_status text,
     add column control_request jsonb,
     add column control_attempts integer not null default 0,
     add column control_next_attempt_at timestamptz`,
  `update campaigns set applied_status = status`,
  `create index campaigns_control_pending_idx on campaigns (control_next_attempt_at) where control_request is not null`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('drop index if exists campaigns_control_pending_idx').execute(db);
  await sql.raw('alter table campaigns drop column if exists applied_status, drop column if exists control_request, drop column if exists control_attempts, drop column if exists control_next_attempt_at').execute(db);
  await sql.raw('drop index if exists unipile_events_due_idx').execute(db);
  await sql.raw('alter table unipile_events drop column if exists attempts, drop column if exists next_attempt_at, drop column if exists last_error').execute(db);
}
