/**
 * How many actions of each kind a LinkedIn account may take: defaults from Unipile's guidance
 * (docs/shared unipile-api §6), per-account overrides, and the warm-up ramp for new accounts. Pure.
 */

export const QUOTA_KINDS = ['invitation', 'profile_visit', 'message', 'inmail', 'comment', 'reaction', 'withdrawal'] as const;
export type QuotaKind = (typeof QUOTA_KINDS)[number];

export function isQuotaKind(value: unknown): value is QuotaKind {
  return typeof value === 'string' && (QUOTA_KINDS as readonly string[]).includes(value);
}

/**
 * Kinds that change something on LinkedIn. They share one spacing chain per account ("writes
 * serialised per account"); profile visits are spaced on a chain of their own so reads never
 * delay writes.
 */
export const WRITE_KINDS: readonly QuotaKind[] = QUOTA_KINDS.filter((k) => k !== 'profile_visit');

export function spacingChain(kind: QuotaKind): readonly QuotaKind[] {
  return kind === 'profile_visit' ? ['profile_visit'] : WRITE_KINDS;
}

export interface KindLimit {
  daily: number;
  /** null: no weekly cap beyond the daily one. */
  weekly: number | null;
}

/** Conservative ends of LinkedIn's ranges (invitations 80-100/day ~200/week, visits 80-100, InMail 30-50...). */
export const DEFAULT_LIMITS: Readonly<Record<QuotaKind, KindLimit>> = Object.freeze({
  invitation: { daily: 80, weekly: 200 },
  profile_visit: { daily: 90, weekly: null },
  message: { daily: 100, weekly: null },
  inmail: { daily: 40, weekly: null },
  comment: { daily: 50, weekly: null },
  reaction: { daily: 100, weekly: null },
  withdrawal: { daily: 50, weekly: null },
});

/** `account_settings.limits`: only what differs from the defaults. `weekly: null` removes a weekly cap. */
export type LimitOverrides = Partial<Record<QuotaKind, { daily?: number; weekly?: number | null }>>;

export function configuredLimits(overrides: LimitOverrides | null | undefined): Record<QuotaKind, KindLimit> {
  const out = {} as Record<QuotaKind, KindLimit>;
  for (const kind of QUOTA_KINDS) {
    const o = overrides?.[kind];
    out[kind] = {
      daily: o?.daily ?? DEFAULT_LIMITS[kind].daily,
      weekly: o && 'weekly' in o && o.weekly !== undefined ? o.weekly : DEFAULT_LIMITS[kind].weekly,
    };
  }
  return out;
}

export interface WarmupSettings {
  /** Days to go from startPercent to 100%; 0 disables the ramp. */
  days: number;
  startPercent: number;
  /** Local date (YYYY-MM-DD) the ramp starts; default: the day the account was connected. */
  startedAt?: string;
}

export const DEFAULT_WARMUP: Readonly<WarmupSettings> = Object.freeze({ days: 14, startPercent: 20 });

/**
 * The ramp on local day `day` (0 = the day it started): linear from startPercent to 100% at
 * day `days`, then 1.
 */
export function warmupFactor(warmup: WarmupSettings, day: number): number {
  if (warmup.days <= 0 || day >= warmup.days) return 1;
  const d = Math.max(0, day);
  const percent = warmup.startPercent + ((100 - warmup.startPercent) * d) / warmup.days;
  return Math.min(1, percent / 100);
}

/** Whole local days between two YYYY-MM-DD dates (b - a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** floor(limit × factor), but never below 1 unless the limit itself is 0 (kind switched off). */
export function rampedLimit(limit: number, factor: number): number {
  if (limit <= 0) return 0;
  return Math.max(1, Math.floor(limit * factor + 1e-9));
}

export function effectiveLimit(limit: KindLimit, factor: number): KindLimit {
  return { daily: rampedLimit(limit.daily, factor), weekly: limit.weekly === null ? null : rampedLimit(limit.weekly, factor) };
}
