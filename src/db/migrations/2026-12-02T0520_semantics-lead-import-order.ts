// Frozen: once landed, a migration is never edited; the next change is a new file.
// Imports nothing from src/ so it means the same thing forever.
import { sql, type Kysely } from 'kysely';

// Leads start in the order they were imported. Their ids are random UUIDs and created_at is the same
// for a whole import (one transaction), so neither says which came first: a sequence does. Rows
// inserted by one multi-row INSERT take its values in the order of the VALUES list. Existing rows get
// numbers in table order, which is the best that can be known about them now.
const statements = [
  `alter table leads add column import_seq bigserial`,
  `create index leads_list_import_seq_idx on leads (lead_list_id, import_seq)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('drop index if exists leads_list_import_seq_idx').execute(db);
  await sql.raw('alter table leads drop column if exists import_seq').execute(db);
}
