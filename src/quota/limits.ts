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

/**
 * The defaults for an account type, then the overrides. Free accounts get about 150 invitations a
 * week (unipile-api §6); an unknown type (Unipile not asked yet) gets the paid defaults.
 */
export function configuredLimits(overrides: LimitOverrides | null | undefined, accountType: AccountType | null = null): Record<QuotaKind, KindLimit> {
  const out = {} as Record<QuotaKind, KindLimit>;
  for (const kind of QUOTA_KINDS) {
    const o = overrides?.[kind];
    const def = accountType === 'free' ? (FREE_ACCOUNT_LIMITS[kind] ?? DEFAULT_LIMITS[kind]) : DEFAULT_LIMITS[kind];
    out[kind] = {
      daily: o?.daily ?? def.daily,
      weekly: o && 'weekly' in o && o.weekly !== undefined ? o.weekly : def.weekly,
    };
  }
  return out;
}

/** Where free accounts differ from the paid defaults. */
export const FREE_ACCOUNT_LIMITS: Readonly<Partial<Record<QuotaKind, KindLimit>>> = Object.freeze({ invitation: { daily: 80, weekly: 150 } });

// ---- account type -------------------------------------------------------------------------------

export const ACCOUNT_TYPES = ['free', 'premium', 'sales_navigator', 'recruiter'] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

/** Unipile's `connection_params.im.premiumFeatures` → the account type (the highest tier listed; none: free). */
export function accountTypeFromPremiumFeatures(features: unknown): AccountType {
  const list = Array.isArray(features) ? features.map((f) => String(f).toLowerCase()) : [];
  if (list.includes('recruiter')) return 'recruiter';
  if (list.includes('sales_navigator')) return 'sales_navigator';
  if (list.includes('premium')) return 'premium';
  return 'free';
}

// ---- sender-safety settings -----------------------------------------------------------------------

export interface SafetySettings {
  /** Invitations with a note a free account may send per rolling 30 days (LinkedIn: about 5). */
  freeNotesPerMonth: number;
  /** The same for paid accounts; null: no budget. */
  paidNotesPerMonth: number | null;
  /** At this many pending invitations new ones wait (`pending_cap`). */
  pendingCap: number;
  /** At the cap, pending invitations older than this are withdrawn, oldest first. */
  withdrawPendingAfterDays: number;
  /** LinkedIn refuses a new invitation to a person this long after a withdrawal (`cannot_resend_yet`). */
  reinviteAfterWithdrawalDays: number;
  /** Acceptance under this share of the judged invitations slows the account (`health_slowdown`). */
  healthMinAcceptancePercent: number;
  /** Acceptance is judged once this many invitations are older than HEALTH_JUDGE_AFTER_MS. */
  healthMinSample: number;
  /** Provider refusals within 7 days that slow the account. */
  healthMaxRefusals: number;
  /** The pace while slowed, in percent of the normal pace. */
  slowdownPercent: number;
  /** Spread a kind's slots over the rest of the window (default); false: only the minimum gap spaces them. */
  spreadOverWindow: boolean;
}

export const DEFAULT_SAFETY: Readonly<SafetySettings> = Object.freeze({
  freeNotesPerMonth: 5,
  paidNotesPerMonth: null,
  pendingCap: 500,
  withdrawPendingAfterDays: 21,
  reinviteAfterWithdrawalDays: 21,
  healthMinAcceptancePercent: 15,
  healthMinSample: 20,
  healthMaxRefusals: 3,
  slowdownPercent: 50,
  spreadOverWindow: true,
});

export function safetySettings(stored: Partial<SafetySettings> | null | undefined): SafetySettings {
  return { ...DEFAULT_SAFETY, ...(stored ?? {}) };
}

/**
 * The note budget that applies to an account (null: none). A type not read yet gets the paid rules, as
 * for the limits: the reservation reads it from Unipile first, so it is unknown only while Unipile is not answering.
 */
export function noteBudget(safety: SafetySettings, accountType: AccountType | null): number | null {
  return accountType === 'free' ? safety.freeNotesPerMonth : safety.paidNotesPerMonth;
}

export const DAY_MS = 86_400_000;
export const ROLLING_WEEK_MS = 7 * DAY_MS;
export const NOTE_WINDOW_MS = 30 * DAY_MS;
/** Invitations younger than this are not judged for acceptance (people take days to answer). */
export const HEALTH_JUDGE_AFTER_MS = 3 * DAY_MS;
/** How many of the latest judged invitations the acceptance rate looks at. */
export const HEALTH_SAMPLE_MAX = 100;
/** A usage signal from Unipile slows invitations for this long. */
export const USAGE_SIGNAL_MS = DAY_MS;

// ---- pace ---------------------------------------------------------------------------------------

/**
 * The daily pace: the weekly budget spread over the account's working days (200 / 5 = 40), the daily
 * limit a ceiling. A kind without a weekly cap paces at its daily limit.
 */
export function dailyPace(limit: KindLimit, workingDaysPerWeek: number): number {
  if (limit.weekly === null) return limit.daily;
  if (limit.weekly <= 0 || limit.daily <= 0) return 0;
  return Math.min(limit.daily, Math.ceil(limit.weekly / Math.max(1, Math.min(7, workingDaysPerWeek))));
}

/** A pace multiplied by a slowdown factor: floor, at least 1 unless the pace itself is 0. */
export function slowedPace(pace: number, factor: number): number {
  if (pace <= 0) return 0;
  if (factor >= 1) return pace;
  return Math.max(1, Math.floor(pace * factor + 1e-9));
}

/**
 * When the next action of a kind may run so that what is left of today's budget spreads evenly over
 * what is left of the window: with `remaining` actions still allowed today (this one included), they
 * are `(windowEnd - from) / (remaining + 1)` apart, where `from` is the later of now and this kind's
 * last slot today (the last one lands a gap before the window closes). No slot today yet: now.
 */
export function pacedSlot(o: { now: Date; windowEnd: Date; lastToday: Date | null; remaining: number }): Date {
  return new Date(pacedSlotMs(o.now.getTime(), o.windowEnd.getTime(), o.lastToday?.getTime() ?? null, o.remaining));
}

/** pacedSlot on epoch milliseconds: the forecast asks it 1.5 million times and cannot allocate four Dates each. */
export function pacedSlotMs(now: number, windowEnd: number, lastToday: number | null, remaining: number): number {
  if (lastToday === null || remaining <= 0) return now;
  const from = Math.max(now, lastToday);
  const gap = Math.max(0, windowEnd - from) / (remaining + 1);
  // Whole milliseconds, as a Date holds them (pacedSlot's Date used to truncate the gap's fraction).
  return Math.trunc(Math.max(now, lastToday + gap));
}

/**
 * Rolling window: with `times` (ascending) the slots inside the window of length `windowMs` and at
 * least `limit` of them, the moment enough have aged out that one more fits.
 */
export function rollingRetryAt(times: readonly Date[], limit: number, windowMs: number): Date | null {
  if (times.length < limit || limit <= 0) return null;
  const leaving = times[times.length - limit]!;
  return new Date(leaving.getTime() + windowMs);
}

/** Unipile's invitation `usage` (percent of LinkedIn's quota) → the invitation pace factor. */
export function usageFactor(usagePercent: number | null): number {
  if (usagePercent === null) return 1;
  if (usagePercent >= 95) return 0.2;
  if (usagePercent >= 90) return 0.4;
  if (usagePercent >= 75) return 0.6;
  if (usagePercent >= 50) return 0.8;
  return 1;
}

export interface HealthFacts {
  /** Invitations judged (sent more than HEALTH_JUDGE_AFTER_MS ago, the latest HEALTH_SAMPLE_MAX). */
  sample: number;
  accepted: number;
  /** Provider refusals in the last 7 days. */
  refusals: number;
}

/** Why the account is slowed (empty: it is not) and the pace factor that follows. */
export function healthVerdict(facts: HealthFacts, safety: SafetySettings): { factor: number; reasons: string[] } {
  const reasons: string[] = [];
  if (facts.sample >= Math.max(1, safety.healthMinSample) && (facts.accepted * 100) / facts.sample < safety.healthMinAcceptancePercent) {
    reasons.push(`acceptance ${Math.round((facts.accepted * 100) / facts.sample)}% of the last ${facts.sample} invitations is under ${safety.healthMinAcceptancePercent}%`);
  }
  if (safety.healthMaxRefusals > 0 && facts.refusals >= safety.healthMaxRefusals) {
    reasons.push(`${facts.refusals} provider refusals in 7 days (limit ${safety.healthMaxRefusals})`);
  }
  return { factor: reasons.length ? safety.slowdownPercent / 100 : 1, reasons };
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
