/**
 * LinkedIn identifiers as Unipile uses them: the public identifier (slug after `/in/`) works only for
 * profile lookups; invitations and chats need the provider id (`ACoAA...`), so callers resolve it first.
 */

/** `ACo...` / `ADo...` member ids (provider ids); anything else is treated as a public identifier. */
export function isProviderId(identifier: string): boolean {
  return /^A[CD]o[A-Za-z0-9_-]{6,}$/.test(identifier);
}

/**
 * `https://www.linkedin.com/in/John%20Doe-12/?utm=x` → `John Doe-12`. Accepts any LinkedIn host
 * (`linkedin.com`, `fr.linkedin.com`, `m.`...), no scheme, `/pub/` and `/sales/lead` shapes with a
 * slug; returns null when there is no `/in/<slug>`. A bare slug is returned as is.
 */
export function publicIdentifierFromUrl(input: string): string | null {
  const raw = input.trim();
  if (!raw) return null;
  if (!raw.includes('/') && !raw.includes('.')) return safeDecode(raw);
  let url: URL;
  try {
    url = new URL(/^[a-z]+:\/\//i.test(raw) ? raw : `https://${raw}`);
  } catch {
    return null;
  }
  if (!/(^|\.)linkedin\.com$/i.test(url.hostname)) return null;
  const m = /^\/(?:in|pub)\/([^/]+)/i.exec(url.pathname);
  if (!m?.[1]) return null;
  const slug = safeDecode(m[1]).trim();
  return slug || null;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The best identifier a lead offers for `GET /users/{identifier}`: provider id, LinkedIn id, then URL slug. */
export function leadProfileIdentifier(lead: { providerId: string | null; linkedinId: string | null; linkedinUrl: string | null }): string | null {
  if (lead.providerId) return lead.providerId;
  if (lead.linkedinId?.trim()) return lead.linkedinId.trim();
  return lead.linkedinUrl ? publicIdentifierFromUrl(lead.linkedinUrl) : null;
}
