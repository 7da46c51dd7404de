// Frozen: once landed, a migration is never edited; the next change is a new file.
import { sql, type Kysely } from 'kysely';

/**
 * Request counters of the API rate limit, one row per bucket (an API key or a client IP) and
 * window: every API process counts in the same row, so the limit holds however many run.
 */
const statements = [
  `create table api_rate_limits (
     bucket text primary key,
     hits integer not null,
     window_ends_at timestamptz not null
   )`,
  `create index api_rate_limits_window_idx on api_rate_limits (window_ends_at)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('drop table if exists api_rate_limits').execute(db);
}
