import type { Db } from '../connection';
import type { LeadList } from '../schema';

/** Lead lists, scoped by organization. `total_leads` is kept in step with the leads by the import and delete paths. */

export async function insertLeadList(
  db: Db,
  input: { organizationId: string; name: string; description: string | null },
): Promise<LeadList> {
  return db
    .insertInto('lead_lists')
    .values({ organization_id: input.organizationId, name: input.name, description: input.description })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findLeadList(
  db: Db,
  organizationId: string,
  id: string,
): Promise<LeadList | undefined> {
  return db
    .selectFrom('lead_lists')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Same, with the row locked until the transaction ends: imports and deletes into one list run one at a time. */
export async function lockLeadList(
  db: Db,
  organizationId: string,
  id: string,
): Promise<LeadList | undefined> {
  return db
    .selectFrom('lead_lists')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

export async function listLeadLists(
  db: Db,
  organizationId: string,
  page: { limit: number; cursor?: string },
): Promise<LeadList[]> {
  let query = db.selectFrom('lead_lists').selectAll().where('organization_id', '=', organizationId);
  if (page.cursor) query = query.where('id', '>', page.cursor);
  return query
    .orderBy('id')
    .limit(page.limit + 1)
    .execute();
}

export async function updateLeadList(
  db: Db,
  organizationId: string,
  id: string,
  patch: { name?: string; description?: string | null },
): Promise<LeadList | undefined> {
  return db
    .updateTable('lead_lists')
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
    })
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function addToTotal(db: Db, id: string, delta: number): Promise<void> {
  if (delta === 0) return;
  await db
    .updateTable('lead_lists')
    .set((eb) => ({ total_leads: eb('total_leads', '+', delta) }))
    .where('id', '=', id)
    .execute();
}

/**
 * Deletes the list and its leads unless a campaign (not deleted) uses it: deleting it would also
 * delete that campaign's per-lead history. Soft-deleted campaigns let go of it.
 */
export async function deleteLeadList(
  db: Db,
  organizationId: string,
  id: string,
): Promise<
  | { deleted: true }
  | { deleted: false; reason: 'not_found' }
  | { deleted: false; reason: 'in_use'; campaignIds: string[] }
> {
  return db.transaction().execute(async (trx) => {
    const list = await lockLeadList(trx, organizationId, id);
    if (!list) return { deleted: false, reason: 'not_found' } as const;
    const users = await trx
      .selectFrom('campaigns')
      .select('id')
      .where('prospect_list', '=', id)
      .where('is_deleted', '=', false)
      .execute();
    if (users.length > 0)
      return { deleted: false, reason: 'in_use', campaignIds: users.map((c) => c.id) } as const;
    await trx.updateTable('campaigns').set({ prospect_list: null }).where('prospect_list', '=', id).execute();
    await trx.deleteFrom('lead_lists').where('id', '=', id).execute();
    return { deleted: true } as const;
  });
}
