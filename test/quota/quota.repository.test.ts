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
      const id = await account({ minGapSeconds: 90, jitterSeconds: 60 });
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

    it('daily limit retries on the next working day, weekly limit on the next ISO week', async () => {
      const id = await account({ limits: { invitation: { daily: 2, weekly: 3 } }, minGapSeconds: 0, jitterSeconds: 0 });
      const friday = local(PARIS, '2026-11-27T10:00');
      const thursday = local(PARIS, '2026-11-26T10:00');
      granted(await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:1`, now: thursday }));
      granted(await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:2`, now: thursday }));
      const d = denied(await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:3`, now: thursday }));
      assert.deepEqual(d, { granted: false, reason: 'daily_limit', retryAt: local(PARIS, '2026-11-27T09:00') });
      granted(await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:3`, now: friday }));
      const w = denied(await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:4`, now: friday }));
      assert.deepEqual(w, { granted: false, reason: 'weekly_limit', retryAt: local(PARIS, '2026-11-30T09:00') });
      // Other kinds have their own budgets.
      granted(await reserveAction(t.db, { accountId: id, kind: 'message', idempotencyKey: `${id}:m`, now: friday }));
    });

    it('a new account is held to its warm-up share of the limits', async () => {
      const created = local(PARIS, '2026-11-21T15:00'); // two local days before Monday
      const id = await account({ minGapSeconds: 0, jitterSeconds: 0 }, created);
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
      assert.deepEqual(usage.today.perKind.invitation, { used: 25, limit: 25, remaining: 0 });
      assert.deepEqual(usage.week.perKind.invitation, { used: 25, limit: 62, remaining: 37 });
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

    it('reports usage per kind for the local day and ISO week', async () => {
      const id = await account({ limits: { invitation: { daily: 10, weekly: 12 } }, minGapSeconds: 0, jitterSeconds: 0 });
      const sunday = local(PARIS, '2026-11-22T10:00'); // previous ISO week: not counted
      await updateAccountSettings(t.db, id, { workingHours: { days: [1, 2, 3, 4, 5, 6, 7], start: '09:00', end: '18:00' } });
      granted(await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:sun`, now: sunday }));
      const tuesday = local(PARIS, '2026-11-24T10:00');
      for (let i = 0; i < 4; i++) granted(await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:mon${i}`, now: MONDAY_10 }));
      for (let i = 0; i < 3; i++) granted(await reserveAction(t.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:tue${i}`, now: tuesday }));
      for (let i = 0; i < 2; i++) granted(await reserveAction(t.db, { accountId: id, kind: 'message', idempotencyKey: `${id}:msg${i}`, now: tuesday }));
      await recordProviderBlock(t.db, { accountId: id, kind: 'inmail', until: local(PARIS, '2026-11-25T10:00'), reason: 'errors/limit_exceeded' });
      const u = await getAccountUsage(t.db, { accountId: id, now: local(PARIS, '2026-11-24T12:00') });
      assert.equal(u.timezone, PARIS);
      assert.equal(u.today.date, '2026-11-24');
      assert.equal(u.week.isoWeek, '2026-W48');
      assert.deepEqual(u.today.perKind.invitation, { used: 3, limit: 10, remaining: 5 }, 'today 7 left, but only 5 left this week');
      assert.deepEqual(u.week.perKind.invitation, { used: 7, limit: 12, remaining: 5 });
      assert.deepEqual(u.today.perKind.message, { used: 2, limit: 100, remaining: 98 });
      assert.deepEqual(u.week.perKind.message, { used: 2, limit: null, remaining: null });
      assert.deepEqual(u.today.perKind.profile_visit, { used: 0, limit: 90, remaining: 90 });
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
