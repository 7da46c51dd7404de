/**
 * Deterministic LinkedIn people for the sandbox: any public identifier is a person, and its provider id
 * is derived from (and decodes back to) the slug, so any imported lead resolves both ways.
 */
import { createHash } from 'node:crypto';

const PREFIX = 'ACoAA';
const COMPANIES = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark Industries', 'Wayne Enterprises', 'Soylent'];
const TITLES = ['Head of Sales', 'CTO', 'Founder', 'VP Marketing', 'Engineering Manager', 'Recruiter', 'Product Lead'];

export function providerIdForSlug(slug: string): string {
  return PREFIX + Buffer.from(slug, 'utf8').toString('base64url');
}

/** The slug a sandbox provider id was made from; null for ids the sandbox did not mint. */
export function slugFromProviderId(providerId: string): string | null {
  if (!providerId.startsWith(PREFIX)) return null;
  const slug = Buffer.from(providerId.slice(PREFIX.length), 'base64url').toString('utf8');
  return slug && providerIdForSlug(slug) === providerId ? slug : null;
}

export function hashInt(s: string): number {
  return createHash('sha256').update(s).digest().readUInt32BE(0);
}

export interface SandboxPost {
  id: string;
  socialId: string;
  text: string;
  at: Date;
}

export interface Person {
  slug: string;
  providerId: string;
  firstName: string;
  lastName: string;
  company: string;
  title: string;
  /** undefined: the sandbox default; null: never accepts. */
  acceptAfterMs?: number | null;
  /** undefined: the sandbox default; null: never replies. */
  replyAfterMs?: number | null;
  notFound: boolean;
  blocked: boolean;
  allowInmail: boolean;
  posts: SandboxPost[];
}

export interface PersonOverrides {
  firstName?: string;
  lastName?: string;
  company?: string;
  title?: string;
  acceptAfterMs?: number | null;
  replyAfterMs?: number | null;
  notFound?: boolean;
  blocked?: boolean;
  allowInmail?: boolean;
  /** Replaces the generated posts: one per entry, `daysAgo` before now. */
  posts?: Array<{ daysAgo: number; text?: string }>;
}

const cap = (s: string): string => (s ? s[0]!.toUpperCase() + s.slice(1).toLowerCase() : s);

export function makePosts(slug: string, specs: Array<{ daysAgo: number; text?: string }>, now: number): SandboxPost[] {
  const base = BigInt(7_200_000_000_000_000_000n) + BigInt(hashInt(slug)) * 1000n;
  return specs.map((p, i) => {
    const id = String(base + BigInt(i));
    return { id, socialId: `urn:li:activity:${id}`, text: p.text ?? `Post ${i + 1} by ${slug}`, at: new Date(now - p.daysAgo * 86_400_000) };
  });
}

/** The generated person for a slug: names from its parts, company and title from its hash, three posts. */
export function generatePerson(slug: string, now: number): Person {
  const parts = slug.split(/[-_.\s]+/).filter((p) => p && !/\d/.test(p));
  const h = hashInt(slug);
  return {
    slug,
    providerId: providerIdForSlug(slug),
    firstName: cap(parts[0] ?? 'Alex'),
    lastName: cap(parts[1] ?? 'Doe'),
    company: COMPANIES[h % COMPANIES.length]!,
    title: TITLES[(h >>> 8) % TITLES.length]!,
    notFound: false,
    blocked: false,
    allowInmail: true,
    // Two recent posts and one old one, so "recent posts" filters have something to filter.
    posts: makePosts(slug, [{ daysAgo: 2 }, { daysAgo: 9 }, { daysAgo: 60 }], now),
  };
}

