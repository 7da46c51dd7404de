/**
 * Adding to the organization's do-not-contact list (JSON or CSV) and matching a lead against it.
 * Every value is reduced to its key first; a value that reduces to nothing is reported, not stored.
 */
import type { Db } from '../db/connection';
import * as dnc from '../db/repositories/do-not-contact.repository';
import { ValidationError } from '../errors';
import { DNC_KINDS, entryKey, guessKind, leadKeys, type DncKind } from './do-not-contact-keys';
import { canonicalField, csvRecords } from './lead-rows';

export const MAX_DNC_ENTRIES_PER_REQUEST = 10_000;
export const MAX_DNC_VALUE_CHARS = 2048;

export interface DncEntryInput {
  /** As given (a CSV cell may say anything); guessed from the value when absent. */
  kind?: string;
  value: string;
}

function isKind(kind: string): kind is DncKind {
  return (DNC_KINDS as readonly string[]).includes(kind);
}

export interface DncAddReport {
  added: dnc.DoNotContactEntry[];
  /** Already on the list, or twice in this request. */
  duplicates: number;
  rejected: Array<{ row: number; value: string; code: 'invalid_value' | 'unknown_kind'; message: string }>;
}

/** Normalizes then stores; the entries that were listed already count as duplicates. */
export async function addEntries(db: Db, organizationId: string, inputs: Array<DncEntryInput & { row: number }>): Promise<DncAddReport> {
  if (inputs.length > MAX_DNC_ENTRIES_PER_REQUEST) {
    throw new ValidationError('validation_failed', `at most ${MAX_DNC_ENTRIES_PER_REQUEST} entries per request; this one has ${inputs.length}`);
  }
  const rejected: DncAddReport['rejected'] = [];
  const seen = new Set<string>();
  const entries: Array<{ kind: DncKind; key: string; value: string }> = [];
  let duplicates = 0;
  for (const input of inputs) {
    const value = input.value.trim().slice(0, MAX_DNC_VALUE_CHARS);
    const given = input.kind?.trim().toLowerCase();
    const kind = given ? (isKind(given) ? given : null) : guessKind(value);
    if (!kind) {
      const message = given ? `unknown kind "${given}": profile, company or domain` : 'not a LinkedIn profile URL, provider id or domain: say its kind (profile, company or domain)';
      rejected.push({ row: input.row, value, code: 'unknown_kind', message });
      continue;
    }
    const key = entryKey(kind, value);
    if (!key) {
      rejected.push({ row: input.row, value, code: 'invalid_value', message: `not a valid ${kind}` });
      continue;
    }
    if (seen.has(`${kind}:${key}`)) {
      duplicates += 1;
      continue;
    }
    seen.add(`${kind}:${key}`);
    entries.push({ kind, key, value });
  }
  const added = await dnc.insertEntries(db, organizationId, entries);
  return { added, duplicates: duplicates + entries.length - added.length, rejected };
}

/** Columns read from a CSV, beyond the lead import's LinkedIn ones (matched without case or punctuation). */
const CSV_COLUMNS: Record<string, DncKind | 'kind' | 'value'> = {
  kind: 'kind',
  type: 'kind',
  value: 'value',
  entry: 'value',
  domain: 'domain',
  website: 'domain',
  companydomain: 'domain',
  companywebsite: 'domain',
};

function csvColumn(header: string): DncKind | 'kind' | 'value' | undefined {
  const field = canonicalField(header);
  if (field === 'linkedin_url' || field === 'linkedin_id') return 'profile';
  if (field === 'company') return 'company';
  return CSV_COLUMNS[header.toLowerCase().replace(/[^a-z0-9]/g, '')];
}

/**
 * A CSV's entries: each non-empty cell of a profile, company or domain column is one entry (so the
 * lead import's files work as they are), and a `kind`,`value` pair of columns gives one per row.
 */
export async function entriesFromCsv(text: string): Promise<Array<DncEntryInput & { row: number }>> {
  const { header, records } = await csvRecords(text);
  const columns = header.map((h) => ({ name: h, column: csvColumn(h) }));
  if (!columns.some((c) => c.column && c.column !== 'kind')) {
    throw new ValidationError('invalid_csv', 'the header row names no usable column: add "linkedin_url", "company", "domain" or "kind" and "value"', { header });
  }
  const out: Array<DncEntryInput & { row: number }> = [];
  for (const record of records) {
    const values = record.values ?? {};
    const cell = (name: string) => (typeof values[name] === 'string' ? values[name].trim() : '');
    const kindCell = columns.find((c) => c.column === 'kind');
    const kindText = kindCell ? cell(kindCell.name) : '';
    for (const { name, column } of columns) {
      const value = cell(name);
      if (!value || !column || column === 'kind') continue;
      if (column === 'value') {
        out.push({ row: record.row, value, ...(kindText ? { kind: kindText } : {}) });
      } else out.push({ row: record.row, value, kind: column });
    }
  }
  return out;
}

/**
 * The entry a lead is on, if any: by its profile (URL, id, provider id) or its company (name, or the
 * domain of its company field or e-mail). Read from the database, not the workflow's snapshot: a
 * profile visit may have filled the company since.
 */
export async function leadOnList(db: Db, organizationId: string, leadId: string): Promise<dnc.DoNotContactEntry | undefined> {
  const lead = await db
    .selectFrom('leads')
    .select(['provider_id', 'linkedin_id', 'linkedin_url', 'company', 'email'])
    .where('id', '=', leadId)
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
  if (!lead) return undefined;
  return dnc.findMatch(
    db,
    organizationId,
    leadKeys({ providerId: lead.provider_id, linkedinId: lead.linkedin_id, linkedinUrl: lead.linkedin_url, company: lead.company, email: lead.email }),
  );
}
