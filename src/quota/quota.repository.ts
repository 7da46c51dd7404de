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
import type { SafetySettings } from './limits';
import {
  configuredLimits,
  dailyPace,
  DAY_MS,
  daysBetween,
  effectiveLimit,
  HEALTH_JUDGE_AFTER_MS,
  HEALTH_SAMPLE_MAX,
  healthVerdict,
  NOTE_WINDOW_MS,
  noteBudget,
  pacedSlot,
  QUOTA_KINDS,
  ROLLING_WEEK_MS,
  rollingRetryAt,
  slowedPace,
  spacingChain,
  usageFactor,
  USAGE_SIGNAL_MS,
  warmupFactor,
  type AccountType,
  type QuotaKind,
} from './limits';
import type { QuotaTables } from './quota.schema';
import {
  buildWindowSpec,
  currentWindow,
  firstOpenAtOrAfter,
  isoWeek,
  localDay,
  nextWindowStart,
  startOfNextLocalDay,
  type WindowSpec,
} from './schedule';

export { getAccountSettings, updateAccountSettings, type AccountSettings, type AccountSettingsPatch } from './account-settings';

export const DENIAL_REASONS = [
  'daily_limit',
  'weekly_limit',
  'outside_working_hours',
  'spacing',
  'provider_limit',
  'warmup_limit',
  'daily_pace',
  'health_slowdown',
  'usage_slowdown',
  'api_rate_limit',
  'cannot_resend_yet',
  'pending_cap',
  'note_budget',
] as const;
export type DenialReason = (typeof DENIAL_REASONS)[number];

/** `withNote` (invitations only): a note is allowed for this invitation (the budget had room, or none applies). */
export type ReserveResult = { granted: true; at: Date; grantId: string; withNote?: boolean } | { granted: false; retryAt: Date; reason: DenialReason };

/** What an invitation reservation knows about its target (resolved by the activity). */
export interface InvitationTarget {
  /** null while the lead's provider id is not known yet (the re-invite rule is then checked at send time). */
  providerId: string | null;
  /** The step has a note to send. */
  withNote: boolean;
  /** Over the note budget: send without the note (default) or wait until the budget has room. */
  notePolicy: 'drop' | 'wait';
}

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
  invitation?: InvitationTarget;
}

/** Pending cap reached: ask again this much later (sooner if stale invitations were withdrawn). */
const PENDING_CAP_RETRY_MS = 3_600_000;

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
        .leftJoin('account_provider_state as ps', 'ps.account_id', 'ca.id')
        .select([
          'ca.created_at',
          's.account_id as settings_of',
          's.timezone',
          's.working_hours',
          's.limits',
          's.warmup',
          's.min_gap_seconds',
          's.jitter_seconds',
          's.safety',
          's.updated_at',
          'ps.account_type',
          'ps.usage_percent',
          'ps.usage_at',
        ])
        .where('ca.id', '=', accountId)
        .forNoKeyUpdate('ca')
        .executeTakeFirst();
      if (!locked) throw new NotFoundError('account', accountId);
      const settings = settingsFromRow(accountId, locked.settings_of ? (locked as Parameters<typeof settingsFromRow>[1]) : null);
      const tz = settings.timezone;
      const today = localDay(tz, now);
      const weekAgo = new Date(now.getTime() - ROLLING_WEEK_MS);
      const judgedBefore = new Date(now.getTime() - HEALTH_JUDGE_AFTER_MS);

      // Everything else in one round trip, read after the lock is held (a statement that waited for the
      // lock would still see its older snapshot in subqueries, hence a second statement).
      const chain = spacingChain(kind);
      const { rows } = await sql<{
        existing: { id: string; account_id: string; kind: string; granted_at: string } | null;
        block: { until: string; reason: string } | null;
        day: number;
        week: number;
        last_at: Date | null;
        kind_last_today: Date | null;
        note_held: boolean;
        health: { sample: number; accepted: number };
        refusals: number;
      }>`
        select
          (select json_build_object('id', id, 'account_id', account_id, 'kind', kind, 'granted_at', granted_at)
             from account_action_grants where idempotency_key = ${idempotencyKey}) as existing,
          (select json_build_object('until', blocked_until, 'reason', reason) from account_blocks
             where account_id = ${accountId} and kind in (${kind}, 'all') and blocked_until > ${now}
             order by blocked_until desc limit 1) as block,
          (select count(*)::int from account_action_grants
             where account_id = ${accountId} and kind = ${kind} and local_day = ${today}::date) as day,
          (select count(*)::int from account_action_grants
             where account_id = ${accountId} and kind = ${kind} and granted_at > ${weekAgo}) as week,
          (select max(granted_at) from account_action_grants
             where account_id = ${accountId} and kind in (${sql.join(chain)})) as last_at,
          (select max(granted_at) from account_action_grants
             where account_id = ${accountId} and kind = ${kind} and local_day = ${today}::date) as kind_last_today,
          exists (select 1 from account_note_uses where idempotency_key = ${idempotencyKey}) as note_held,
          (select json_build_object('sample', count(*), 'accepted', count(*) filter (where state = 'accepted'))
             from (select state from account_invitations where account_id = ${accountId} and sent_at <= ${judgedBefore}
                   order by sent_at desc limit ${HEALTH_SAMPLE_MAX}) judged) as health,
          (select count(*)::int from account_safety_events
             where account_id = ${accountId} and kind = 'provider_refusal' and at > ${weekAgo}) as refusals
      `.execute(trx);
      const facts = rows[0]!;

      const existing = facts.existing;
      if (existing) {
        if (existing.account_id !== accountId || existing.kind !== kind) {
          throw new ConflictError('idempotency_key_reused', `idempotency key ${idempotencyKey} already reserved a ${existing.kind} on another account or kind`);
        }
        return { granted: true, at: new Date(existing.granted_at), grantId: existing.id, ...(kind === 'invitation' && input.invitation ? { withNote: input.invitation.withNote && (facts.note_held || noteBudget(settings.safety, (locked.account_type ?? null)) === null) } : {}) };
      }

      const spec = buildWindowSpec({ timezone: tz, workingHours: settings.workingHours, campaignSchedule: input.campaignSchedule });
      const jitterMs = () => Math.floor(random() * settings.jitterSeconds * 1000);
      // Retries land at the first open moment plus jitter, so waiting workflows do not all knock at 09:00:00.
      const retryFrom = (from: Date): Date => {
        const start = firstOpenAtOrAfter(spec, from);
        return start ? new Date(start.getTime() + jitterMs()) : new Date(from.getTime() + DAY_MS);
      };
      const deny = (reason: DenialReason, retryAt: Date): ReserveResult => ({ granted: false, retryAt, reason });

      if (facts.block) {
        return deny(facts.block.reason.startsWith('api/') ? 'api_rate_limit' : 'provider_limit', retryFrom(new Date(facts.block.until)));
      }

      const window = currentWindow(spec, now);
      if (!window) return deny('outside_working_hours', retryFrom(now));

      // Every window lies inside one local day, so the grant (at or after now, before window.end) counts on today.
      const accountType = (locked.account_type ?? null);
      const base = configuredLimits(settings.limits, accountType)[kind];
      const { factor } = warmupOn(settings, locked.created_at, today);
      const limit = effectiveLimit(base, factor);
      const used = { day: facts.day, week: facts.week };
      const nextDay = () => retryFrom(startOfNextLocalDay(tz, now));
      // Weekly caps count the last 7×24 h (LinkedIn's rolling window): retry when the oldest slot ages out.
      const weekCap = (cap: number) => used.week >= cap;
      const rollingRetry = async (cap: number): Promise<Date> => {
        const times = await trx
          .selectFrom('account_action_grants')
          .select('granted_at')
          .where('account_id', '=', accountId)
          .where('kind', '=', kind)
          .where('granted_at', '>', weekAgo)
          .orderBy('granted_at')
          .execute();
        const at = rollingRetryAt(times.map((t) => new Date(t.granted_at)), cap, ROLLING_WEEK_MS) ?? now;
        return retryFrom(at > now ? at : now);
      };
      if (base.weekly !== null && weekCap(base.weekly)) return deny('weekly_limit', await rollingRetry(base.weekly));
      if (used.day >= base.daily) return deny('daily_limit', nextDay());
      if (used.day >= limit.daily) return deny('warmup_limit', nextDay());
      if (limit.weekly !== null && weekCap(limit.weekly)) return deny('warmup_limit', await rollingRetry(limit.weekly));

      // The even pace: the weekly budget over the working days, then slowed by poor health or Unipile's usage signal.
      const pace = dailyPace(limit, settings.workingHours.days.length);
      if (used.day >= pace) return deny('daily_pace', nextDay());
      const health = healthVerdict({ sample: Number(facts.health.sample), accepted: Number(facts.health.accepted), refusals: facts.refusals }, settings.safety);
      const usageFresh = kind === 'invitation' && locked.usage_at && new Date(locked.usage_at).getTime() > now.getTime() - USAGE_SIGNAL_MS;
      const usage = usageFresh ? usageFactor(locked.usage_percent ?? null) : 1;
      const paced = slowedPace(pace, health.factor * usage);
      if (used.day >= paced) return deny(health.factor < 1 ? 'health_slowdown' : 'usage_slowdown', nextDay());

      let withNote: boolean | undefined;
      if (kind === 'invitation' && input.invitation) {
        const inv = input.invitation;
        const safety = settings.safety;
        const { rows: invRows } = await sql<{ withdrawn_at: Date | null; pending: number; notes: string[] }>`
          select
            (select max(resolved_at) from account_invitations
               where account_id = ${accountId} and provider_id = ${inv.providerId ?? ''} and state = 'withdrawn') as withdrawn_at,
            (select count(*)::int from account_invitations where account_id = ${accountId} and state = 'pending') as pending,
            (select coalesce(json_agg(used_at order by used_at), '[]'::json) from account_note_uses
               where account_id = ${accountId} and used_at > ${new Date(now.getTime() - NOTE_WINDOW_MS)}) as notes
        `.execute(trx);
        const f = invRows[0]!;
        if (inv.providerId && f.withdrawn_at) {
          const resendAt = new Date(new Date(f.withdrawn_at).getTime() + safety.reinviteAfterWithdrawalDays * DAY_MS);
          if (resendAt > now) return deny('cannot_resend_yet', retryFrom(resendAt));
        }
        if (f.pending >= safety.pendingCap) return deny('pending_cap', retryFrom(new Date(now.getTime() + PENDING_CAP_RETRY_MS)));
        withNote = inv.withNote;
        const budget = noteBudget(safety, accountType);
        if (inv.withNote && budget !== null && !facts.note_held) {
          const notes = f.notes.map((t) => new Date(t));
          if (notes.length >= budget) {
            if (inv.notePolicy === 'wait') return deny('note_budget', retryFrom(rollingRetryAt(notes, budget, NOTE_WINDOW_MS) ?? now));
            withNote = false;
          }
        }
      }

      // Spaced from the latest slot on the account's chain (any write, or visits), and never before now:
      // after a pause or an outage the next grants are spaced again, with no catch-up burst. On top, this
      // kind's slots spread what is left of today's pace over what is left of the window.
      let at = settings.safety.spreadOverWindow
        ? pacedSlot({ now, windowEnd: window.end, lastToday: facts.kind_last_today ? new Date(facts.kind_last_today) : null, remaining: paced - used.day })
        : now;
      if (facts.last_at) {
        const slot = new Date(new Date(facts.last_at).getTime() + settings.minGapSeconds * 1000 + jitterMs());
        if (slot > at) at = slot;
      }
      if (at >= window.end) return deny('spacing', retryFrom(window.end));

      const grant = await trx
        .insertInto('account_action_grants')
        .values({ account_id: accountId, kind, idempotency_key: idempotencyKey, granted_at: at, local_day: today, local_week: isoWeek(tz, at) })
        .returning('id')
        .executeTakeFirstOrThrow();
      if (withNote && noteBudget(settings.safety, accountType) !== null && !facts.note_held) {
        await trx.insertInto('account_note_uses').values({ account_id: accountId, idempotency_key: idempotencyKey, used_at: at }).execute();
      }
      return { granted: true, at, grantId: grant.id, ...(withNote !== undefined ? { withNote } : {}) };
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
  input: { accountId: string; kind: QuotaKind | 'all'; until: Date; reason: string; now?: Date },
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
  // Every refusal counts for the health view, an extended block as much as a new one.
  await db
    .withTables<QuotaTables>()
    .insertInto('account_safety_events')
    .values({ account_id: input.accountId, kind: input.reason.startsWith('api/') ? 'api_rate_limit' : 'provider_refusal', reason: input.reason, at: input.now ?? new Date() })
    .execute();
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
  /** free | premium | sales_navigator | recruiter, from Unipile's account object; null until known. */
  accountType: AccountType | null;
  /**
   * `limit` is the daily limit after warm-up; `pace` today's even share (weekly budget over the working
   * days, slowed when the account is unhealthy); `remaining` is bounded by both and by the rolling week.
   */
  today: { date: string; perKind: Record<QuotaKind, { used: number; limit: number; pace: number; remaining: number }> };
  /** The last 7×24 h (LinkedIn's rolling week). `limit`/`remaining` are null for kinds with no weekly cap. */
  week: { since: Date; perKind: Record<QuotaKind, KindUsage> };
  withinWorkingHours: boolean;
  /** The next opening after now (when inside a window: the one after it); null if none is coming. */
  nextWindowOpensAt: Date | null;
  warmup: { day: number; factor: number };
  blocks: Array<{ kind: QuotaKind | 'all'; until: Date; reason: string }>;
  /** Invitation notes in the last 30 days; budget null: none applies. */
  notes: { budget: number | null; used: number; remaining: number | null };
  invitations: { pending: number; pendingCap: number };
  /** Last balance read before an InMail; null: never read. */
  inmailCredits: { premium: number | null; recruiter: number | null; salesNavigator: number | null; checkedAt: Date | null } | null;
  health: AccountHealth;
  /** Unipile's last signals: rate-limit headers, the invitation answer's usage percent. */
  signals: { rateLimit: { limit: number | null; remaining: number | null; resetAt: string | null; at: string } | null; usagePercent: number | null; usageAt: Date | null };
}

export interface AccountHealth {
  /** Over the latest (at most 100) invitations older than 3 days. */
  acceptance: { sample: number; accepted: number; ratePercent: number | null; minPercent: number; minSample: number };
  pending: number;
  providerRefusals7d: number;
  disconnects30d: number;
  /** factor < 1: the pace is cut (`health_slowdown`, `usage_slowdown`); reasons say why. */
  slowdown: { factor: number; reasons: string[] };
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
  const weekAgo = new Date(now.getTime() - ROLLING_WEEK_MS);
  const warmup = warmupOn(settings, account.created_at, today);
  const rows = await q
    .selectFrom('account_action_grants')
    .select(['kind', sql<number>`count(*) filter (where local_day = ${today}::date)::int`.as('day'), sql<number>`count(*) filter (where granted_at > ${weekAgo})::int`.as('week')])
    .where('account_id', '=', accountId)
    .where(sql<boolean>`(local_day = ${today}::date or granted_at > ${weekAgo})`)
    .groupBy('kind')
    .execute();
  const blocks = await q
    .selectFrom('account_blocks')
    .select(['kind', 'blocked_until', 'reason'])
    .where('account_id', '=', accountId)
    .where('blocked_until', '>', now)
    .orderBy('kind')
    .execute();
  const state = await q.selectFrom('account_provider_state').selectAll().where('account_id', '=', accountId).executeTakeFirst();
  const accountType = state?.account_type ?? null;
  const health = await getAccountHealth(db, { accountId, now, safety: settings.safety, usage: state ?? null });
  const notesUsed = await q
    .selectFrom('account_note_uses')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('account_id', '=', accountId)
    .where('used_at', '>', new Date(now.getTime() - NOTE_WINDOW_MS))
    .executeTakeFirstOrThrow();
  const budget = noteBudget(settings.safety, accountType);

  const limits = configuredLimits(settings.limits, accountType);
  const todayPer = {} as AccountUsage['today']['perKind'];
  const weekPer = {} as AccountUsage['week']['perKind'];
  for (const kind of QUOTA_KINDS) {
    const r = rows.find((x) => x.kind === kind);
    const limit = effectiveLimit(limits[kind], warmup.factor);
    const usedDay = r?.day ?? 0;
    const usedWeek = r?.week ?? 0;
    const weekRemaining = limit.weekly === null ? null : Math.max(0, limit.weekly - usedWeek);
    weekPer[kind] = { used: usedWeek, limit: limit.weekly, remaining: weekRemaining };
    const usageCut = kind === 'invitation' && state?.usage_at && new Date(state.usage_at).getTime() > now.getTime() - USAGE_SIGNAL_MS ? usageFactor(state.usage_percent) : 1;
    const pace = slowedPace(dailyPace(limit, settings.workingHours.days.length), health.slowdown.factor * usageCut);
    const dayRemaining = Math.max(0, Math.min(limit.daily, pace) - usedDay);
    todayPer[kind] = { used: usedDay, limit: limit.daily, pace, remaining: weekRemaining === null ? dayRemaining : Math.min(dayRemaining, weekRemaining) };
  }
  const balance = state?.inmail_balance ?? null;
  return {
    accountId,
    timezone: tz,
    accountType,
    today: { date: today, perKind: todayPer },
    week: { since: weekAgo, perKind: weekPer },
    withinWorkingHours: currentWindow(spec, now) !== null,
    nextWindowOpensAt: nextWindowStart(spec, now),
    warmup,
    blocks: blocks.map((b) => ({ kind: b.kind, until: new Date(b.blocked_until), reason: b.reason })),
    notes: { budget, used: notesUsed.n, remaining: budget === null ? null : Math.max(0, budget - notesUsed.n) },
    invitations: { pending: health.pending, pendingCap: settings.safety.pendingCap },
    inmailCredits: balance
      ? { premium: balance.premium, recruiter: balance.recruiter, salesNavigator: balance.sales_navigator, checkedAt: state?.inmail_checked_at ? new Date(state.inmail_checked_at) : null }
      : null,
    health,
    signals: {
      rateLimit: state?.rate_limit ?? null,
      usagePercent: state?.usage_percent ?? null,
      usageAt: state?.usage_at ? new Date(state.usage_at) : null,
    },
  };
}

/** The account's health: acceptance, pending invitations, refusals, disconnects, and the slowdown they cause. */
export async function getAccountHealth(
  db: Kysely<Database>,
  input: { accountId: string; now: Date; safety: SafetySettings; usage?: { usage_percent: number | null; usage_at: Date | null } | null },
): Promise<AccountHealth> {
  const { accountId, now, safety } = input;
  const { rows } = await sql<{ sample: number; accepted: number; pending: number; refusals: number; disconnects: number }>`
    select
      (select count(*)::int from (select 1 from account_invitations where account_id = ${accountId} and sent_at <= ${new Date(now.getTime() - HEALTH_JUDGE_AFTER_MS)}
         order by sent_at desc limit ${HEALTH_SAMPLE_MAX}) j) as sample,
      (select count(*) filter (where state = 'accepted')::int from (select state from account_invitations where account_id = ${accountId}
         and sent_at <= ${new Date(now.getTime() - HEALTH_JUDGE_AFTER_MS)} order by sent_at desc limit ${HEALTH_SAMPLE_MAX}) j) as accepted,
      (select count(*)::int from account_invitations where account_id = ${accountId} and state = 'pending') as pending,
      (select count(*)::int from account_safety_events where account_id = ${accountId} and kind = 'provider_refusal' and at > ${new Date(now.getTime() - ROLLING_WEEK_MS)}) as refusals,
      (select count(*)::int from account_safety_events where account_id = ${accountId} and kind = 'disconnect' and at > ${new Date(now.getTime() - 30 * DAY_MS)}) as disconnects
  `.execute(db);
  const f = rows[0]!;
  const verdict = healthVerdict({ sample: f.sample, accepted: f.accepted, refusals: f.refusals }, safety);
  const reasons = verdict.reasons.map((r) => `health_slowdown: ${r}`);
  let factor = verdict.factor;
  const u = input.usage;
  if (u?.usage_at && new Date(u.usage_at).getTime() > now.getTime() - USAGE_SIGNAL_MS && usageFactor(u.usage_percent) < 1) {
    reasons.push(`usage_slowdown: Unipile reported ${u.usage_percent}% of LinkedIn's invitation quota used (invitations only)`);
  }
  if (factor > 1) factor = 1;
  return {
    acceptance: {
      sample: f.sample,
      accepted: f.accepted,
      ratePercent: f.sample ? Math.round((f.accepted * 1000) / f.sample) / 10 : null,
      minPercent: safety.healthMinAcceptancePercent,
      minSample: safety.healthMinSample,
    },
    pending: f.pending,
    providerRefusals7d: f.refusals,
    disconnects30d: f.disconnects,
    slowdown: { factor, reasons },
  };
}
