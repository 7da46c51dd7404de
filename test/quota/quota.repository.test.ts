import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { DATABASE_KINDS, type TestDatabase } from '../support/database';
import { ConflictError, NotFoundError, ValidationError } from '../../src/errors';
import {
  getAccountSettings,
  getAccountUsage,
  recordProviderBlock,
  releaseGrant,
  reserveAction,
  updateAccountSettings,
  type ReserveResult,
} from '../../src/quota/quota.repository';
import type { QuotaTables } from '../../src/quota/quota.schema';
import { createAccount, local } from './support';

const PARIS = 'Europe/Paris';
const MONDAY_10 = local(PARIS, '2026-11-23T10:00'); // Monday 23 November 2026
const SEC = 1000;
const fixed = (x: number) => () => x;

function granted(r: ReserveResult): Extract<ReserveResult, { granted: true }> {
  if (!r.granted) assert.fail(`expected a grant, got ${JSON.stringify(r)}`);
  return r;
}
function denied(r: ReserveResult): Extract<ReserveResult, { granted: false }> {
  if (r.granted) assert.fail(`expected a denial, got ${JSON.stringify(r)}`);
  return r;
}

for (const { kind: dbKind, create } of DATABASE_KINDS) {
  describe(`account quotas on ${dbKind}`, () => {
    let t: TestDatabase;
    before(async () => (t = await create()));
    after(async () => t.drop());

    /** A fully warmed-up account in Paris, Mon-Fri 09:00-18:00. */
    async function account(patch: Parameters<typeof updateAccountSettings>[2] = {}, createdAt = new Date('2025-01-01T00:00Z')) {
      const id = await createAccount(t.db, { createdAt });
      await updateAccountSettings(t.db, id, { timezone: PARIS, ...patch });
      return id;
    }
    const countGrants = async (accountId: string) =>
      (
        await t.db
          .withTables<QuotaTables>()
          .selectFrom('account_action_grants')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('account_id', '=', accountId)
          .executeTakeFirstOrThrow()
      ).n;

    it('replaying an idempotency key returns the same grant, even once the limit is reached', async () => {
      const id = await account({ limits: { invitation: { daily: 1 } } });
      const first = granted(await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:lead-1`, now: MONDAY_10 }));
      denied(await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:lead-2`, now: MONDAY_10 }));
      const replay = granted(await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:lead-1`, now: new Date(MONDAY_10.getTime() + 3_600_000) }));
      assert.deepEqual(replay, first);
      assert.equal(Number(await countGrants(id)), 1);
      await assert.rejects(reserveAction(t.db, { accountId: id, kind: 'message', idempotencyKey: `${id}:lead-1`, now: MONDAY_10 }), ConflictError);
    });

    it('spaces grants by min gap + jitter from the last write, and from now after a pause (no catch-up burst)', async () => {
      // A high pace, so the minimum gap is what spaces them (the pace is tested on its own below).
      const id = await account({ minGapSeconds: 90, jitterSeconds: 60, limits: { invitation: { daily: 1000, weekly: null } } });
      const ats: Date[] = [];
      for (let i = 0; i < 4; i++) {
        ats.push(granted(await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:s${i}`, now: MONDAY_10, random: fixed(0.5) })).at);
      }
      assert.deepEqual(ats.map((a) => (a.getTime() - MONDAY_10.getTime()) / SEC), [0, 120, 240, 360], 'each slot 90 s + 30 s of jitter after the previous');
      // Messages are writes too: they queue behind the invitations; a profile visit does not.
      const msg = granted(await reserveAction(t.db, { accountId: id, kind: 'message', idempotencyKey: `${id}:m`, now: MONDAY_10, random: fixed(0) }));
      assert.equal((msg.at.getTime() - MONDAY_10.getTime()) / SEC, 450);
      const visit = granted(await reserveAction(t.db, { accountId: id, kind: 'profile_visit', idempotencyKey: `${id}:v`, now: MONDAY_10 }));
      assert.equal(visit.at.getTime(), MONDAY_10.getTime());
      // Three hours later (a pause): the next grant is now, and the one after is spaced again.
      const later = new Date(MONDAY_10.getTime() + 3 * 3_600_000);
      const a = granted(await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:p1`, now: later, random: fixed(0.99) }));
      const b = granted(await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:p2`, now: later, random: fixed(0.99) }));
      assert.equal(a.at.getTime(), later.getTime());
      const gap = (b.at.getTime() - a.at.getTime()) / SEC;
      assert.ok(gap >= 90 && gap < 150, `gap ${gap}s`);
    });

    it('a slot that would fall after the window closes is not granted; retry at the next opening', async () => {
      const id = await account({ minGapSeconds: 90, jitterSeconds: 60 });
      const late = local(PARIS, '2026-11-23T17:58:30');
      granted(await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:1`, now: late, random: fixed(0) }));
      const r = denied(await reserveAction(t.db, { accountId: id, kind: 'comment', idempotencyKey: `${id}:2`, now: late, random: fixed(0) }));
      assert.equal(r.reason, 'spacing');
      assert.equal(r.retryAt.getTime(), local(PARIS, '2026-11-24T09:00').getTime());
    });

    it('outside working hours: retry at the next window start plus jitter', async () => {
      const id = await account();
      const saturday = local(PARIS, '2026-11-28T11:00');
      const r = denied(await reserveAction(t.db, { accountId: id, kind: 'message', idempotencyKey: `${id}:1`, now: saturday, random: fixed(0.5) }));
      assert.equal(r.reason, 'outside_working_hours');
      assert.equal(r.retryAt.getTime(), local(PARIS, '2026-11-30T09:00:30').getTime());
      // A campaign schedule narrows the hours: 09:30 is too early for a 10:00-12:00 campaign.
      const c = denied(
        await reserveAction(t.db, { accountId: id, kind: 'message', idempotencyKey: `${id}:2`, now: local(PARIS, '2026-11-23T09:30'), random: fixed(0), campaignSchedule: { startTime: '10:00', endTime: '12:00' } }),
      );
      assert.equal(c.reason, 'outside_working_hours');
      assert.equal(c.retryAt.getTime(), local(PARIS, '2026-11-23T10:00').getTime());
    });

    it('daily limit retries on the next working day; the weekly cap is a rolling 7×24 h, retried when the oldest slot ages out', async () => {
      // 8 a week over 5 days paces at 2 a day: the daily limit is what binds each day.
      const id = await account({ limits: { invitation: { daily: 2, weekly: 8 } }, minGapSeconds: 0, jitterSeconds: 0 });
      const days = ['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26'];
      for (const [i, day] of days.entries()) {
        const now = local(PARIS, `${day}T10:00`);
        const a = granted(await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:${i}a`, now }));
        const b = granted(await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:${i}b`, now }));
        assert.equal(a.at.getTime(), now.getTime());
        assert.equal(b.at.getTime(), local(PARIS, `${day}T14:00`).getTime(), 'the second spread over the rest of the window: 8 h / (1 + 1)');
        const d = denied(await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:${i}c`, now }));
        // Thursday's two make 8 in 7 days: the weekly cap binds before the daily one.
        assert.equal(d.reason, i < 3 ? 'daily_limit' : 'weekly_limit');
      }
      // Friday: 8 in the last 7 days. An ISO week would refill on Monday 09:00; the rolling week waits
      // until Monday's first slot (10:00) is 7×24 h old.
      const friday = local(PARIS, '2026-11-27T10:00');
      const w = denied(await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:fri`, now: friday }));
      assert.deepEqual(w, { granted: false, reason: 'weekly_limit', retryAt: local(PARIS, '2026-11-30T10:00') });
      // Other kinds have their own budgets.
      granted(await reserveAction(t.db, { accountId: id, kind: 'message', idempotencyKey: `${id}:m`, now: friday }));
      denied(await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:fri`, now: local(PARIS, '2026-11-30T09:30') }));
      granted(await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:fri`, now: local(PARIS, '2026-11-30T10:00') }));
    });

    it('the default pace is the weekly budget over the working days, evenly spread, with no burst after a pause', async () => {
      // Defaults: 80 a day, 200 a week, Mon-Fri: 40 a day.
      const id = await account({ minGapSeconds: 90, jitterSeconds: 0 });
      const monday9 = local(PARIS, '2026-11-23T09:00');
      const ats: Date[] = [];
      let last: ReserveResult | undefined;
      for (let n = 0; n < 60; n++) {
        last = await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:${n}`, now: monday9 });
        if (!last.granted) break;
        ats.push(last.at);
      }
      assert.equal(ats.length, 40);
      assert.deepEqual(last, { granted: false, reason: 'daily_pace', retryAt: local(PARIS, '2026-11-24T09:00') });
      const gaps = ats.slice(1).map((a, i) => (a.getTime() - ats[i]!.getTime()) / 60_000);
      assert.ok(Math.min(...gaps) > 13 && Math.max(...gaps) < 14, `9 h over 40: about 13.2 min apart (${Math.min(...gaps)}..${Math.max(...gaps)})`);
      assert.ok(ats.at(-1)! < local(PARIS, '2026-11-23T18:00'));
      // Tuesday, a pause until 15:00 with the whole day's pace left: spread over the 3 h left, not a burst.
      const tue15 = local(PARIS, '2026-11-24T15:00');
      const after: Date[] = [];
      for (let n = 0; n < 40; n++) after.push(granted(await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:t${n}`, now: tue15 })).at);
      const within10min = after.filter((a) => a.getTime() < tue15.getTime() + 10 * 60_000).length;
      assert.ok(within10min <= 3, `${within10min} slots in the first 10 minutes after the pause`);
      assert.ok(after.at(-1)! < local(PARIS, '2026-11-24T18:00'));
    });

    it('spreading over the window can be switched off: then only the minimum gap spaces the slots', async () => {
      const id = await account({ minGapSeconds: 90, jitterSeconds: 0, safety: { spreadOverWindow: false } });
      const ats: number[] = [];
      for (let n = 0; n < 3; n++) ats.push(granted(await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:${n}`, now: MONDAY_10 })).at.getTime());
      assert.deepEqual(ats.map((a) => (a - MONDAY_10.getTime()) / SEC), [0, 90, 180]);
    });

    it('a new account is held to its warm-up share of the limits', async () => {
      const created = local(PARIS, '2026-11-21T15:00'); // two local days before Monday
      const id = await account({ minGapSeconds: 0, jitterSeconds: 0, limits: { invitation: { weekly: null } } }, created);
      let n = 0;
      let last: ReserveResult;
      for (;;) {
        last = await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:${n}`, now: MONDAY_10 });
        if (!last.granted) break;
        n++;
      }
      // 20% + 80% × 2/14 = 31.4% of 80 = 25.
      assert.equal(n, 25);
      assert.deepEqual(last, { granted: false, reason: 'warmup_limit', retryAt: local(PARIS, '2026-11-24T09:00') });
      const usage = await getAccountUsage(t.db, { accountId: id, now: MONDAY_10 });
      assert.equal(usage.warmup.day, 2);
      assert.deepEqual(usage.today.perKind.invitation, { used: 25, limit: 25, pace: 25, remaining: 0 });
      assert.deepEqual(usage.week.perKind.invitation, { used: 25, limit: null, remaining: null });
    });

    it('a provider-reported limit blocks that kind (or all kinds) until it ends', async () => {
      const id = await account({ minGapSeconds: 0, jitterSeconds: 0 });
      const until = local(PARIS, '2026-11-24T10:30');
      await recordProviderBlock(t.db, { accountId: id, kind: 'invitation', until, reason: 'errors/limit_exceeded' });
      // A shorter block reported later does not shorten it.
      const { blockedUntil } = await recordProviderBlock(t.db, { accountId: id, kind: 'invitation', until: local(PARIS, '2026-11-23T12:00'), reason: 'errors/limit_exceeded' });
      assert.equal(blockedUntil.getTime(), until.getTime());
      const r = denied(await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:1`, now: MONDAY_10 }));
      assert.deepEqual(r, { granted: false, reason: 'provider_limit', retryAt: until });
      granted(await reserveAction(t.db, { accountId: id, kind: 'message', idempotencyKey: `${id}:2`, now: MONDAY_10 }));
      await recordProviderBlock(t.db, { accountId: id, kind: 'all', until: local(PARIS, '2026-11-23T20:00'), reason: 'errors/too_many_requests' });
      const all = denied(await reserveAction(t.db, { accountId: id, kind: 'message', idempotencyKey: `${id}:3`, now: MONDAY_10 }));
      assert.equal(all.reason, 'provider_limit');
      assert.equal(all.retryAt.getTime(), local(PARIS, '2026-11-24T09:00').getTime(), 'block ends after hours: the next window');
      granted(await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:1`, now: local(PARIS, '2026-11-24T10:31') }));
    });

    it('releasing a grant gives its slot back', async () => {
      const id = await account({ limits: { reaction: { daily: 1 } }, minGapSeconds: 0, jitterSeconds: 0 });
      const g = granted(await reserveAction(t.db, { accountId: id, kind: 'reaction', idempotencyKey: `${id}:1`, now: MONDAY_10 }));
      denied(await reserveAction(t.db, { accountId: id, kind: 'reaction', idempotencyKey: `${id}:2`, now: MONDAY_10 }));
      assert.equal(await releaseGrant(t.db, g.grantId), true);
      assert.equal(await releaseGrant(t.db, g.grantId), false);
      granted(await reserveAction(t.db, { accountId: id, kind: 'reaction', idempotencyKey: `${id}:2`, now: MONDAY_10 }));
    });

    it('reports usage per kind for the local day and the last 7×24 h', async () => {
      const id = await account({ limits: { invitation: { daily: 10, weekly: 70 } }, minGapSeconds: 0, jitterSeconds: 0 });
      await updateAccountSettings(t.db, id, { workingHours: { days: [1, 2, 3, 4, 5, 6, 7], start: '09:00', end: '18:00' } });
      granted(await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:old`, now: local(PARIS, '2026-11-16T10:00') })); // 8 days before: not counted
      const sunday = local(PARIS, '2026-11-22T10:00'); // the previous ISO week, but inside the rolling 7 days
      granted(await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:sun`, now: sunday }));
      const tuesday = local(PARIS, '2026-11-24T10:00');
      for (let i = 0; i < 4; i++) granted(await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:mon${i}`, now: MONDAY_10 }));
      for (let i = 0; i < 3; i++) granted(await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:tue${i}`, now: tuesday }));
      for (let i = 0; i < 2; i++) granted(await reserveAction(t.db, { accountId: id, kind: 'message', idempotencyKey: `${id}:msg${i}`, now: tuesday }));
      await recordProviderBlock(t.db, { accountId: id, kind: 'inmail', until: local(PARIS, '2026-11-25T10:00'), reason: 'errors/limit_exceeded' });
      const u = await getAccountUsage(t.db, { accountId: id, now: local(PARIS, '2026-11-24T12:00') });
      assert.equal(u.timezone, PARIS);
      assert.equal(u.today.date, '2026-11-24');
      assert.equal(u.week.since.getTime(), local(PARIS, '2026-11-17T12:00').getTime());
      assert.deepEqual(u.today.perKind.invitation, { used: 3, limit: 10, pace: 10, remaining: 7 });
      assert.deepEqual(u.week.perKind.invitation, { used: 8, limit: 70, remaining: 62 });
      assert.deepEqual(u.today.perKind.message, { used: 2, limit: 100, pace: 100, remaining: 98 });
      assert.deepEqual(u.week.perKind.message, { used: 2, limit: null, remaining: null });
      assert.deepEqual(u.today.perKind.profile_visit, { used: 0, limit: 90, pace: 90, remaining: 90 });
      assert.equal(u.accountType, null);
      assert.deepEqual(u.notes, { budget: null, used: 0, remaining: null }, 'type not read yet: the paid rules');
      assert.deepEqual(u.invitations, { pending: 0, pendingCap: 500 });
      assert.deepEqual(u.health.slowdown, { factor: 1, reasons: [] });
      assert.equal(u.withinWorkingHours, true);
      assert.equal(u.nextWindowOpensAt?.getTime(), local(PARIS, '2026-11-25T09:00').getTime());
      assert.deepEqual(u.warmup, { day: 692, factor: 1 });
      assert.deepEqual(u.blocks, [{ kind: 'inmail', until: local(PARIS, '2026-11-25T10:00'), reason: 'errors/limit_exceeded' }]);
      const evening = await getAccountUsage(t.db, { accountId: id, now: local(PARIS, '2026-11-24T19:00') });
      assert.equal(evening.withinWorkingHours, false);
    });

    it('settings: defaults without a row, validated and merged updates', async () => {
      const id = await createAccount(t.db);
      const d = await getAccountSettings(t.db, id);
      assert.equal(d.timezone, 'UTC');
      assert.deepEqual(d.workingHours, { days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' });
      assert.deepEqual(d.warmup, { days: 14, startPercent: 20 });
      assert.equal(d.minGapSeconds, 90);
      assert.equal(d.updatedAt, null);

      const bad = async (patch: object, path: string) => {
        const err = await updateAccountSettings(t.db, id, patch as never).then(
          () => assert.fail(`accepted ${JSON.stringify(patch)}`),
          (e: unknown) => e,
        );
        assert.ok(err instanceof ValidationError);
        assert.equal(err.code, 'invalid_account_settings');
        assert.ok((err.details as Array<{ path: string }>).some((p) => p.path === path), JSON.stringify(err.details));
      };
      await bad({ timezone: 'Europe/Atlantis' }, 'timezone');
      await bad({ workingHours: { days: [1], start: '9am', end: '18:00' } }, 'workingHours.start');
      await bad({ workingHours: { days: [1], start: '18:00', end: '09:00' } }, 'workingHours.end');
      await bad({ workingHours: { days: ['someday'], start: '09:00', end: '18:00' } }, 'workingHours.days');
      await bad({ limits: { invitation: { daily: -1 } } }, 'limits.invitation.daily');
      await bad({ limits: { teleport: { daily: 1 } } }, 'limits');
      await bad({ minGapSeconds: 1.5 }, 'minGapSeconds');

      await updateAccountSettings(t.db, id, { timezone: 'America/New_York', workingHours: { days: ['mon', 'tue', 3], start: '08:30', end: '17:00' } });
      const s = await updateAccountSettings(t.db, id, { limits: { invitation: { daily: 30, weekly: null } } }, { now: MONDAY_10 });
      assert.equal(s.timezone, 'America/New_York', 'kept from the earlier update');
      const stored = await getAccountSettings(t.db, id);
      assert.deepEqual(stored.workingHours, { days: [1, 2, 3], start: '08:30', end: '17:00' });
      assert.deepEqual(stored.limits, { invitation: { daily: 30, weekly: null } });
      assert.equal(stored.updatedAt?.getTime(), MONDAY_10.getTime());
      await assert.rejects(updateAccountSettings(t.db, '00000000-0000-0000-0000-000000000000', { timezone: 'UTC' }), NotFoundError);
      await assert.rejects(
        reserveAction(t.db, { accountId: '00000000-0000-0000-0000-000000000000', kind: 'message', idempotencyKey: 'x', now: MONDAY_10 }),
        NotFoundError,
      );
    });
  });
}
