import type { Db } from '../db/connection';
import { addToTotal, findLeadList, lockLeadList } from '../db/repositories/lead-list.repository';
import { insertLeadsSkippingDuplicates, type ImportedLead } from '../db/repositories/lead.repository';
import { NotFoundError, UnprocessableError } from '../errors';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import {
  ROWS_PER_YIELD,
  normalizeRecord,
  recordsFromCsv,
  recordsFromJson,
  type LeadRowError,
  type NormalizedLead,
  type RawRecord,
} from './lead-rows';

/**
 * Bulk lead import into a list: parse, validate each row, drop duplicates (within the upload and
 * against the list), insert in batches inside one transaction. Either the whole import lands, with
 * lead_lists.total_leads updated, or nothing does.
 */

export const MAX_LEADS_PER_LIST = 100_000;
/** Rows per INSERT: each batch's parameters are built synchronously, so batches stay small. */
export const INSERT_BATCH_SIZE = 2_000;
/** The report lists at most this many rejected rows (the counts stay exact). */
export const MAX_REPORTED_ERRORS = 1_000;

export type ImportInput = { kind: 'csv'; text: string } | { kind: 'json'; body: unknown };

export interface ImportReport {
  imported: number;
  duplicates: number;
  rejected: number;
  errors: LeadRowError[];
  errorsTruncated: boolean;
  totalLeads: number;
}

function tooLarge(message: string, details: Record<string, number>): UnprocessableError {
  return new UnprocessableError('lead_list_too_large', message, details);
}

function toRow(lead: NormalizedLead): ImportedLead {
  const { extra, ...fields } = lead;
  return {
    ...fields,
    enrichment_data: JSON.stringify(Object.keys(extra).length > 0 ? { importedFields: extra } : {}),
  };
}

export async function importLeads(
  db: Db,
  input: { organizationId: string; leadListId: string; data: ImportInput },
): Promise<ImportReport> {
  const { organizationId, leadListId } = input;
  // Answer 404 before spending time on a large upload.
  if (!(await findLeadList(db, organizationId, leadListId))) throw new NotFoundError('lead_list', leadListId);

  const records: RawRecord[] =
    input.data.kind === 'csv' ? await recordsFromCsv(input.data.text) : recordsFromJson(input.data.body);
  if (records.length > MAX_LEADS_PER_LIST) {
    throw tooLarge(`an import holds at most ${MAX_LEADS_PER_LIST} leads; this one has ${records.length}`, {
      limit: MAX_LEADS_PER_LIST,
      received: records.length,
    });
  }

  const errors: LeadRowError[] = [];
  let rejected = 0;
  let duplicates = 0;
  const seenUrls = new Set<string>();
  const seenIds = new Set<string>();
  const source = input.data.kind === 'csv' ? 'csv_import' : 'api_import';
  const rows: ImportedLead[] = [];
  for (const [index, record] of records.entries()) {
    // Validation of a large upload goes in slices, so other requests are answered meanwhile.
    if (index > 0 && index % ROWS_PER_YIELD === 0) await yieldToLoop();
    const result = normalizeRecord(record);
    if (!result.ok) {
      rejected += 1;
      if (errors.length < MAX_REPORTED_ERRORS) errors.push(result.error);
      continue;
    }
    const { linkedin_url: url, linkedin_id: id } = result.lead;
    if ((url !== null && seenUrls.has(url)) || (id !== null && seenIds.has(id))) {
      duplicates += 1;
      continue;
    }
    if (url !== null) seenUrls.add(url);
    if (id !== null) seenIds.add(id);
    rows.push(toRow(result.lead));
  }

  return db.transaction().execute(async (trx) => {
    const list = await lockLeadList(trx, organizationId, leadListId);
    if (!list) throw new NotFoundError('lead_list', leadListId); // deleted meanwhile
    const imported = await insertBatches(trx, { organizationId, leadListId, source }, rows);
    // Checked after inserting because rows already in the list are skipped, not counted; throwing rolls back.
    if (list.total_leads + imported > MAX_LEADS_PER_LIST) {
      throw tooLarge(
        `the list would hold ${list.total_leads + imported} leads; the limit is ${MAX_LEADS_PER_LIST}`,
        {
          limit: MAX_LEADS_PER_LIST,
          current: list.total_leads,
          adding: imported,
        },
      );
    }
    await addToTotal(trx, leadListId, imported);
    return {
      imported,
      duplicates: duplicates + (rows.length - imported),
      rejected,
      errors,
      errorsTruncated: rejected > errors.length,
      totalLeads: list.total_leads + imported,
    };
  });
}

async function insertBatches(
  db: Db,
  shared: { organizationId: string; leadListId: string; source: string },
  rows: ImportedLead[],
): Promise<number> {
  let imported = 0;
  for (let start = 0; start < rows.length; start += INSERT_BATCH_SIZE) {
    imported += await insertLeadsSkippingDuplicates(db, shared, rows.slice(start, start + INSERT_BATCH_SIZE));
  }
  return imported;
}
