/**
 * Do-not-contact entries and leads reduced to comparable keys, so one entry matches every spelling of
 * the same person or company: a profile by its public identifier (from any LinkedIn URL form, case-
 * insensitive) or its provider id (ACo…, exact); a company by its name (case, punctuation and legal
 * suffixes ignored) or its domain (scheme, `www.`, path and e-mail local part dropped; a subdomain
 * matches its parent). Pure: the repository stores `normalized`, the checks compare leads' keys to it.
 */
import { isProviderId, publicIdentifierFromUrl } from '../linkedin/identifiers';

export const DNC_KINDS = ['profile', 'company', 'domain'] as const;
export type DncKind = (typeof DNC_KINDS)[number];

export interface DncKey {
  kind: DncKind;
  normalized: string;
}

const LEGAL_SUFFIXES = new Set(['inc', 'incorporated', 'llc', 'ltd', 'limited', 'gmbh', 'sa', 'sas', 'sarl', 'bv', 'nv', 'ag', 'plc', 'corp', 'corporation', 'co', 'company', 'srl', 'spa', 'oy', 'ab', 'as', 'pty']);
const DOMAIN = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** A profile entry's key: provider ids as they are, public identifiers lower-cased; null if neither. */
export function profileKey(value: string): string | null {
  const raw = value.trim();
  if (!raw) return null;
  if (isProviderId(raw)) return raw;
  const slug = publicIdentifierFromUrl(raw);
  if (!slug || /[\s/]/.test(slug)) return null;
  return isProviderId(slug) ? slug : slug.toLowerCase();
}

/** `Acme, Inc.` and `ACME inc` → `acme`; null when nothing is left. */
export function companyKey(value: string): string | null {
  const words = value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  while (words.length > 1 && LEGAL_SUFFIXES.has(words[words.length - 1]!)) words.pop();
  return words.length > 0 ? words.join(' ') : null;
}

/** `https://www.Acme.com/about`, `jane@acme.com`, `acme.com.` → `acme.com`; null when not a domain. */
export function domainKey(value: string): string | null {
  let text = value.trim().toLowerCase();
  if (text.includes('@')) text = text.slice(text.lastIndexOf('@') + 1);
  text = text.replace(/^[a-z][a-z0-9+.-]*:\/\//, '').replace(/[/?#:].*$/, '').replace(/\.$/, '').replace(/^www\./, '');
  return DOMAIN.test(text) ? text : null;
}

/** The kind a bare value most likely is, when the caller did not say: a URL or id is a profile, a domain a domain. */
export function guessKind(value: string): DncKind | null {
  const raw = value.trim();
  if (isProviderId(raw) || /linkedin\.com\/(in|pub)\//i.test(raw)) return 'profile';
  if (domainKey(raw)) return 'domain';
  return null;
}

export function entryKey(kind: DncKind, value: string): string | null {
  return kind === 'profile' ? profileKey(value) : kind === 'company' ? companyKey(value) : domainKey(value);
}

/** Every key a lead can be matched by (parents of its e-mail domain included). */
export function leadKeys(lead: { providerId?: string | null; linkedinId?: string | null; linkedinUrl?: string | null; publicIdentifier?: string | null; company?: string | null; email?: string | null }): DncKey[] {
  const keys: DncKey[] = [];
  const add = (kind: DncKind, k: string | null) => {
    if (k && !keys.some((x) => x.kind === kind && x.normalized === k)) keys.push({ kind, normalized: k });
  };
  for (const v of [lead.providerId, lead.linkedinId, lead.linkedinUrl, lead.publicIdentifier]) if (v) add('profile', profileKey(v));
  if (lead.company) {
    add('company', companyKey(lead.company));
    add('domain', domainKey(lead.company));
  }
  const domain = lead.email ? domainKey(lead.email) : null;
  if (domain) {
    const labels = domain.split('.');
    for (let i = 0; i < labels.length - 1; i++) add('domain', labels.slice(i).join('.'));
  }
  return keys;
}
