import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashApiKey } from '../../src/services/organizations';
import { startTestApi, type Org, type TestApi } from './support';

/** Issue 8, security 3: API keys through the API (admin scope), expiry, last_used_at, instant revocation. */
void describe('API keys', () => {
  let api: TestApi;
  before(async () => (api = await startTestApi()));
  after(() => api.close());

  const as = (apiKey: string): Org => ({ organizationId: api.orgA.organizationId, apiKey, headers: { authorization: `Bearer ${apiKey}` } });
  const create = (payload: Record<string, unknown>, by: Org = api.orgA) => api.call({ as: by, method: 'POST', url: '/api/api-keys', payload });
  const status = async (key: string) => (await api.call({ as: as(key), method: 'GET', url: '/api/accounts' })).statusCode;

  void it("the organization's first key is admin; it lists keys without their secrets", async () => {
    const res = await api.call({ method: 'GET', url: '/api/api-keys' });
    assert.equal(res.statusCode, 200);
    const [first] = res.json().items;
    assert.deepEqual([first.name, first.scopes, first.status, first.keyPrefix], ['default', ['admin'], 'active', api.orgA.apiKey.slice(0, 12)]);
    assert.ok(!res.body.includes(api.orgA.apiKey.slice(12)), 'no secret in the listing');
    assert.ok(!('apiKey' in first) && !('keyHash' in first));
  });

  void it('create: the secret is shown once and only its hash is stored; a non-admin key works but cannot manage keys (403 admin_scope_required)', async () => {
    const res = await create({ name: 'ci' });
    assert.equal(res.statusCode, 201);
    const key = res.json();
    assert.match(key.apiKey, /^clk_[0-9A-Za-z]{43}$/);
    assert.deepEqual([key.name, key.scopes, key.status, key.expiresAt], ['ci', [], 'active', null]);
    const row = await api.db.selectFrom('api_keys').selectAll().where('id', '=', key.id).executeTakeFirstOrThrow();
    assert.equal(row.key_hash, hashApiKey(key.apiKey));
    assert.ok(!JSON.stringify(row).includes(key.apiKey.slice(12)), 'the secret is not stored');
    const listed = (await api.call({ method: 'GET', url: '/api/api-keys' })).body;
    assert.ok(listed.includes(key.id) && !listed.includes(key.apiKey.slice(12)));

    assert.equal(await status(key.apiKey), 200);
    for (const [method, url, payload] of [
      ['GET', '/api/api-keys', undefined],
      ['POST', '/api/api-keys', { name: 'escalate', scopes: ['admin'] }],
      ['POST', `/api/api-keys/${key.id}/rotate`, undefined],
      ['DELETE', `/api/api-keys/${key.id}`, undefined],
    ] as const) {
      const refused = await api.call({ as: as(key.apiKey), method, url, payload });
      assert.equal(refused.statusCode, 403, `${method} ${url}`);
      assert.equal(refused.json().error.code, 'admin_scope_required');
    }
    assert.equal(await status(key.apiKey), 200, 'its refused attempts did not revoke it');
  });

  void it('revoke: the key answers 401 from the very next request; another organization cannot revoke it (404)', async () => {
    const key = (await create({ name: 'to-revoke', scopes: ['admin'] })).json();
    assert.equal(await status(key.apiKey), 200);
    const foreign = await api.call({ as: api.orgB, method: 'DELETE', url: `/api/api-keys/${key.id}` });
    assert.equal(foreign.statusCode, 404);
    assert.equal(foreign.json().error.code, 'api_key_not_found');
    assert.equal(await status(key.apiKey), 200);
    assert.equal((await api.call({ method: 'DELETE', url: `/api/api-keys/${key.id}` })).statusCode, 204);
    const after = await api.call({ as: as(key.apiKey), method: 'GET', url: '/api/accounts' });
    assert.equal(after.statusCode, 401);
    assert.equal(after.json().error.code, 'unauthorized');
    assert.equal((await api.call({ method: 'DELETE', url: `/api/api-keys/${key.id}` })).statusCode, 404, 'already revoked');
    const listed = (await api.call({ method: 'GET', url: '/api/api-keys' })).json().items.find((k: { id: string }) => k.id === key.id);
    assert.equal(listed.status, 'revoked');
  });

  void it('rotate: a new secret with the same name, scopes and expiry; the old one is dead at once', async () => {
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const old = (await create({ name: 'rotating', expiresAt })).json();
    const res = await api.call({ method: 'POST', url: `/api/api-keys/${old.id}/rotate` });
    assert.equal(res.statusCode, 201);
    const fresh = res.json();
    assert.notEqual(fresh.id, old.id);
    assert.notEqual(fresh.apiKey, old.apiKey);
    assert.deepEqual([fresh.name, fresh.scopes, fresh.expiresAt], ['rotating', [], expiresAt]);
    assert.equal(await status(old.apiKey), 401);
    assert.equal(await status(fresh.apiKey), 200);
    assert.equal((await api.call({ method: 'POST', url: `/api/api-keys/${old.id}/rotate` })).statusCode, 404, 'a revoked key cannot be rotated');
  });

  void it('expiry: an expiresAt in the past is refused (400 invalid_expiry); an expired key answers 401 at once', async () => {
    const past = await create({ name: 'late', expiresAt: new Date(Date.now() - 1000).toISOString() });
    assert.equal(past.statusCode, 400);
    assert.equal(past.json().error.code, 'invalid_expiry');
    const key = (await create({ name: 'short-lived', expiresAt: new Date(Date.now() + 60_000).toISOString() })).json();
    assert.equal(await status(key.apiKey), 200);
    // The clock moves on: the key's expiry passes.
    await api.db.updateTable('api_keys').set({ expires_at: new Date(Date.now() - 1) }).where('id', '=', key.id).execute();
    assert.equal(await status(key.apiKey), 401);
    const listed = (await api.call({ method: 'GET', url: '/api/api-keys' })).json().items.find((k: { id: string }) => k.id === key.id);
    assert.equal(listed.status, 'expired');
  });

  void it('last_used_at: set on use, written at most once a minute per key', async () => {
    const key = (await create({ name: 'usage' })).json();
    assert.equal(key.lastUsedAt, null);
    const lastUsed = async () => (await api.db.selectFrom('api_keys').select('last_used_at').where('id', '=', key.id).executeTakeFirstOrThrow()).last_used_at;
    assert.equal(await lastUsed(), null);
    await status(key.apiKey);
    const first = await lastUsed();
    assert.ok(first && Math.abs(first.getTime() - Date.now()) < 60_000);
    for (let i = 0; i < 5; i++) await status(key.apiKey);
    assert.deepEqual(await lastUsed(), first, 'not rewritten within the minute');
    // A minute later the next use moves it.
    await api.db.updateTable('api_keys').set({ last_used_at: new Date(Date.now() - 61_000) }).where('id', '=', key.id).execute();
    await status(key.apiKey);
    assert.ok((await lastUsed())!.getTime() > Date.now() - 30_000);
    const listed = (await api.call({ method: 'GET', url: '/api/api-keys' })).json().items.find((k: { id: string }) => k.id === key.id);
    assert.ok(listed.lastUsedAt);
  });

  void it('bad input: unknown scope and unknown body fields are 400 validation_failed', async () => {
    for (const payload of [{ name: 'x', scopes: ['root'] }, { name: 'x', secret: 'mine' }, { scopes: [] }]) {
      const res = await create(payload);
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.equal(res.json().error.code, 'validation_failed');
    }
  });
});
