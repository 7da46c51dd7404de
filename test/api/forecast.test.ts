// GET /api/campaigns/:id/forecast through the real app and database: a draft's dates follow its
// sender's settings (and move when they change), a seed makes the answer repeatable, bad query
// parameters and other organizations' campaigns get their stable 4xx.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DateTime } from 'luxon';
import type { QuotaTables } from '../../src/quota/quota.schema';
import { exampleDefinition } from '../support/fixtures';
import { seedCampaign, startTestApi, type TestApi } from './support';

const ALWAYS_OPEN = { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' };

void describe('campaign forecast', () => {
  let api: TestApi;
  let seed: Awaited<ReturnType<typeof seedCampaign>>;
  before(async () => {
    api = await startTestApi();
    seed = await seedCampaign(api, api.orgA, { leads: 50 });
    const patched = await api.call({ method: 'PATCH', url: `/api/campaigns/${seed.campaign.id}`, payload: { workflowDefinition: exampleDefinition() } });
    assert.equal(patched.statusCode, 200, patched.body);
  });
  after(() => api.close());

  const settings = (payload: object) => api.call({ method: 'PATCH', url: `/api/accounts/${seed.account.id}/settings`, payload });
  const forecast = (query = '') => api.call({ method: 'GET', url: `/api/campaigns/${seed.campaign.id}/forecast${query}` });

  void it("a draft's last invitation falls on the day its sender's daily limit allows, and moves when the limit changes", async () => {
    assert.equal((await settings({ timezone: 'UTC', workingHours: ALWAYS_OPEN, warmup: { days: 0, startPercent: 100 }, limits: { invitation: { daily: 10, weekly: null } } })).statusCode, 200);
    const res = await forecast();
    assert.equal(res.statusCode, 200, res.body);
    const f = res.json();
    assert.equal(f.status, 'draft');
    assert.deepEqual(f.leads, { total: 50, toStart: 50, waitingForInvitation: 0 });
    assert.equal(f.invitations, 50);
    assert.deepEqual(f.senders.map((s: { acceptanceSource: string; acceptanceRate: number }) => [s.acceptanceSource, s.acceptanceRate]), [['default', 0.3]]);
    const today = DateTime.utc().startOf('day');
    // 10 a day from today: the 50th on the fifth day. Near midnight today's share may spill over.
    const day = DateTime.fromISO(f.lastInvitation.p50, { zone: 'UTC' }).startOf('day');
    assert.ok([4, 5].includes(day.diff(today, 'days').days), `last invitation ${f.lastInvitation.p50}`);
    // Every lead started at once (100 at a time), the visit-to-invite hour, then acceptance or its 14-day window.
    assert.ok(f.allLeadsStarted.p50 <= f.lastInvitation.p50 && f.lastInvitation.p50 <= f.lastInvitation.p90 && f.lastInvitation.p90 < f.campaignEnds.p50);
    assert.ok(Date.parse(f.campaignEnds.p90) - Date.parse(f.lastInvitation.p50) >= 14 * 86_400_000);

    await settings({ limits: { invitation: { daily: 25, weekly: null } } });
    const faster = (await forecast()).json();
    const fasterDay = DateTime.fromISO(faster.lastInvitation.p50, { zone: 'UTC' }).startOf('day');
    assert.ok([1, 2].includes(fasterDay.diff(today, 'days').days), `last invitation ${faster.lastInvitation.p50} at 25 a day`);
  });

  void it('the same seed gives the same forecast; an acceptance rate override is used and reported', async () => {
    const a = (await forecast('?seed=7&acceptanceRate=0.9')).json();
    const b = (await forecast('?seed=7&acceptanceRate=0.9')).json();
    // Each call forecasts from its own now: the dates, read from it, agree (to the ms the calls are apart).
    const from = (f: { computedAt: string }, at: string) => Date.parse(at) - Date.parse(f.computedAt);
    for (const k of ['allLeadsStarted', 'lastInvitation', 'campaignEnds'] as const) {
      for (const p of ['p50', 'p90'] as const) assert.ok(Math.abs(from(a, a[k][p]) - from(b, b[k][p])) < 2_000, `${k}.${p}: ${a[k][p]} vs ${b[k][p]}`);
    }
    assert.deepEqual(a.senders.map((s: { acceptanceSource: string; acceptanceRate: number }) => [s.acceptanceSource, s.acceptanceRate]), [['override', 0.9]]);
    // Nearly everyone accepts (and gets the day-later message) instead of waiting out the 14-day window.
    const low = (await forecast('?seed=7&acceptanceRate=0')).json();
    assert.ok(Date.parse(low.campaignEnds.p50) >= Date.parse(a.campaignEnds.p50));
  });

  void it("the acceptance rate is the account's own over its last 100 judged invitations, else 30 %", async () => {
    const q = api.db.withTables<QuotaTables>();
    const invite = (i: number, daysAgo: number, state: 'pending' | 'accepted') => ({
      account_id: seed.account.id,
      provider_id: `p-${daysAgo}-${i}`,
      sent_at: new Date(Date.now() - daysAgo * 86_400_000 - i * 60_000),
      state,
    });
    try {
      // 19 judged invitations (sent over 3 days ago), all accepted: under the 20 needed to judge, so 30 %.
      await q.insertInto('account_invitations').values(Array.from({ length: 19 }, (_, i) => invite(i, 10, 'accepted'))).execute();
      const few = (await forecast()).json();
      assert.deepEqual(few.senders.map((s: { acceptanceSource: string; acceptanceRate: number }) => [s.acceptanceSource, s.acceptanceRate]), [['default', 0.3]]);
      // Then 100 newer (5 days ago), 40 of them accepted, and 30 from today, pending (too young to judge).
      // The last 100 judged are the 5-day-old ones: 40 / 100 = 0.4 (the 19 older, all accepted, drop out: 59 / 119 would be 0.496).
      await q.insertInto('account_invitations').values(Array.from({ length: 100 }, (_, i) => invite(i, 5, i < 40 ? 'accepted' : 'pending'))).execute();
      await q.insertInto('account_invitations').values(Array.from({ length: 30 }, (_, i) => invite(i, 0, 'pending'))).execute();
      const own = (await forecast()).json();
      assert.deepEqual(own.senders.map((s: { acceptanceSource: string; acceptanceRate: number }) => [s.acceptanceSource, s.acceptanceRate]), [['account', 0.4]]);
    } finally {
      await q.deleteFrom('account_invitations').where('account_id', '=', seed.account.id).execute();
    }
  });

  void it('a limit at zero leaves the invitation dates open (beyondHorizon) instead of inventing one', async () => {
    await settings({ limits: { invitation: { daily: 0, weekly: null } } });
    const f = (await forecast()).json();
    assert.equal(f.lastInvitation.p50, null);
    assert.equal(f.beyondHorizon, true);
    await settings({ limits: {} });
  });

  void it('bad query parameters are 400 validation_failed; another organization and unknown ids are 404', async () => {
    for (const q of ['?acceptanceRate=2', '?acceptanceRate=-0.1', '?seed=x', '?runs=0', '?runs=101', '?maxConcurrentLeads=0', '?bogus=1']) {
      const res = await forecast(q);
      assert.equal(res.statusCode, 400, `${q}: ${res.body}`);
      assert.equal(res.json().error.code, 'validation_failed');
    }
    const other = await api.call({ as: api.orgB, method: 'GET', url: `/api/campaigns/${seed.campaign.id}/forecast` });
    assert.equal(other.statusCode, 404);
    assert.equal(other.json().error.code, 'campaign_not_found');
    const unknown = await api.call({ method: 'GET', url: '/api/campaigns/00000000-0000-4000-8000-000000000000/forecast' });
    assert.equal(unknown.statusCode, 404);
  });

  void it("a pool is forecast over all its senders: a second sender with the same limits halves the invitation phase", async () => {
    const same = { timezone: 'UTC', workingHours: ALWAYS_OPEN, warmup: { days: 0, startPercent: 100 }, limits: { invitation: { daily: 5, weekly: null } } };
    await settings(same);
    const alone = (await forecast('?seed=3')).json();
    const other = (await api.call({ method: 'POST', url: '/api/accounts', payload: { providerAccountId: api.unipileAccount(), displayName: 'Second' } })).json<{ id: string }>();
    assert.equal((await api.call({ method: 'PATCH', url: `/api/accounts/${other.id}/settings`, payload: same })).statusCode, 200);
    assert.equal((await api.call({ method: 'POST', url: `/api/campaigns/${seed.campaign.id}/senders`, payload: { accountId: other.id } })).statusCode, 200);
    const pooled = (await forecast('?seed=3')).json();
    assert.deepEqual(pooled.senders.map((s: { accountId: string }) => s.accountId).sort(), [seed.account.id, other.id].sort());
    // 50 invitations at 5 a day: the tenth day alone (days 0-9), the fifth with two senders (days 0-4).
    const days = (f: { computedAt: string; lastInvitation: { p50: string } }) => (Date.parse(f.lastInvitation.p50) - Date.parse(f.computedAt)) / 86_400_000;
    assert.ok(days(alone) >= 8 && days(alone) <= 10, `alone: ${days(alone).toFixed(2)} days`);
    assert.ok(days(pooled) >= 3 && days(pooled) <= 5, `two senders: ${days(pooled).toFixed(2)} days`);
    assert.ok(Math.abs(days(pooled) - days(alone) / 2) <= 1, `two senders ${days(pooled).toFixed(2)} days, alone ${days(alone).toFixed(2)}`);
    assert.equal((await api.call({ method: 'DELETE', url: `/api/campaigns/${seed.campaign.id}/senders/${other.id}` })).statusCode, 200);
  });

  void it('a campaign without a sender is 422 sender_account_missing', async () => {
    // A campaign row from before pools whose sender is gone: no pool rows, no sender_account.
    const pool = await api.db.selectFrom('campaign_senders').selectAll().where('campaign_id', '=', seed.campaign.id).execute();
    await api.db.deleteFrom('campaign_senders').where('campaign_id', '=', seed.campaign.id).execute();
    await api.db.updateTable('campaigns').set({ sender_account: null }).where('id', '=', seed.campaign.id).execute();
    const res = await forecast();
    assert.equal(res.statusCode, 422);
    assert.equal(res.json().error.code, 'sender_account_missing');
    await api.db.updateTable('campaigns').set({ sender_account: seed.account.id }).where('id', '=', seed.campaign.id).execute();
    if (pool.length > 0) await api.db.insertInto('campaign_senders').values(pool).execute();
  });
});
