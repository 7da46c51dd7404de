import type { Db } from '../connection';
import type { Lead, NewLead } from '../schema';
import { addToTotal, lockLeadList } from './lead-list.repository';

/** Leads, scoped by organization. */

/**
 * Inserts one batch; rows whose linkedin_url or linkedin_id is already in the list are skipped by the
 * partial unique indexes (leads_list_url_uq, leads_list_linkedin_id_uq). Returns how many went in.
 */
export async function insertLeadsSkippingDuplicates(db: Db, rows: NewLead[]): Promise<number> {
  if (rows.length === 0) return 0;
  const inserted = await db
    .insertInto('leads')
    .values(rows)
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .execute();
  return inserted.length;
}

export async function listLeads(
  db: Db,
  organizationId: string,
  leadListId: string,
  page: { limit: number; cursor?: string; status?: string },
): Promise<Lead[]> {
  let query = db
    .selectFrom('leads')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('lead_list_id', '=', leadListId);
  if (page.status) query = query.where('status', '=', page.status);
  if (page.cursor) query = query.where('id', '>', page.cursor);
  return query
    .orderBy('id')
    .limit(page.limit + 1)
    .execute();
}

export async function findLead(db: Db, organizationId: string, id: string): Promise<Lead | undefined> {
  return db
    .selectFrom('leads')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Deletes the lead (and its finished executions) unless a campaign is processing it right now. */
export async function deleteLead(
  db: Db,
  organizationId: string,
  id: string,
): Promise<{ deleted: true } | { deleted: false; reason: 'not_found' | 'in_use' }> {
  return db.transaction().execute(async (trx) => {
    const lead = await findLead(trx, organizationId, id);
    if (!lead) return { deleted: false, reason: 'not_found' } as const;
    // Lock the list first (same order as imports) so total_leads stays exact.
    await lockLeadList(trx, organizationId, lead.lead_list_id);
    const busy = await trx
      .selectFrom('campaign_executions')
      .select('id')
      .where('lead_id', '=', id)
      .where('status', 'in', ['pending', 'in_progress'])
      .executeTakeFirst();
    if (busy) return { deleted: false, reason: 'in_use' } as const;
    const result = await trx.deleteFrom('leads').where('id', '=', id).executeTakeFirst();
    if (result.numDeletedRows > 0n) await addToTotal(trx, lead.lead_list_id, -1);
    return { deleted: true } as const;
  });
}
