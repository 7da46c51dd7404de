// Frozen: once landed, a migration is never edited; the next change is a new file.
import { sql, type Kysely } from 'kysely';

/**
 * API keys carry scopes (`admin` manages keys), an optional expiry and when they were last used.
 * Keys that exist already were made by create-org or create-api-key, which are operator tools:
 * they keep the full power they had, so they become admin keys.
 */
const statements = [
  `alter table api_keys add column scopes jsonb not null default '["admin"]'::jsonb`,
  `alter table api_keys alter column scopes set default '[]'::jsonb`,
  `alter table api_keys add column expires_at timestamptz`,
  `alter table api_keys add column last_used_at timestamptz`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('alter table api_keys drop column scopes, drop column expires_at, drop column last_used_at').execute(db);
}
