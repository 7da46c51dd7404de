// Frozen: once landed, a migration is never edited; the next change is a new file.
import { sql, type Kysely } from 'kysely';

/**
 * The organization's do-not-contact list: a profile, company or domain per row, stored both as
 * entered (`value`, shown back) and reduced to its comparable key (`key`), on which entries are
 * unique and leads are matched. `leads_stopped_at` is null until the running leads the entry matches
 * were told to stop; `stop_claimed_until` is the lease of the process doing it.
 */
const statements = [
  `create table do_not_contact (
     id uuid primary key default gen_random_uuid(),
     organization_id uuid not null references organizations(id) on delete cascade,
     kind text not null check (kind in ('profile', 'company', 'domain')),
     key text not null,
     value text not null,
     created_at timestamptz not null default now(),
     leads_stopped_at timestamptz,
     stop_claimed_until timestamptz,
     unique (organization_id, kind, key)
   )`,
  `create index do_not_contact_owed_idx on do_not_contact (created_at) where leads_stopped_at is null`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('drop table if exists do_not_contact').execute(db);
}
