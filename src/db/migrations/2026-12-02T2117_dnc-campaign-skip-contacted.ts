// Frozen: once landed, a migration is never edited; the next change is a new file.
import { sql, type Kysely } from 'kysely';

/** Per campaign: skip leads the organization contacted (invited, messaged) in the last N days; null = off. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw('alter table campaigns add column skip_contacted_within_days integer').execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('alter table campaigns drop column if exists skip_contacted_within_days').execute(db);
}
