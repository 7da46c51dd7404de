import { Type, type Static, type TSchema } from '@fastify/type-provider-typebox';
import { findAccount } from '../../db/repositories/connected-account.repository';
import { configuredLimits, QUOTA_KINDS, type QuotaKind } from '../../quota/limits';
import {
  getAccountSettings,
  getAccountUsage,
  updateAccountSettings,
  type AccountSettings,
  type AccountUsage,
} from '../../quota/quota.repository';
import type { ApiApp, ApiDeps } from '../app';
import { organizationOf } from '../auth';
import { notFound } from '../error-codes';
import { IdParams, Timestamp, iso, isoOrNull, responses } from '../schemas/common';

/**
 * A sender account's safety budget: what it used today and this ISO week (in its own time zone),
 * and the settings that shape it. The body schema checks shapes and types only; the quota module
 * owns the rules (IANA zone, HH:MM, end after start, ranges) and reports every broken one at once
 * as 400 `invalid_account_settings`, so there is one source of truth for what is valid.
 */

/** One object property per quota kind, all required (answers) or all optional (the PATCH body). */
function perKind<T extends TSchema>(item: T) {
  return Type.Object(Object.fromEntries(QUOTA_KINDS.map((k) => [k, item])) as Record<QuotaKind, T>);
}
function perKindOptional<T extends TSchema>(item: T) {
  return Type.Object(Object.fromEntries(QUOTA_KINDS.map((k) => [k, Type.Optional(item)])) as Record<QuotaKind, ReturnType<typeof Type.Optional<T>>>, {
    additionalProperties: false,
  });
}

const NullableInt = Type.Union([Type.Integer(), Type.Null()]);
const LocalDate = Type.String({ format: 'date' });

const Health = Type.Object({
  acceptance: Type.Object({
    sample: Type.Integer({ description: 'Invitations judged: the latest (at most 100) sent more than 3 days ago' }),
    accepted: Type.Integer(),
    ratePercent: Type.Union([Type.Number(), Type.Null()]),
    minPercent: Type.Number({ description: 'Under this (once sample >= minSample) the pace drops: health_slowdown' }),
    minSample: Type.Integer(),
  }),
  pending: Type.Integer({ description: 'Invitations sent and not yet accepted or withdrawn' }),
  providerRefusals7d: Type.Integer({ description: 'LinkedIn refusals (limit_exceeded, 429) in the last 7 days' }),
  disconnects30d: Type.Integer(),
  slowdown: Type.Object({
    factor: Type.Number({ description: '1: normal pace; below 1: the share of the pace in force' }),
    reasons: Type.Array(Type.String(), { description: 'Why the account is slowed (health_slowdown: ..., usage_slowdown: ...)' }),
  }),
});

const Usage = Type.Object({
  accountId: Type.String({ format: 'uuid' }),
  timezone: Type.String(),
  at: Timestamp,
  accountType: Type.Union([Type.String({ description: 'free | premium | sales_navigator | recruiter' }), Type.Null()], {
    description: "From Unipile's account object (premiumFeatures); null until read",
  }),
  today: Type.Object({
    date: LocalDate,
    perKind: perKind(
      Type.Object({
        used: Type.Integer(),
        limit: Type.Integer({ description: 'Daily limit after warm-up' }),
        pace: Type.Integer({ description: "Today's even share: the weekly budget over the working days, cut while the account is slowed" }),
        remaining: Type.Integer({ description: 'Bounded by the pace and by what is left of the rolling week' }),
      }),
    ),
  }),
  week: Type.Object({
    since: Timestamp,
    perKind: perKind(
      Type.Object({
        used: Type.Integer(),
        limit: Type.Union([Type.Integer(), Type.Null()], { description: 'null: no weekly cap for this kind' }),
        remaining: NullableInt,
      }),
    ),
  }),
  withinWorkingHours: Type.Boolean(),
  nextWindowOpensAt: Type.Union([Timestamp, Type.Null()], {
    description: 'The next window opening (inside a window: the one after it); null if none is coming',
  }),
  warmup: Type.Object({ day: Type.Integer(), factor: Type.Number({ description: '0..1: the share of each limit in force' }) }),
  blocks: Type.Array(
    Type.Object({
      kind: Type.String({ description: 'A quota kind, or "all"' }),
      until: Timestamp,
      reason: Type.String({ description: "What LinkedIn or Unipile answered, e.g. errors/limit_exceeded, api/too_many_requests" }),
    }),
  ),
  notes: Type.Object({
    budget: NullableInt,
    used: Type.Integer({ description: 'Invitations with a note in the last 30 days' }),
    remaining: NullableInt,
  }),
  invitations: Type.Object({ pending: Type.Integer(), pendingCap: Type.Integer() }),
  inmailCredits: Type.Union([
    Type.Object({ premium: NullableInt, recruiter: NullableInt, salesNavigator: NullableInt, checkedAt: Type.Union([Timestamp, Type.Null()]) }),
    Type.Null(),
  ]),
  health: Health,
  signals: Type.Object({
    rateLimit: Type.Union([
      Type.Object({ limit: NullableInt, remaining: NullableInt, resetAt: Type.Union([Type.String(), Type.Null()]), at: Type.String() }),
      Type.Null(),
    ]),
    usagePercent: NullableInt,
    usageAt: Type.Union([Timestamp, Type.Null()]),
  }),
});

const WorkingHoursSchema = Type.Object(
  {
    days: Type.Array(Type.Union([Type.Integer(), Type.String()]), {
      description: 'ISO weekdays 1 (Monday) .. 7 (Sunday), or names like "mon"',
    }),
    start: Type.String({ description: 'Local time HH:MM' }),
    end: Type.String({ description: 'Local time HH:MM, exclusive, after start; 24:00 is the end of the day' }),
  },
  { additionalProperties: false },
);
const WarmupSchema = Type.Object(
  {
    days: Type.Integer({ description: 'Days from startPercent to 100% (0..365); 0 turns warm-up off' }),
    startPercent: Type.Number({ description: '1..100' }),
    startedAt: Type.Optional(LocalDate),
  },
  { additionalProperties: false },
);
const LimitOverride = Type.Object(
  {
    daily: Type.Optional(Type.Integer({ description: '0 switches the kind off' })),
    weekly: Type.Optional(Type.Union([Type.Integer(), Type.Null()], { description: 'null removes the weekly cap' })),
  },
  { additionalProperties: false },
);
const KindLimit = Type.Object({ daily: Type.Integer(), weekly: NullableInt });

const SafetySchema = Type.Object(
  {
    freeNotesPerMonth: Type.Optional(Type.Integer({ description: 'Invitations with a note per 30 days on a free account (default 5)' })),
    paidNotesPerMonth: Type.Optional(Type.Union([Type.Integer(), Type.Null()], { description: 'The same on paid accounts; null (default): no budget' })),
    pendingCap: Type.Optional(Type.Integer({ description: 'Pending invitations at which new ones wait (default 500)' })),
    withdrawPendingAfterDays: Type.Optional(Type.Integer({ description: 'At the cap, pending invitations older than this are withdrawn first (default 21)' })),
    reinviteAfterWithdrawalDays: Type.Optional(Type.Integer({ description: 'No new invitation to a withdrawn person before this (default 21)' })),
    healthMinAcceptancePercent: Type.Optional(Type.Number({ description: 'Acceptance under this slows the account (default 15)' })),
    healthMinSample: Type.Optional(Type.Integer({ description: 'Invitations judged before acceptance counts (default 20)' })),
    healthMaxRefusals: Type.Optional(Type.Integer({ description: 'Provider refusals in 7 days that slow the account (default 3; 0: never)' })),
    slowdownPercent: Type.Optional(Type.Number({ description: 'Pace while slowed, percent of normal (default 50)' })),
    spreadOverWindow: Type.Optional(Type.Boolean({ description: "Spread a kind's slots over the rest of the window (default true); false: only the minimum gap spaces them" })),
  },
  { additionalProperties: false },
);

const Settings = Type.Object({
  accountId: Type.String({ format: 'uuid' }),
  timezone: Type.String({ description: 'IANA time zone the day, week and working hours are counted in' }),
  workingHours: WorkingHoursSchema,
  limits: Type.Record(Type.String(), LimitOverride, { description: 'Overrides of the defaults, as stored' }),
  effectiveLimits: perKind(KindLimit),
  warmup: WarmupSchema,
  minGapSeconds: Type.Integer(),
  jitterSeconds: Type.Integer(),
  safety: SafetySchema,
  updatedAt: Type.Union([Timestamp, Type.Null()], { description: 'null while the account runs on defaults (no stored settings)' }),
});

const PatchSettings = Type.Object(
  {
    timezone: Type.Optional(Type.String({ description: 'IANA time zone, e.g. Europe/Paris' })),
    workingHours: Type.Optional(WorkingHoursSchema),
    limits: Type.Optional(perKindOptional(LimitOverride)),
    warmup: Type.Optional(WarmupSchema),
    minGapSeconds: Type.Optional(Type.Integer({ description: '0..86400' })),
    jitterSeconds: Type.Optional(Type.Integer({ description: '0..86400' })),
    safety: Type.Optional(SafetySchema),
  },
  { additionalProperties: false, minProperties: 1 },
);

function toUsageJson(u: AccountUsage, at: Date): Static<typeof Usage> {
  return {
    accountId: u.accountId,
    timezone: u.timezone,
    at: iso(at),
    accountType: u.accountType,
    today: u.today,
    week: { since: iso(u.week.since), perKind: u.week.perKind },
    withinWorkingHours: u.withinWorkingHours,
    nextWindowOpensAt: isoOrNull(u.nextWindowOpensAt),
    warmup: u.warmup,
    blocks: u.blocks.map((b) => ({ kind: b.kind, until: iso(b.until), reason: b.reason })),
    notes: u.notes,
    invitations: u.invitations,
    inmailCredits: u.inmailCredits ? { ...u.inmailCredits, checkedAt: isoOrNull(u.inmailCredits.checkedAt) } : null,
    health: u.health,
    signals: { rateLimit: u.signals.rateLimit, usagePercent: u.signals.usagePercent, usageAt: isoOrNull(u.signals.usageAt) },
  };
}

function toSettingsJson(s: AccountSettings): Static<typeof Settings> {
  return {
    accountId: s.accountId,
    timezone: s.timezone,
    workingHours: s.workingHours,
    limits: s.limits,
    effectiveLimits: configuredLimits(s.limits),
    warmup: s.warmup,
    minGapSeconds: s.minGapSeconds,
    jitterSeconds: s.jitterSeconds,
    safety: s.safety,
    updatedAt: s.updatedAt ? iso(s.updatedAt) : null,
  };
}

/** Quota usage and settings of a connected account. */
export function registerAccountUsageRoutes(app: ApiApp, deps: Pick<ApiDeps, 'db'> & { clock?: () => Date }): void {
  const { db } = deps;
  const clock = deps.clock ?? (() => new Date());
  const tags = ['accounts'];

  /** Another organization's account answers exactly like a missing one. */
  const ownAccount = async (organizationId: string, id: string): Promise<void> => {
    if (!(await findAccount(db, organizationId, id))) throw notFound('account', id);
  };

  app.get(
    '/api/accounts/:id/usage',
    {
      schema: {
        tags,
        summary:
          "Today's and the last 7×24 h's usage per action kind (account's time zone, limits after warm-up, today's pace), note budget, pending invitations, InMail credits, health and slowdown reasons, Unipile's quota signals",
        params: IdParams,
        response: responses({ 200: Usage }, 404),
      },
    },
    async (request) => {
      await ownAccount(organizationOf(request), request.params.id);
      const now = clock();
      return toUsageJson(await getAccountUsage(db, { accountId: request.params.id, now }), now);
    },
  );

  app.get(
    '/api/accounts/:id/settings',
    {
      schema: {
        tags,
        summary: 'Quota settings: time zone, working hours, limit overrides, warm-up, spacing',
        params: IdParams,
        response: responses({ 200: Settings }, 404),
      },
    },
    async (request) => {
      await ownAccount(organizationOf(request), request.params.id);
      return toSettingsJson(await getAccountSettings(db, request.params.id));
    },
  );

  app.patch(
    '/api/accounts/:id/settings',
    {
      schema: {
        tags,
        summary: 'Change quota settings (any subset; `limits` replaces the stored overrides as a whole); 400 invalid_account_settings lists every broken rule',
        params: IdParams,
        body: PatchSettings,
        response: responses({ 200: Settings }, 404),
      },
    },
    async (request) => {
      await ownAccount(organizationOf(request), request.params.id);
      const updated = await updateAccountSettings(db, request.params.id, request.body, { now: clock() });
      return toSettingsJson(updated);
    },
  );
}
