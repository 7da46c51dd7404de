import type { Selectable } from 'kysely';
import type { Db } from '../connection';
import type { DoNotContactTable } from '../schema';
import type { DncKey, DncKind } from '../../services/do-not-contact-keys';

/** The organization's do-not-contact entries; keys come normalized (src/services/do-not-contact-keys.ts). */

export type DoNotContactEntry = Selectable<DoNotContactTable>;

/** Inserts the entries not already listed (same kind and key); returns the ones inserted. */
export async function insertEntries(
  db: Db,
  organizationId: string,
  entries: Array<{ kind: DncKind; key: string; value: string }>,
): Promise<DoNotContactEntry[]> {
  if (entries.length === 0) return [];
  return db
    .insertInto('do_not_contact')
    .values(entries.map((e) => ({ organization_id: organizationId, kind: e.kind, key: e.key, value: e.value })))
    .onConflict((oc) => oc.columns(['organization_id', 'kind', 'key']).doNothing())
    .returningAll()
    .execute();
}

export async function listEntries(
  db: Db,
  organizationId: string,
  page: { limit: number; cursor?: string; kind?: DncKind },
): Promise<DoNotContactEntry[]> {
  let query = db.selectFrom('do_not_contact').selectAll().where('organization_id', '=', organizationId);
  if (page.kind) query = query.where('kind', '=', page.kind);
  if (page.cursor) query = query.where('id', '>', page.cursor);
  return query.orderBy('id').limit(page.limit + 1).execute();
}

export async function deleteEntry(db: Db, organizationId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('do_not_contact')
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** The first entry matching any of the keys, or undefined. */
export async function findMatch(db: Db, organizationId: string, keys: DncKey[]): Promise<DoNotContactEntry | undefined> {
  if (keys.length === 0) return undefined;
  return db
    .selectFrom('do_not_contact')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where((eb) => eb.or(keys.map((k) => eb.and([eb('kind', '=', k.kind), eb('key', '=', k.normalized)]))))
    .orderBy('created_at')
    .limit(1)
    .executeTakeFirst();
}
