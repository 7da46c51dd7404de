// Frozen: once landed, a migration is never edited; the next change is a new file.
import { sql, type Kysely } from 'kysely';

/** Per campaign: skip leads already connected to the campaign's sender before it contacts them (default off). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw('alter table campaigns add column skip_connected_leads boolean not null default false').execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('alter table campaigns drop column if exists skip_connected_leads').execute(db);
}
