/**
 * Per-account quotas shared by every campaign and every worker. The model: one transaction per
 * reservation that locks the account's `connected_accounts` row, so reservations on one account are
 * serialised across processes, then counts `account_action_grants` rows for the account-local day
 * and ISO week and spaces the new grant after the latest one. A grant is a promise of a slot: the
 * caller sleeps until `at` and then acts. See README.md for the reason codes.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { ConflictError, NotFoundError } from '../errors';
import { readAccountSettings, settingsFromRow, type AccountSettings } from './account-settings';
import { configuredLimits, daysBetween, effectiveLimit, QUOTA_KINDS, spacingChain, warmupFactor, type QuotaKind } from './limits';
import type { QuotaTables } from './quota.schema';
import {
  buildWindowSpec,
  currentWindow,
  firstOpenAtOrAfter,
  isoWeek,
  isoWeekDays,
  localDay,
  nextWindowStart,
  startOfNextIsoWeek,
  startOfNextLocalDay,
  type WindowSpec,
} from './schedule';

export { getAccountSettings, updateAccountSettings, type AccountSettings, type AccountSettingsPatch } from './account-settings';

export const DENIAL_REASONS = ['daily_limit', 'weekly_limit', 'outside_working_hours', 'spacing', 'provider_limit', 'warmup_limit'] as const;
export type DenialReason = (typeof DENIAL_REASONS)[number];

export type ReserveResult = { granted: true; at: Date; grantId: string } | { granted: false; retryAt: Date; reason: DenialReason };

export interface ReserveActionInput {
  accountId: string;
  kind: QuotaKind;
  /** Stable per logical action (e.g. workflow id + step id): a retried activity gets the same grant. */
  idempotencyKey: string;
  /** `campaigns.schedule`: narrows the account's working hours; read tolerantly. */
  campaignSchedule?: unknown;
  now: Date;
  /** Source of jitter, [0, 1). Default Math.random; tests pass their own. */
  random?: () => number;
}

const DAY_MS = 86_400_000;

/**
 * Reserves one action of `kind` on the account, or says when to ask again. Opens its own
 * transaction: pass the root `db`, not a transaction.
 */
export async function reserveAction(db: Kysely<Database>, input: ReserveActionInput): Promise<ReserveResult> {
  const { accountId, kind, idempotencyKey, now } = input;
  const random = input.random ?? Math.random;
  return db
    .withTables<QuotaTables>()
    .transaction()
    .execute(async (trx): Promise<ReserveResult> => {
      // FOR NO KEY UPDATE, not FOR UPDATE: it serialises reservations on this account just as well,
      // without blocking inserts elsewhere that reference the account (campaigns, grants: FK key-share locks).
      const locked = await trx
        .selectFrom('connected_accounts as ca')
        .leftJoin('account_settings as s', 's.account_id', 'ca.id')
        .select(['ca.created_at', 's.account_id as settings_of', 's.timezone', 's.working_hours', 's.limits', 's.warmup', 's.min_gap_seconds', 's.jitter_seconds', 's.updated_at'])
        .where('ca.id', '=', accountId)
        .forNoKeyUpdate('ca')
        .executeTakeFirst();
      if (!locked) throw new NotFoundError('account', accountId);
      const settings = settingsFromRow(accountId, locked.settings_of ? (locked as Parameters<typeof settingsFromRow>[1]) : null);
      const tz = settings.timezone;
      const today = localDay(tz, now);
      const week = isoWeekDays(tz, now);

      // Everything else in one round trip, read after the lock is held (a statement that waited for the
      // lock would still see its older snapshot in subqueries, hence a second statement).
      const chain = spacingChain(kind);
      const { rows } = await sql<{
        existing: { id: string; account_id: string; kind: string; granted_at: string } | null;
        blocked_until: Date | null;
        day: number;
        week: number;
        last_at: Date | null;
      }>`
        select
          (select json_build_object('id', id, 'account_id', account_id, 'kind', kind, 'granted_at', granted_at)
             from account_action_grants where idempotency_key = ${idempotencyKey}) as existing,
          (select max(blocked_until) from account_blocks
             where account_id = ${accountId} and kind in (${kind}, 'all') and blocked_until > ${now}) as blocked_until,
          (select count(*)::int from account_action_grants
             where account_id = ${accountId} and kind = ${kind} and local_day = ${today}::date) as day,
          (select count(*)::int from account_action_grants
             where account_id = ${accountId} and kind = ${kind} and local_day between ${week.first}::date and ${week.last}::date) as week,
          (select max(granted_at) from account_action_grants
             where account_id = ${accountId} and kind in (${sql.join(chain)})) as last_at
      `.execute(trx);
      const facts = rows[0]!;

      const existing = facts.existing;
      if (existing) {
        if (existing.account_id !== accountId || existing.kind !== kind) {
          throw new ConflictError('idempotency_key_reused', `idempotency key ${idempotencyKey} already reserved a ${existing.kind} on another account or kind`);
        }
        return { granted: true, at: new Date(existing.granted_at), grantId: existing.id };
      }

      const spec = buildWindowSpec({ timezone: tz, workingHours: settings.workingHours, campaignSchedule: input.campaignSchedule });
      const jitterMs = () => Math.floor(random() * settings.jitterSeconds * 1000);
      // Retries land at the first open moment plus jitter, so waiting workflows do not all knock at 09:00:00.
      const retryFrom = (from: Date): Date => {
        const start = firstOpenAtOrAfter(spec, from);
        return start ? new Date(start.getTime() + jitterMs()) : new Date(from.getTime() + DAY_MS);
      };
      const deny = (reason: DenialReason, retryAt: Date): ReserveResult => ({ granted: false, retryAt, reason });

      if (facts.blocked_until) return deny('provider_limit', retryFrom(new Date(facts.blocked_until)));

      const window = currentWindow(spec, now);
      if (!window) return deny('outside_working_hours', retryFrom(now));

      // Every window lies inside one local day, so the grant (at or after now, before window.end) counts on today.
      const base = configuredLimits(settings.limits)[kind];
      const { factor } = warmupOn(settings, locked.created_at, today);
      const limit = effectiveLimit(base, factor);
      const used = { day: facts.day, week: facts.week };
      if (base.weekly !== null && used.week >= base.weekly) return deny('weekly_limit', retryFrom(startOfNextIsoWeek(tz, now)));
      if (used.day >= base.daily) return deny('daily_limit', retryFrom(startOfNextLocalDay(tz, now)));
      if (used.day >= limit.daily || (limit.weekly !== null && used.week >= limit.weekly)) {
        return deny('warmup_limit', retryFrom(startOfNextLocalDay(tz, now)));
      }

      // Spaced from the latest slot on the account's chain (any write, or visits), and never before now:
      // after a pause or an outage the next grants are spaced again, with no catch-up burst.
      const last = facts.last_at ? { at: facts.last_at } : undefined;
      let at = now;
      if (last?.at) {
        const slot = new Date(new Date(last.at).getTime() + settings.minGapSeconds * 1000 + jitterMs());
        if (slot > at) at = slot;
      }
      if (at >= window.end) return deny('spacing', retryFrom(window.end));

      const grant = await trx
        .insertInto('account_action_grants')
        .values({ account_id: accountId, kind, idempotency_key: idempotencyKey, granted_at: at, local_day: today, local_week: isoWeek(tz, at) })
        .returning('id')
        .executeTakeFirstOrThrow();
      return { granted: true, at, grantId: grant.id };
    });
}

function warmupOn(settings: AccountSettings, accountCreatedAt: Date, today: string): { day: number; factor: number } {
  const start = settings.warmup.startedAt ?? localDay(settings.timezone, new Date(accountCreatedAt));
  const day = Math.max(0, daysBetween(start, today));
  return { day, factor: warmupFactor(settings.warmup, day) };
}

/**
 * LinkedIn said stop (422 limit_exceeded, 429): no grant of `kind` ('all': any kind) before `until`.
 * A shorter block never shortens a longer one already recorded.
 */
export async function recordProviderBlock(
  db: Kysely<Database>,
  input: { accountId: string; kind: QuotaKind | 'all'; until: Date; reason: string },
): Promise<{ blockedUntil: Date }> {
  const row = await db
    .withTables<QuotaTables>()
    .insertInto('account_blocks')
    .values({ account_id: input.accountId, kind: input.kind, blocked_until: input.until, reason: input.reason })
    .onConflict((oc) =>
      oc.columns(['account_id', 'kind']).doUpdateSet({
        blocked_until: sql<Date>`greatest(account_blocks.blocked_until, excluded.blocked_until)`,
        reason: sql<string>`case when excluded.blocked_until >= account_blocks.blocked_until then excluded.reason else account_blocks.reason end`,
      }),
    )
    .returning('blocked_until')
    .executeTakeFirstOrThrow();
  return { blockedUntil: new Date(row.blocked_until) };
}

/** Gives a slot back (the step was skipped before anything was sent). True if the grant existed. */
export async function releaseGrant(db: Kysely<Database>, grantId: string): Promise<boolean> {
  const res = await db.withTables<QuotaTables>().deleteFrom('account_action_grants').where('id', '=', grantId).executeTakeFirst();
  return res.numDeletedRows > 0n;
}

export interface KindUsage {
  used: number;
  limit: number | null;
  remaining: number | null;
}

export interface AccountUsage {
  accountId: string;
  timezone: string;
  /** `remaining` today is also bounded by what is left of the weekly cap. */
  today: { date: string; perKind: Record<QuotaKind, { used: number; limit: number; remaining: number }> };
  /** `limit`/`remaining` are null for kinds with no weekly cap. */
  week: { isoWeek: string; perKind: Record<QuotaKind, KindUsage> };
  withinWorkingHours: boolean;
  /** The next opening after now (when inside a window: the one after it); null if none is coming. */
  nextWindowOpensAt: Date | null;
  warmup: { day: number; factor: number };
  blocks: Array<{ kind: QuotaKind | 'all'; until: Date; reason: string }>;
}

/** What the account has used and may still do, in its own calendar (limits after warm-up). */
export async function getAccountUsage(db: Kysely<Database>, input: { accountId: string; now: Date; campaignSchedule?: unknown }): Promise<AccountUsage> {
  const { accountId, now } = input;
  const q = db.withTables<QuotaTables>();
  const account = await q.selectFrom('connected_accounts').select(['id', 'created_at']).where('id', '=', accountId).executeTakeFirst();
  if (!account) throw new NotFoundError('account', accountId);
  const settings = await readAccountSettings(q, accountId);
  const tz = settings.timezone;
  const spec: WindowSpec = buildWindowSpec({ timezone: tz, workingHours: settings.workingHours, campaignSchedule: input.campaignSchedule });
  const today = localDay(tz, now);
  const week = isoWeekDays(tz, now);
  const warmup = warmupOn(settings, account.created_at, today);
  const rows = await q
    .selectFrom('account_action_grants')
    .select(['kind', sql<number>`count(*) filter (where local_day = ${today}::date)::int`.as('day'), sql<number>`count(*)::int`.as('week')])
    .where('account_id', '=', accountId)
    .where(sql<boolean>`local_day between ${week.first}::date and ${week.last}::date`)
    .groupBy('kind')
    .execute();
  const blocks = await q
    .selectFrom('account_blocks')
    .select(['kind', 'blocked_until', 'reason'])
    .where('account_id', '=', accountId)
    .where('blocked_until', '>', now)
    .orderBy('kind')
    .execute();

  const limits = configuredLimits(settings.limits);
  const todayPer = {} as AccountUsage['today']['perKind'];
  const weekPer = {} as AccountUsage['week']['perKind'];
  for (const kind of QUOTA_KINDS) {
    const r = rows.find((x) => x.kind === kind);
    const limit = effectiveLimit(limits[kind], warmup.factor);
    const usedDay = r?.day ?? 0;
    const usedWeek = r?.week ?? 0;
    const weekRemaining = limit.weekly === null ? null : Math.max(0, limit.weekly - usedWeek);
    weekPer[kind] = { used: usedWeek, limit: limit.weekly, remaining: weekRemaining };
    const dayRemaining = Math.max(0, limit.daily - usedDay);
    todayPer[kind] = { used: usedDay, limit: limit.daily, remaining: weekRemaining === null ? dayRemaining : Math.min(dayRemaining, weekRemaining) };
  }
  return {
    accountId,
    timezone: tz,
    today: { date: today, perKind: todayPer },
    week: { isoWeek: isoWeek(tz, now), perKind: weekPer },
    withinWorkingHours: currentWindow(spec, now) !== null,
    nextWindowOpensAt: nextWindowStart(spec, now),
    warmup,
    blocks: blocks.map((b) => ({ kind: b.kind, until: new Date(b.blocked_until), reason: b.reason })),
  };
}
