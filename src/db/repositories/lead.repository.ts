import type { Db } from '../connection';
import { sql } from 'kysely';
import type { Lead } from '../schema';
import { addToTotal, lockLeadList } from './lead-list.repository';

/** Leads, scoped by organization. */

/** The per-lead columns an import writes; list, organization and source are shared by the batch. */
export const IMPORTED_LEAD_COLUMNS = [
  'full_name',
  'first_name',
  'last_name',
  'email',
  'phone',
  'title',
  'company',
  'industry',
  'location',
  'linkedin_url',
  'linkedin_id',
] as const;
export type ImportedLead = Record<(typeof IMPORTED_LEAD_COLUMNS)[number], string | null> & {
  enrichment_data: string;
};

/**
 * Inserts one batch; rows whose linkedin_url or linkedin_id is already in the list are skipped by the
 * partial unique indexes (leads_list_url_uq, leads_list_linkedin_id_uq). Returns how many went in.
 * One array parameter per column (unnest) instead of one parameter per cell: a 100,000-row import
 * is a few dozen statements with a dozen parameters each, not millions of parameters.
 */
export async function insertLeadsSkippingDuplicates(
  db: Db,
  shared: { organizationId: string; leadListId: string; source: string },
  rows: ImportedLead[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const columns = [...IMPORTED_LEAD_COLUMNS, 'enrichment_data'] as const;
  const arrays = columns.map((c) => sql`${rows.map((r) => r[c])}::text[]`);
  const result = await sql<{ n: number }>`
    with inserted as (
      insert into leads (lead_list_id, organization_id, source, ${sql.join(columns.map((c) => sql.ref(c)))})
      select ${shared.leadListId}::uuid, ${shared.organizationId}::uuid, ${shared.source},
             ${sql.join(IMPORTED_LEAD_COLUMNS.map((c) => sql.ref(`t.${c}`)))}, t.enrichment_data::jsonb
      from unnest(${sql.join(arrays)}) with ordinality as t(${sql.join(columns.map((c) => sql.ref(c)))}, ord)
      -- In the upload's order, so import_seq (leads start in that order) follows it.
      order by t.ord
      on conflict do nothing
      returning 1
    )
    select count(*)::int as n from inserted`.execute(db);
  return Number(result.rows[0]?.n ?? 0);
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
