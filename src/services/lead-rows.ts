import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { parse, type Options as CsvOptions } from 'csv-parse';
import { ValidationError } from '../errors';

/**
 * Turning what a user uploads (a CSV export, a JSON array) into lead rows: header mapping, LinkedIn URL
 * normalization, per-row validation. Pure: no database here (see leads-import.ts).
 */

export const LEAD_FIELDS = [
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
export type LeadField = (typeof LEAD_FIELDS)[number];

/** Column names seen in exports (Sales Navigator, Apollo, spreadsheets), compared without case, spaces or punctuation. */
const FIELD_ALIASES: Record<LeadField, string[]> = {
  full_name: ['fullname', 'name', 'leadname', 'contactname'],
  first_name: ['firstname', 'first', 'givenname', 'forename'],
  last_name: ['lastname', 'last', 'surname', 'familyname'],
  email: ['email', 'emailaddress', 'workemail', 'mail'],
  phone: ['phone', 'phonenumber', 'mobile', 'mobilephone', 'telephone'],
  title: ['title', 'jobtitle', 'position', 'headline', 'role'],
  company: ['company', 'companyname', 'organization', 'organisation', 'employer', 'account'],
  industry: ['industry'],
  location: ['location', 'city', 'geography', 'region'],
  linkedin_url: [
    'linkedinurl',
    'linkedin',
    'linkedinprofile',
    'linkedinprofileurl',
    'profileurl',
    'personlinkedinurl',
    'linkedinlink',
  ],
  linkedin_id: ['linkedinid', 'linkedinmemberid', 'memberid', 'publicidentifier', 'linkedinpublicid'],
};

const ALIAS_TO_FIELD = new Map<string, LeadField>(
  Object.entries(FIELD_ALIASES).flatMap(([field, aliases]) =>
    aliases.map((a) => [a, field as LeadField] as const),
  ),
);

/** `LinkedIn URL`, `linkedin_url`, `linkedinUrl` and `Linkedin-Url` all map to linkedin_url. */
export function canonicalField(header: string): LeadField | undefined {
  return ALIAS_TO_FIELD.get(header.toLowerCase().replace(/[^a-z0-9]/g, ''));
}

/**
 * `https://www.linkedin.com/in/<slug>/` with a lowercase slug, or null when the input is not a
 * LinkedIn profile URL. Accepts missing scheme, country/mobile subdomains, query strings, trailing
 * sub-pages (`/in/x/details/experience`) and percent-encoded slugs.
 */
export function normalizeLinkedinUrl(input: string): string | null {
  let text = input.trim();
  if (text === '' || text.length > 2048) return null;
  if (!/^https?:\/\//i.test(text)) text = `https://${text}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  const host = url.hostname.toLowerCase();
  if (host !== 'linkedin.com' && !host.endsWith('.linkedin.com')) return null;
  const [section, rawSlug] = url.pathname.split('/').filter(Boolean);
  if (section?.toLowerCase() !== 'in' || !rawSlug) return null;
  let slug: string;
  try {
    slug = decodeURIComponent(rawSlug).toLowerCase();
  } catch {
    return null;
  }
  if (!/^[\p{L}\p{N}_-]{2,100}$/u.test(slug)) return null;
  return `https://www.linkedin.com/in/${encodeURIComponent(slug)}/`;
}

const LINKEDIN_ID = /^[A-Za-z0-9_:-]{1,200}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_FIELD_LENGTH = 1000;

export interface LeadRowError {
  /** 1-based, as the user sees it: CSV header = row 1, first JSON array element = row 1. */
  row: number;
  field?: string;
  code: string;
  message: string;
}

export interface RawRecord {
  row: number;
  /** Keyed by the column or property name as given; null when a JSON element is not an object. */
  values: Record<string, unknown> | null;
}

export type NormalizedLead = Record<LeadField, string | null> & { extra: Record<string, string> };

export type NormalizeResult = { ok: true; lead: NormalizedLead } | { ok: false; error: LeadRowError };

function emptyLead(): NormalizedLead {
  const lead = { extra: {} } as NormalizedLead;
  for (const field of LEAD_FIELDS) lead[field] = null;
  return lead;
}

/** Validates one record; the first problem rejects the row (the user fixes it and re-imports: duplicates are skipped). */
export function normalizeRecord(record: RawRecord): NormalizeResult {
  const fail = (code: string, message: string, field?: string): NormalizeResult => ({
    ok: false,
    error: { row: record.row, code, message, ...(field ? { field } : {}) },
  });
  if (record.values === null) return fail('not_an_object', 'each lead must be a JSON object');
  const lead = emptyLead();
  for (const [key, value] of Object.entries(record.values)) {
    if (value === null || value === undefined) continue;
    if (typeof value !== 'string' && typeof value !== 'number') {
      const field = canonicalField(key);
      if (field) return fail('invalid_value', `${field} must be a string`, field);
      continue; // nested data in unmapped properties is not ours to keep
    }
    const text = String(value).trim();
    if (text === '') continue;
    const field = canonicalField(key);
    // PostgreSQL stores no NUL byte in text or jsonb: the row is refused, the rest of the import goes on.
    if (text.includes('\u0000'))
      return fail('invalid_value', `${field ?? key} contains a NUL byte`, field ?? key);
    if (text.length > MAX_FIELD_LENGTH)
      return fail(
        'field_too_long',
        `${field ?? key} is longer than ${MAX_FIELD_LENGTH} characters`,
        field ?? key,
      );
    if (field) {
      if (lead[field] === null) lead[field] = text;
    } else {
      lead.extra[key] = text;
    }
  }

  if (lead.linkedin_url !== null) {
    const normalized = normalizeLinkedinUrl(lead.linkedin_url);
    if (!normalized)
      return fail(
        'invalid_linkedin_url',
        `"${lead.linkedin_url.slice(0, 200)}" is not a LinkedIn profile URL (https://www.linkedin.com/in/<name>/)`,
        'linkedin_url',
      );
    lead.linkedin_url = normalized;
  }
  if (lead.linkedin_id !== null && !LINKEDIN_ID.test(lead.linkedin_id))
    return fail(
      'invalid_linkedin_id',
      'linkedin_id may hold only letters, digits, "_", ":" and "-"',
      'linkedin_id',
    );
  if (lead.linkedin_url === null && lead.linkedin_id === null)
    return fail('missing_linkedin_identity', 'each lead needs a linkedin_url or a linkedin_id');
  if (lead.email !== null && !EMAIL.test(lead.email))
    return fail('invalid_email', `"${lead.email.slice(0, 200)}" is not an email address`, 'email');

  // Templates use [first_name] and [full_name]: fill whichever side is missing.
  if (lead.full_name === null && (lead.first_name !== null || lead.last_name !== null)) {
    lead.full_name = [lead.first_name, lead.last_name].filter(Boolean).join(' ');
  } else if (lead.full_name !== null && lead.first_name === null && lead.last_name === null) {
    const [first, ...rest] = lead.full_name.split(/\s+/);
    lead.first_name = first ?? null;
    lead.last_name = rest.length > 0 ? rest.join(' ') : null;
  }
  return { ok: true, lead };
}

function detectDelimiter(text: string): string {
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const counts = [',', ';', '\t'].map((d) => [d, firstLine.split(d).length - 1] as const);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0] && counts[0][1] > 0 ? counts[0][0] : ',';
}

/** The CSV is fed to the parser this many characters at a time, yielding between pieces. */
const CSV_PIECE_CHARS = 64 * 1024;
/** Rows turned into records between two yields. */
export const ROWS_PER_YIELD = 2_000;

/**
 * All rows of a CSV text, parsed piece by piece with a yield to the event loop between pieces, so a
 * 20 MiB upload never holds the loop for more than one piece. Rejects with csv-parse's error.
 */
async function parseCsvRows(text: string, options: CsvOptions): Promise<string[][]> {
  const parser = parse(options);
  const rows: string[][] = [];
  let failure: Error | undefined;
  parser.on('readable', () => {
    let row: unknown;
    while ((row = parser.read()) !== null) rows.push(row as string[]);
  });
  parser.on('error', (err: Error) => (failure = err));
  const ended = new Promise<void>((resolve) => {
    parser.once('end', resolve);
    parser.once('error', () => resolve());
  });
  for (let at = 0; at < text.length && failure === undefined; ) {
    let end = Math.min(at + CSV_PIECE_CHARS, text.length);
    // Never split a surrogate pair: the parser reads UTF-8, where half a pair is lost.
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    parser.write(text.slice(at, end));
    at = end;
    await yieldToLoop();
  }
  if (failure === undefined) parser.end();
  await ended;
  if (failure !== undefined) throw failure;
  return rows;
}

/** CSV with a header row (`,`, `;` or tab separated, optional BOM). Blank lines are skipped but keep their row number. */
export async function csvRecords(text: string): Promise<{ header: string[]; records: RawRecord[] }> {
  let rows: string[][];
  try {
    rows = await parseCsvRows(text, {
      bom: true,
      delimiter: detectDelimiter(text.replace(/^\uFEFF/, '')),
      relax_column_count: true,
      skip_empty_lines: false,
      trim: true,
    });
  } catch (err) {
    const line = (err as { lines?: number }).lines;
    throw new ValidationError(
      'invalid_csv',
      `the CSV does not parse${line ? ` (near line ${line})` : ''}: ${(err as Error).message.slice(0, 300)}`,
      line ? { line } : undefined,
    );
  }
  const [header, ...data] = rows;
  if (!header || header.every((h) => h === ''))
    throw new ValidationError('invalid_csv', 'the CSV is empty: the first row must name the columns');
  if (header.some((h) => h.includes('\u0000')))
    throw new ValidationError('invalid_csv', 'a column name in the header row contains a NUL byte', { line: 1 });
  const records: RawRecord[] = [];
  for (let index = 0; index < data.length; index += 1) {
    if (index > 0 && index % ROWS_PER_YIELD === 0) await yieldToLoop();
    const cells = data[index]!;
    if (cells.every((c) => c === '')) continue;
    const values: Record<string, unknown> = {};
    header.forEach((name, column) => {
      const cell = cells[column];
      if (name !== '' && cell !== undefined && !(name in values)) values[name] = cell;
    });
    records.push({ row: index + 2, values });
  }
  return { header, records };
}

/** Lead rows from a CSV, whose header must name a LinkedIn column. */
export async function recordsFromCsv(text: string): Promise<RawRecord[]> {
  const { header, records } = await csvRecords(text);
  const fields = header.map((h) => canonicalField(h));
  if (!fields.includes('linkedin_url') && !fields.includes('linkedin_id')) {
    throw new ValidationError(
      'invalid_csv',
      'the header row has no LinkedIn column: add "linkedin_url" (or "LinkedIn URL") or "linkedin_id"',
      { header },
    );
  }
  return records;
}

/** `{ leads: [...] }` or a bare array of lead objects (snake_case or camelCase keys). */
export function recordsFromJson(body: unknown): RawRecord[] {
  const list = Array.isArray(body)
    ? body
    : body && typeof body === 'object'
      ? (body as { leads?: unknown }).leads
      : undefined;
  if (!Array.isArray(list))
    throw new ValidationError(
      'validation_failed',
      'the body must be an array of leads or { "leads": [...] }',
      [{ path: 'body', message: 'must be an array or an object with a leads array', keyword: 'type' }],
    );
  return list.map((item: unknown, index) => ({
    row: index + 1,
    values:
      item !== null && typeof item === 'object' && !Array.isArray(item)
        ? (item as Record<string, unknown>)
        : null,
  }));
}
