import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { startTestApi, type TestApi } from './support';

/**
 * Issue 8, security 4: rate limits per API key (per IP without one), 429 with Retry-After in the
 * error shape, counted in Postgres so that every API process shares them: two app instances on
 * one database here.
 */
void describe('rate limits', () => {
  const limits = { authenticatedPerMinute: 5, unauthenticatedPerMinute: 3 };
  let one: TestApi;
  let two: TestApi;
  before(async () => {
    one = await startTestApi({ rateLimits: limits });
    two = await startTestApi({ rateLimits: limits }, { database: one.database });
  });
  after(async () => {
    await two.close();
    await one.close();
  });

  const assertLimited = (res: LightMyRequestResponse, limit: number) => {
    assert.equal(res.statusCode, 429);
    const retryAfter = Number(res.headers['retry-after']);
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${res.headers['retry-after']}`);
    const { error } = res.json();
    assert.equal(error.code, 'rate_limited');
    assert.equal(typeof error.message, 'string');
    assert.deepEqual(error.details, { limit, retryAfterSeconds: retryAfter });
  };

  void it('per API key, shared by both instances: the 6th request in a minute answers 429 with Retry-After, whichever instance gets it', async () => {
    const key = one.orgA;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await (i % 2 ? two : one).call({ as: key, method: 'GET', url: '/api/accounts' })).statusCode);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200]);
    assertLimited(await two.call({ as: key, method: 'GET', url: '/api/accounts' }), 5);
    assertLimited(await one.call({ as: key, method: 'GET', url: '/api/lead-lists' }), 5);
    // Another key has its own budget.
    assert.equal((await two.call({ as: one.orgB, method: 'GET', url: '/api/accounts' })).statusCode, 200);
    const row = await one.db.selectFrom('api_rate_limits').selectAll().where('bucket', 'like', 'key:%').orderBy('hits', 'desc').executeTakeFirstOrThrow();
    assert.equal(row.hits, 7, 'one counter for the key, fed by both instances');
  });

  void it('without a valid key, per IP: refused keys count too (key guessing is limited); the 4th answers 429', async () => {
    const bad = { authorization: 'Bearer clk_' + 'x'.repeat(43) };
    const statuses = [];
    statuses.push((await one.app.inject({ method: 'GET', url: '/api/accounts', headers: bad })).statusCode);
    statuses.push((await two.app.inject({ method: 'GET', url: '/api/accounts' })).statusCode);
    statuses.push((await one.app.inject({ method: 'GET', url: '/docs/json' })).statusCode);
    assert.deepEqual(statuses, [401, 401, 200]);
    assertLimited(await two.app.inject({ method: 'GET', url: '/api/accounts', headers: bad }), 3);
    assertLimited(await one.app.inject({ method: 'GET', url: '/docs/json' }), 3);
    // A valid key is counted on its own bucket, not the IP's.
    assert.equal((await one.call({ as: two.orgA, method: 'GET', url: '/api/accounts' })).statusCode, 200);
  });

  void it('provider webhooks and the probes are exempt (the IP is over its limit here); webhook bodies are bounded by size', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await one.app.inject({ method: 'POST', url: '/api/webhooks/unipile/hosted-auth', payload: { status: 'CREATION_SUCCESS', account_id: 'a', name: 'forged' } });
      assert.equal(res.statusCode, 401, 'refused for its token, never 429');
      assert.equal((await two.app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
    }
    const huge = await one.app.inject({
      method: 'POST',
      url: '/api/webhooks/unipile/hosted-auth',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ status: 'x', account_id: 'a', name: 'n', pad: 'x'.repeat(2 * 1024 * 1024) }),
    });
    assert.equal(huge.statusCode, 413);
    assert.equal(huge.json().error.code, 'payload_too_large');
  });
});
