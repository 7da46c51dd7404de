import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApiKey, revokeApiKey } from '../../src/services/organizations';
import { seedCampaign, startTestApi, tableCounts, type TestApi } from './support';

const MISSING = '00000000-0000-4000-8000-000000000000';

void describe('auth and tenancy', () => {
  let api: TestApi;
  let b: Awaited<ReturnType<typeof seedCampaign>>;
  let bLeadId: string;
  let bWebhookId: string;

  before(async () => {
    api = await startTestApi();
    b = await seedCampaign(api, api.orgB);
    bLeadId = (await api.call({ as: api.orgB, method: 'GET', url: `/api/lead-lists/${b.list.id}/leads` })).json().items[0].id;
    bWebhookId = (await api.call({ as: api.orgB, method: 'POST', url: '/api/webhook-endpoints', payload: { url: 'https://hooks.example.com/b' } })).json().id;
    await api.db
      .insertInto('campaign_executions')
      .values({ campaign_id: b.campaign.id, lead_id: bLeadId, status: 'completed', execution_data: '{}' })
      .execute();
  });
  after(() => api.close());

  void it('answers 401 unauthorized without a key, with a malformed header, an unknown key or a revoked key', async () => {
    const noKey = await api.app.inject({ method: 'GET', url: '/api/lead-lists' });
    assert.equal(noKey.statusCode, 401);
    assert.equal(noKey.json().error.code, 'unauthorized');

    for (const authorization of ['Basic abc', `Token ${api.orgA.apiKey}`, 'Bearer', 'Bearer clk_short', `Bearer ${api.orgA.apiKey.slice(0, -1)}X`]) {
      const res = await api.app.inject({ method: 'GET', url: '/api/lead-lists', headers: { authorization } });
      assert.equal(res.statusCode, 401, authorization);
      assert.equal(res.json().error.code, 'unauthorized');
    }

    const extra = await createApiKey(api.db, api.orgA.organizationId, 'temporary');
    const headers = { authorization: `Bearer ${extra.apiKey}` };
    assert.equal((await api.app.inject({ method: 'GET', url: '/api/lead-lists', headers })).statusCode, 200);
    assert.equal(extra.keyPrefix, extra.apiKey.slice(0, 12));
    assert.equal(await revokeApiKey(api.db, api.orgA.organizationId, extra.id), true);
    const revoked = await api.app.inject({ method: 'GET', url: '/api/lead-lists', headers });
    assert.equal(revoked.statusCode, 401);
    assert.equal(revoked.json().error.code, 'unauthorized');
    const stored = await api.db.selectFrom('api_keys').select(['key_hash', 'key_prefix']).where('id', '=', extra.id).executeTakeFirstOrThrow();
    assert.notEqual(stored.key_hash, extra.apiKey, 'only a hash is stored');
    assert.match(stored.key_hash, /^[0-9a-f]{64}$/);
  });

  void it('keys look like clk_<base62> and each is different', async () => {
    const one = await createApiKey(api.db, api.orgA.organizationId, 'x');
    const two = await createApiKey(api.db, api.orgA.organizationId, 'y');
    assert.match(one.apiKey, /^clk_[0-9A-Za-z]{43}$/);
    assert.notEqual(one.apiKey, two.apiKey);
  });

  void it("another organization's ids answer exactly like missing ids, for every resource kind", async () => {
    const before = await tableCounts(api.db);
    const probes: Array<{ method: 'GET' | 'PATCH' | 'DELETE' | 'POST'; url: (id: string) => string; id: string; payload?: unknown }> = [
      { method: 'GET', url: (id) => `/api/accounts/${id}`, id: b.account.id },
      { method: 'PATCH', url: (id) => `/api/accounts/${id}`, id: b.account.id, payload: { displayName: 'hijack' } },
      { method: 'DELETE', url: (id) => `/api/accounts/${id}`, id: b.account.id },
      { method: 'GET', url: (id) => `/api/webhook-endpoints/${id}`, id: bWebhookId },
      { method: 'DELETE', url: (id) => `/api/webhook-endpoints/${id}`, id: bWebhookId },
      { method: 'GET', url: (id) => `/api/lead-lists/${id}`, id: b.list.id },
      { method: 'PATCH', url: (id) => `/api/lead-lists/${id}`, id: b.list.id, payload: { name: 'hijack' } },
      { method: 'DELETE', url: (id) => `/api/lead-lists/${id}`, id: b.list.id },
      { method: 'GET', url: (id) => `/api/lead-lists/${id}/leads`, id: b.list.id },
      { method: 'POST', url: (id) => `/api/lead-lists/${id}/leads`, id: b.list.id, payload: [{ linkedin_url: 'linkedin.com/in/intruder' }] },
      { method: 'GET', url: (id) => `/api/leads/${id}`, id: bLeadId },
      { method: 'DELETE', url: (id) => `/api/leads/${id}`, id: bLeadId },
      { method: 'GET', url: (id) => `/api/campaigns/${id}`, id: b.campaign.id },
      { method: 'PATCH', url: (id) => `/api/campaigns/${id}`, id: b.campaign.id, payload: { name: 'hijack' } },
      { method: 'DELETE', url: (id) => `/api/campaigns/${id}`, id: b.campaign.id },
      { method: 'GET', url: (id) => `/api/campaigns/${id}/executions`, id: b.campaign.id },
      { method: 'GET', url: (id) => `/api/campaigns/${id}/executions/${bLeadId}`, id: b.campaign.id },
    ];
    for (const probe of probes) {
      const foreign = await api.call({ method: probe.method, url: probe.url(probe.id), payload: probe.payload as object });
      const missing = await api.call({ method: probe.method, url: probe.url(MISSING), payload: probe.payload as object });
      const label = `${probe.method} ${probe.url(':id')}`;
      assert.equal(foreign.statusCode, 404, label);
      assert.equal(missing.statusCode, 404, label);
      assert.deepEqual(foreign.json().error.code, missing.json().error.code, label);
      assert.equal(foreign.json().error.message.replace(probe.id, MISSING), missing.json().error.message, label);
    }
    assert.deepEqual(await tableCounts(api.db), before, 'nothing of org B changed');
    const campaign = (await api.call({ as: api.orgB, method: 'GET', url: `/api/campaigns/${b.campaign.id}` })).json();
    assert.equal(campaign.name, 'Campaign');
  });

  void it("a campaign cannot point at another organization's lead list or account", async () => {
    const a = await seedCampaign(api, api.orgA);
    const before = await tableCounts(api.db);
    const base = { name: 'X', workflowDefinition: { nodes: [{ id: 'n' }], edges: [] } };
    let res = await api.call({ method: 'POST', url: '/api/campaigns', payload: { ...base, leadListId: b.list.id, senderAccountId: a.account.id } });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'lead_list_not_found');
    res = await api.call({ method: 'POST', url: '/api/campaigns', payload: { ...base, leadListId: a.list.id, senderAccountId: b.account.id } });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'account_not_found');
    res = await api.call({ method: 'PATCH', url: `/api/campaigns/${a.campaign.id}`, payload: { leadListId: b.list.id } });
    assert.equal(res.statusCode, 404);
    assert.deepEqual(await tableCounts(api.db), before);
  });

  void it('campaign start with another organizationId answers 403 organization_mismatch and never reaches the engine', async () => {
    api.control.calls = [];
    const res = await api.call({ method: 'POST', url: '/api/campaigns/start', payload: { campaignId: b.campaign.id, organizationId: api.orgB.organizationId } });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'organization_mismatch');
    assert.equal(api.control.calls.length, 0);
  });

  void it('control calls carry the key organization, never one from the body', async () => {
    api.control.calls = [];
    await api.call({ method: 'POST', url: '/api/campaigns/pause', payload: { campaignId: b.campaign.id } });
    await api.call({ method: 'GET', url: `/api/campaigns/status?campaignId=${b.campaign.id}` });
    assert.deepEqual(
      api.control.calls.map((c) => (c.input as { organizationId: string }).organizationId),
      [api.orgA.organizationId, api.orgA.organizationId],
    );
  });
});
