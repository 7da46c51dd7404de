// GET /metrics on the API: the token rule, route patterns (never raw URLs) as labels, gauges read at scrape time.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseMetrics, sample } from '../support/metrics';
import { startTestApi, type TestApi } from './support';

describe('GET /metrics', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi({ metricsToken: 'scrape-secret-123' });
  });
  after(async () => {
    await api?.close();
  });

  it('needs the METRICS_TOKEN as a bearer token when one is set (an API key is not it)', async () => {
    const none = await api.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(none.statusCode, 401);
    assert.equal(none.json().error.code, 'unauthorized');
    const apiKey = await api.call({ method: 'GET', url: '/metrics' });
    assert.equal(apiKey.statusCode, 401);
    const ok = await api.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer scrape-secret-123' } });
    assert.equal(ok.statusCode, 200);
    assert.match(ok.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/);
  });

  it('labels requests by route pattern and status, and reads leads and accounts at scrape time', async () => {
    const id = '11111111-2222-4333-8444-555555555555';
    assert.equal((await api.call({ method: 'GET', url: `/api/campaigns/${id}` })).statusCode, 404);
    assert.equal((await api.call({ method: 'GET', url: `/no/such/${id}` })).statusCode, 404);
    await api.db.insertInto('connected_accounts').values({ organization_id: api.orgA.organizationId, provider_account_id: 'acc-x', status: 'disconnected', capabilities: '{}' }).execute();
    const res = await api.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer scrape-secret-123' } });
    const m = parseMetrics(res.body);
    assert.equal(sample(m, 'clento_http_requests_total', { method: 'GET', route: '/api/campaigns/:id', status: '404' }), 1);
    assert.equal(sample(m, 'clento_http_requests_total', { route: 'unmatched', status: '404' }), 1);
    assert.ok(!res.body.includes(id), 'no raw URL or id in any label');
    assert.equal(sample(m, 'clento_connected_accounts', { status: 'disconnected' }), 1);
    assert.equal(sample(m, 'clento_unipile_webhook_events_pending'), 0);
  });
});
