// Frozen: once landed, a migration is never edited; the next change is a new file.
import { sql, type Kysely } from 'kysely';

/**
 * A Unipile account belongs to exactly one organization. The constraint decides who holds it, so
 * two organizations registering the same account id at the same moment cannot both win.
 * A database where two organizations already share an account id fails here (the index cannot be
 * built): an operator has to decide which organization owns it before the product starts again.
 */
const statements = [
  `create unique index connected_accounts_provider_account_unique
     on connected_accounts (provider, provider_account_id)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('drop index if exists connected_accounts_provider_account_unique').execute(db);
}
