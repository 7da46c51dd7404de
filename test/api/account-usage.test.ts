import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { reserveAction } from '../../src/quota/quota.repository';
import { startTestApi, type TestApi } from './support';

const ALWAYS_OPEN = { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' };

void describe('account quota usage and settings', () => {
  let api: TestApi;
  let accountId: string;
  before(async () => {
    api = await startTestApi();
    accountId = (
      await api.call({ method: 'POST', url: '/api/accounts', payload: { providerAccountId: api.unipileAccount('quota-1') } })
    ).json().id;
  });
  after(() => api.close());

  const settingsOf = async (id = accountId) => api.call({ method: 'GET', url: `/api/accounts/${id}/settings` });

  void it('a new account runs on the defaults, and its usage shows the warm-up ramp of day 0', async () => {
    const res = await settingsOf();
    assert.equal(res.statusCode, 200);
    const s = res.json();
    assert.equal(s.updatedAt, null);
    assert.equal(s.timezone, 'UTC');
    assert.deepEqual(s.workingHours, { days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' });
    assert.deepEqual(s.limits, {});
    assert.deepEqual(s.effectiveLimits.invitation, { daily: 80, weekly: 200 });
    assert.deepEqual(s.effectiveLimits.profile_visit, { daily: 90, weekly: null });
    assert.deepEqual([s.minGapSeconds, s.jitterSeconds, s.warmup], [90, 60, { days: 14, startPercent: 20 }]);

    const usage = (await api.call({ method: 'GET', url: `/api/accounts/${accountId}/usage` })).json();
    assert.deepEqual(usage.warmup, { day: 0, factor: 0.2 });
    // floor(80 × 20%) a day, floor(200 × 20%) a week.
    assert.deepEqual(usage.today.perKind.invitation, { used: 0, limit: 16, pace: 8, remaining: 8 });
    assert.deepEqual(usage.week.perKind.invitation, { used: 0, limit: 40, remaining: 40 });
    assert.deepEqual(usage.week.perKind.message, { used: 0, limit: null, remaining: null });
    assert.deepEqual(usage.blocks, []);
  });

  void it('PATCH stores a subset and GET reads it back; limits merge over the defaults', async () => {
    const res = await api.call({
      method: 'PATCH',
      url: `/api/accounts/${accountId}/settings`,
      payload: {
        timezone: 'Europe/Paris',
        workingHours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '18:00' },
        limits: { invitation: { daily: 20, weekly: 70 }, message: { weekly: 300 } },
        warmup: { days: 0, startPercent: 100 },
      },
    });
    assert.equal(res.statusCode, 200, res.body);
    const s = res.json();
    assert.deepEqual(s.workingHours.days, [1, 2, 3, 4, 5], 'day names are stored as ISO weekdays');
    assert.ok(s.updatedAt);
    assert.deepEqual(s.effectiveLimits.invitation, { daily: 20, weekly: 70 });
    assert.deepEqual(s.effectiveLimits.message, { daily: 100, weekly: 300 });
    assert.deepEqual(s.effectiveLimits.inmail, { daily: 40, weekly: null });
    assert.equal(s.minGapSeconds, 90, 'fields not in the patch keep their value');
    assert.deepEqual((await settingsOf()).json(), s);

    const usage = (await api.call({ method: 'GET', url: `/api/accounts/${accountId}/usage` })).json();
    assert.equal(usage.timezone, 'Europe/Paris');
    assert.deepEqual(usage.today.perKind.invitation, { used: 0, limit: 20, pace: 14, remaining: 14 });
    assert.deepEqual(usage.week.perKind.invitation, { used: 0, limit: 70, remaining: 70 });
  });

  void it('broken rules answer 400 invalid_account_settings listing each one, and nothing changes', async () => {
    const before = (await settingsOf()).json();
    const res = await api.call({
      method: 'PATCH',
      url: `/api/accounts/${accountId}/settings`,
      payload: {
        timezone: 'Mars/Olympus_Mons',
        workingHours: { days: [1], start: '18:00', end: '09:00' },
        limits: { invitation: { daily: -1 } },
        minGapSeconds: 90_000,
      },
    });
    assert.equal(res.statusCode, 400);
    const { error } = res.json();
    assert.equal(error.code, 'invalid_account_settings');
    const paths = (error.details as Array<{ path: string; message: string }>).map((d) => d.path).sort();
    assert.deepEqual(paths, ['limits.invitation.daily', 'minGapSeconds', 'timezone', 'workingHours.end']);
    assert.deepEqual((await settingsOf()).json(), before);
  });

  void it('wrong shapes answer 400 validation_failed with paths; an empty patch too', async () => {
    const cases: Array<[unknown, string]> = [
      [{}, 'body'],
      [{ limits: { pokes: { daily: 3 } } }, 'body.limits.pokes'],
      [{ minGapSeconds: '90' }, 'body.minGapSeconds'],
      [{ workingHours: { days: [1], start: '09:00', end: '18:00', lunch: '12:00' } }, 'body.workingHours.lunch'],
      [{ colour: 'blue' }, 'body.colour'],
    ];
    for (const [payload, path] of cases) {
      const res = await api.call({ method: 'PATCH', url: `/api/accounts/${accountId}/settings`, payload: payload as object });
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      const { error } = res.json();
      assert.equal(error.code, 'validation_failed');
      assert.ok(
        (error.details as Array<{ path: string }>).some((d) => d.path === path),
        `${JSON.stringify(payload)}: ${JSON.stringify(error.details)}`,
      );
    }
    const badId = await api.call({ method: 'GET', url: '/api/accounts/not-a-uuid/usage' });
    assert.deepEqual([badId.statusCode, badId.json().error.code], [400, 'validation_failed']);
  });

  void it('usage counts what the quota granted, today and this week, per kind', async () => {
    const other = (
      await api.call({ method: 'POST', url: '/api/accounts', payload: { providerAccountId: api.unipileAccount('quota-2') } })
    ).json().id as string;
    const patched = await api.call({
      method: 'PATCH',
      url: `/api/accounts/${other}/settings`,
      payload: {
        workingHours: ALWAYS_OPEN,
        limits: { invitation: { daily: 10, weekly: 30 } },
        warmup: { days: 0, startPercent: 100 },
        minGapSeconds: 0,
        jitterSeconds: 0,
      },
    });
    assert.equal(patched.statusCode, 200, patched.body);
    const now = new Date();
    for (let i = 0; i < 3; i++) {
      const r = await reserveAction(api.db, { accountId: other, kind: 'invitation', idempotencyKey: `inv-${i}`, now });
      assert.ok(r.granted);
    }
    assert.ok((await reserveAction(api.db, { accountId: other, kind: 'profile_visit', idempotencyKey: 'visit-0', now })).granted);

    const res = await api.call({ method: 'GET', url: `/api/accounts/${other}/usage` });
    assert.equal(res.statusCode, 200, res.body);
    const usage = res.json();
    // 30 a week over 7 open days: a pace of 5 a day.
    assert.deepEqual(usage.today.perKind.invitation, { used: 3, limit: 10, pace: 5, remaining: 2 });
    assert.equal(usage.accountType, null);
    assert.deepEqual(usage.invitations, { pending: 0, pendingCap: 500 });
    assert.equal(usage.inmailCredits, null);
    assert.deepEqual(usage.health.slowdown, { factor: 1, reasons: [] });
    assert.equal(usage.health.acceptance.minPercent, 15);
    assert.deepEqual(usage.week.perKind.invitation, { used: 3, limit: 30, remaining: 27 });
    assert.deepEqual(usage.today.perKind.profile_visit, { used: 1, limit: 90, pace: 90, remaining: 89 });
    assert.deepEqual(usage.today.perKind.message, { used: 0, limit: 100, pace: 100, remaining: 100 });
    assert.equal(usage.withinWorkingHours, true);
    assert.deepEqual(usage.warmup, { day: 0, factor: 1 });
    // Inside an always-open window the next opening is the next local midnight.
    assert.equal(Date.parse(usage.nextWindowOpensAt), Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
    assert.ok(Math.abs(Date.parse(usage.at) - now.getTime()) < 60_000);
  });

  void it('outside working hours: usage says so and when the next window opens', async () => {
    const id = (
      await api.call({ method: 'POST', url: '/api/accounts', payload: { providerAccountId: api.unipileAccount('quota-3') } })
    ).json().id as string;
    const now = new Date();
    const tomorrow = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
    const isoWeekday = ((tomorrow.getUTCDay() + 6) % 7) + 1;
    await api.call({
      method: 'PATCH',
      url: `/api/accounts/${id}/settings`,
      payload: { timezone: 'UTC', workingHours: { days: [isoWeekday], start: '09:00', end: '18:00' } },
    });
    const usage = (await api.call({ method: 'GET', url: `/api/accounts/${id}/usage` })).json();
    assert.equal(usage.withinWorkingHours, false);
    assert.equal(usage.nextWindowOpensAt, new Date(tomorrow.getTime() + 9 * 3_600_000).toISOString());
  });

  void it("another organization's account answers 404 like a missing one, and cannot be changed", async () => {
    const before = (await settingsOf()).json();
    const missing = '00000000-0000-4000-8000-000000000000';
    for (const [method, suffix] of [
      ['GET', 'usage'],
      ['GET', 'settings'],
      ['PATCH', 'settings'],
    ] as const) {
      const payload = method === 'PATCH' ? { minGapSeconds: 1 } : undefined;
      const foreign = await api.call({ as: api.orgB, method, url: `/api/accounts/${accountId}/${suffix}`, payload });
      const absent = await api.call({ method, url: `/api/accounts/${missing}/${suffix}`, payload });
      assert.equal(foreign.statusCode, 404, `${method} ${suffix}`);
      assert.equal(foreign.json().error.code, 'account_not_found');
      assert.deepEqual(
        [absent.statusCode, absent.json().error.code],
        [foreign.statusCode, foreign.json().error.code],
      );
    }
    assert.deepEqual((await settingsOf()).json(), before);
    const anonymous = await api.app.inject({ method: 'GET', url: `/api/accounts/${accountId}/usage` });
    assert.equal(anonymous.statusCode, 401);
  });
});
