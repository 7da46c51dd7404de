import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApi, tableCounts, type TestApi } from './support';

/** Issue 8, security 2: endpoint URLs that point into our own network are refused when created. */
void describe('webhook endpoints: SSRF', () => {
  let strict: TestApi;
  let local: TestApi;
  before(async () => {
    strict = await startTestApi();
    local = await startTestApi({ webhookDestinations: { allowHttp: true, allowedHosts: ['127.0.0.1', 'receiver.internal'] } });
  });
  after(async () => {
    await strict.close();
    await local.close();
  });

  const create = (api: TestApi, url: string) => api.call({ method: 'POST', url: '/api/webhook-endpoints', payload: { url } });

  void it('refuses loopback, private, link-local, multicast, unspecified and IPv6 equivalents, in any IPv4 spelling (400 webhook_url_not_allowed)', async () => {
    const before = await tableCounts(strict.db);
    for (const url of [
      'https://127.0.0.1/hook',
      'https://127.1/hook',
      'https://0x7f000001/hook',
      'https://0x7f.0.0.1/hook',
      'https://2130706433/hook',
      'https://0177.0.0.1/hook',
      'https://localhost:8443/hook',
      'https://api.localhost/hook',
      'https://169.254.169.254/latest/meta-data/',
      'https://0xa9fea9fe/',
      'https://10.1.2.3/hook',
      'https://172.16.0.1/hook',
      'https://192.168.1.1/hook',
      'https://100.64.0.1/hook',
      'https://0.0.0.0/hook',
      'https://0/hook',
      'https://224.0.0.1/hook',
      'https://255.255.255.255/hook',
      'https://[::1]/hook',
      'https://[::]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://[::ffff:a9fe:a9fe]/hook',
      'https://[0:0:0:0:0:ffff:7f00:1]/hook',
      'https://[fe80::1]/hook',
      'https://[fd00::1]/hook',
      'https://[ff02::1]/hook',
    ]) {
      const res = await create(strict, url);
      assert.equal(res.statusCode, 400, url);
      assert.deepEqual([res.json().error.code, res.json().error.details.reason], ['webhook_url_not_allowed', 'blocked_address'], url);
    }
    assert.deepEqual(await tableCounts(strict.db), before);
  });

  void it('plain http is refused unless WEBHOOK_ALLOW_HTTP; public https hosts are accepted', async () => {
    const http = await create(strict, 'http://hooks.example.com/x');
    assert.equal(http.statusCode, 400);
    assert.deepEqual([http.json().error.code, http.json().error.details.reason], ['webhook_url_not_allowed', 'scheme']);
    assert.equal((await create(strict, 'https://hooks.example.com/x?token=abc')).statusCode, 201);
    assert.equal((await create(strict, 'https://8.8.8.8/x')).statusCode, 201);
    assert.equal((await create(strict, 'https://[2606:4700:4700::1111]/x')).statusCode, 201);
    assert.equal((await create(local, 'http://hooks.example.com/x')).statusCode, 201);
  });

  void it('the allow-list (WEBHOOK_ALLOWED_HOSTS) lets named hosts through, and only those', async () => {
    assert.equal((await create(local, 'http://127.0.0.1:4000/hook')).statusCode, 201);
    assert.equal((await create(local, 'https://receiver.internal/hook')).statusCode, 201);
    const other = await create(local, 'http://127.0.0.2:4000/hook');
    assert.equal(other.statusCode, 400);
    assert.equal(other.json().error.code, 'webhook_url_not_allowed');
    assert.equal((await create(local, 'http://[::1]:4000/hook')).statusCode, 400);
  });
});
