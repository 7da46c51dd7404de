// Frozen: once landed, a migration is never edited; the next change is a new file.
import { sql, type Kysely } from 'kysely';

/**
 * One organization, one voice (on by default): a person is worked by one campaign of the organization
 * at a time, and a reply to any sender stops that person's leads in every campaign.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw('alter table organizations add column one_voice boolean not null default true').execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('alter table organizations drop column if exists one_voice').execute(db);
}
