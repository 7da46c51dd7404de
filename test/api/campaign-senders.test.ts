import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VALID_DEFINITION, seedCampaign, startTestApi, tableCounts, type Org, type TestApi } from './support';

/** Issue 11, sender pools: a campaign's senders through the API. */
void describe('campaign sender pools API', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
  });
  after(() => api.close());

  const account = async (org: Org = api.orgA): Promise<{ id: string }> =>
    (await api.call({ as: org, method: 'POST', url: '/api/accounts', payload: { providerAccountId: api.unipileAccount(), displayName: 'Sender' } })).json();
  const poolRows = (campaignId: string) =>
    api.db.selectFrom('campaign_senders').select(['account_id', 'position', 'removed_at']).where('campaign_id', '=', campaignId).orderBy('position').execute();

  void it('creates a campaign with a pool of senders; senderAccountId is its first, and a single senderAccountId is a pool of one', async () => {
    const seed = await seedCampaign(api, api.orgA);
    assert.deepEqual(seed.campaign.senderAccountIds, [seed.account.id]);
    const [a, b, c] = [await account(), await account(), await account()];
    const res = await api.call({ method: 'POST', url: '/api/campaigns', payload: { name: 'Pool', leadListId: seed.list.id, senderAccountIds: [b.id, a.id, c.id], workflowDefinition: VALID_DEFINITION } });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(res.json().senderAccountIds, [b.id, a.id, c.id]);
    assert.equal(res.json().senderAccountId, b.id);
    const row = await api.db.selectFrom('campaigns').select('sender_account').where('id', '=', res.json().id).executeTakeFirstOrThrow();
    assert.equal(row.sender_account, b.id);
    assert.deepEqual((await poolRows(res.json().id)).map((r) => r.account_id), [b.id, a.id, c.id]);
    const got = await api.call({ method: 'GET', url: `/api/campaigns/${res.json().id}` });
    assert.deepEqual(got.json().senderAccountIds, [b.id, a.id, c.id]);
    const listed = (await api.call({ method: 'GET', url: '/api/campaigns?limit=100' })).json().items.find((x: { id: string }) => x.id === res.json().id);
    assert.deepEqual(listed.senderAccountIds, [b.id, a.id, c.id]);
  });

  void it('a campaign row written with only sender_account (the existing front end) reads as a pool of one', async () => {
    const seed = await seedCampaign(api, api.orgA);
    await api.db.deleteFrom('campaign_senders').where('campaign_id', '=', seed.campaign.id).execute();
    const got = await api.call({ method: 'GET', url: `/api/campaigns/${seed.campaign.id}` });
    assert.deepEqual(got.json().senderAccountIds, [seed.account.id]);
    const other = await account();
    const added = await api.call({ method: 'POST', url: `/api/campaigns/${seed.campaign.id}/senders`, payload: { accountId: other.id } });
    assert.equal(added.statusCode, 200, added.body);
    assert.deepEqual(added.json().senderAccountIds, [seed.account.id, other.id]);
  });

  void it('refuses pools it cannot honour with stable 4xx codes, changing nothing', async () => {
    const seed = await seedCampaign(api, api.orgA);
    const foreign = await account(api.orgB);
    const mine = await account();
    const before = await tableCounts(api.db);
    const base = { name: 'P', leadListId: seed.list.id, workflowDefinition: VALID_DEFINITION };
    const cases: Array<[unknown, number, string]> = [
      [{ ...base }, 400, 'validation_failed'],
      [{ ...base, senderAccountIds: [] }, 400, 'validation_failed'],
      [{ ...base, senderAccountIds: [mine.id, mine.id] }, 400, 'validation_failed'],
      [{ ...base, senderAccountIds: ['not-a-uuid'] }, 400, 'validation_failed'],
      [{ ...base, senderAccountId: seed.account.id, senderAccountIds: [mine.id, seed.account.id] }, 400, 'validation_failed'],
      [{ ...base, senderAccountIds: [mine.id, foreign.id] }, 404, 'account_not_found'],
      [{ ...base, senderAccountIds: [mine.id, '00000000-0000-4000-8000-000000000000'] }, 404, 'account_not_found'],
    ];
    for (const [payload, status, code] of cases) {
      const res = await api.call({ method: 'POST', url: '/api/campaigns', payload: payload as object });
      assert.equal(res.statusCode, status, `${JSON.stringify(payload)}: ${res.body}`);
      assert.equal(res.json().error.code, code);
    }
    const missing = await api.call({ method: 'POST', url: '/api/campaigns', payload: base });
    assert.ok(missing.json().error.details.some((d: { path: string }) => d.path === 'body.senderAccountIds'));
    const patch = await api.call({ method: 'PATCH', url: `/api/campaigns/${seed.campaign.id}`, payload: { senderAccountIds: [foreign.id] } });
    assert.equal(patch.statusCode, 404);
    const addForeign = await api.call({ method: 'POST', url: `/api/campaigns/${seed.campaign.id}/senders`, payload: { accountId: foreign.id } });
    assert.equal(addForeign.statusCode, 404);
    assert.equal(addForeign.json().error.code, 'account_not_found');
    const otherOrgs = await api.call({ as: api.orgB, method: 'POST', url: `/api/campaigns/${seed.campaign.id}/senders`, payload: { accountId: foreign.id } });
    assert.equal(otherOrgs.json().error.code, 'campaign_not_found');
    const last = await api.call({ method: 'DELETE', url: `/api/campaigns/${seed.campaign.id}/senders/${seed.account.id}` });
    assert.equal(last.statusCode, 409);
    assert.equal(last.json().error.code, 'last_sender');
    const notSender = await api.call({ method: 'DELETE', url: `/api/campaigns/${seed.campaign.id}/senders/${mine.id}` });
    assert.equal(notSender.statusCode, 404);
    assert.equal(notSender.json().error.code, 'campaign_sender_not_found');
    assert.deepEqual(await tableCounts(api.db), before);
  });

  void it('adds and removes senders also while the campaign runs; a removed sender keeps its row, re-adding brings it back', async () => {
    const seed = await seedCampaign(api, api.orgA);
    const [b, c] = [await account(), await account()];
    await api.db.updateTable('campaigns').set({ status: 'in_progress' }).where('id', '=', seed.campaign.id).execute();
    for (const id of [b.id, c.id, b.id]) {
      const res = await api.call({ method: 'POST', url: `/api/campaigns/${seed.campaign.id}/senders`, payload: { accountId: id } });
      assert.equal(res.statusCode, 200, res.body);
    }
    let res = await api.call({ method: 'DELETE', url: `/api/campaigns/${seed.campaign.id}/senders/${seed.account.id}` });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().senderAccountIds, [b.id, c.id]);
    assert.equal(res.json().senderAccountId, b.id);
    const rows = await poolRows(seed.campaign.id);
    assert.ok(rows.find((r) => r.account_id === seed.account.id)?.removed_at, 'the removed sender keeps its row');
    res = await api.call({ method: 'POST', url: `/api/campaigns/${seed.campaign.id}/senders`, payload: { accountId: seed.account.id } });
    assert.deepEqual(res.json().senderAccountIds, [b.id, c.id, seed.account.id]);
    // While it runs, PATCH still refuses (the pool routes are the way to change senders then).
    const patch = await api.call({ method: 'PATCH', url: `/api/campaigns/${seed.campaign.id}`, payload: { senderAccountIds: [c.id] } });
    assert.equal(patch.statusCode, 409);
  });

  void it('PATCH replaces the pool of a draft', async () => {
    const seed = await seedCampaign(api, api.orgA);
    const [b, c] = [await account(), await account()];
    const res = await api.call({ method: 'PATCH', url: `/api/campaigns/${seed.campaign.id}`, payload: { senderAccountIds: [c.id, b.id] } });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().senderAccountIds, [c.id, b.id]);
    const single = await api.call({ method: 'PATCH', url: `/api/campaigns/${seed.campaign.id}`, payload: { senderAccountId: b.id } });
    assert.deepEqual(single.json().senderAccountIds, [b.id]);
  });
  void it('removing a sender can stop the leads it contacted: the engine is asked once per request, a failed ask answers 503 and the request can be repeated', async () => {
    const asked: Array<{ campaignId: string; accountId: string }> = [];
    let temporalDown = false;
    const own = await startTestApi({
      stopLeadsOfSender: async (input) => {
        if (temporalDown) throw new Error('14 UNAVAILABLE: connect ECONNREFUSED 127.0.0.1:7233');
        asked.push(input);
        return 2;
      },
    });
    try {
      const seed = await seedCampaign(own, own.orgA);
      const more = async () => (await own.call({ method: 'POST', url: '/api/accounts', payload: { providerAccountId: own.unipileAccount(), displayName: 'S' } })).json<{ id: string }>();
      const [b, c] = [await more(), await more()];
      for (const id of [b.id, c.id]) await own.call({ method: 'POST', url: `/api/campaigns/${seed.campaign.id}/senders`, payload: { accountId: id } });
      const url = (accountId: string, query = '') => `/api/campaigns/${seed.campaign.id}/senders/${accountId}${query}`;

      const bad = await own.call({ method: 'DELETE', url: url(b.id, '?stopContactedLeads=sometimes') });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error.code, 'validation_failed');
      const foreign = await own.call({ as: own.orgB, method: 'DELETE', url: url(b.id, '?stopContactedLeads=true') });
      assert.equal(foreign.json().error.code, 'campaign_not_found');
      assert.deepEqual(asked, [], 'refused requests ask nothing');

      const res = await own.call({ method: 'DELETE', url: url(b.id, '?stopContactedLeads=true') });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json().senderAccountIds, [seed.account.id, c.id]);
      assert.deepEqual(asked, [{ campaignId: seed.campaign.id, accountId: b.id }]);
      // Without the option a removed sender is gone from the pool's point of view.
      const again = await own.call({ method: 'DELETE', url: url(b.id) });
      assert.equal(again.statusCode, 404);
      assert.equal(again.json().error.code, 'campaign_sender_not_found');

      temporalDown = true;
      const down = await own.call({ method: 'DELETE', url: url(c.id, '?stopContactedLeads=true') });
      assert.equal(down.statusCode, 503, down.body);
      assert.equal(down.json().error.code, 'temporal_unavailable');
      assert.doesNotMatch(down.body, /ECONNREFUSED|7233/, 'the cause stays in the log');
      const rows = await own.db.selectFrom('campaign_senders').select(['account_id', 'removed_at']).where('campaign_id', '=', seed.campaign.id).execute();
      assert.ok(rows.find((r) => r.account_id === c.id)?.removed_at, 'the removal itself is kept');
      temporalDown = false;
      const retried = await own.call({ method: 'DELETE', url: url(c.id, '?stopContactedLeads=true') });
      assert.equal(retried.statusCode, 200, retried.body);
      assert.deepEqual(retried.json().senderAccountIds, [seed.account.id]);
      assert.deepEqual(asked.at(-1), { campaignId: seed.campaign.id, accountId: c.id });
      const never = await own.call({ method: 'DELETE', url: url('00000000-0000-4000-8000-000000000001', '?stopContactedLeads=true') });
      assert.equal(never.statusCode, 404, 'an account that never was a sender');
    } finally {
      await own.close();
    }
  });
});
