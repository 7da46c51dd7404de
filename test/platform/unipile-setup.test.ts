/**
 * Using a real Unipile: UNIPILE_DSN in both forms, the reachability probe behind /ready and the banner
 * (unreachable, token refused, https spoken to an http double), and webhook registration at start with
 * PUBLIC_BASE_URL (idempotent across starts; a webhook with another secret is replaced).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config';
import { startSandboxLinkedIn, type SandboxHandle } from '../../src/linkedin/sandbox/server';
import { UnipileClient } from '../../src/linkedin/unipile.client';
import { createUnipileProbe, probeUnipile } from '../../src/linkedin/unipile-probe';
import { startProduct } from '../../src/runtime/product';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { waitFor } from '../support/fixtures';
import { quietLogger } from '../support/stack';
import { TEMPORAL_ADDRESS, installTestRuntime } from '../support/temporal';

void describe('UNIPILE_DSN forms (config)', () => {
  const dsn = (value: string) => loadConfig({ UNIPILE_DSN: value, UNIPILE_ACCESS_TOKEN: 't' });
  void it('accepts host:port as Unipile issues it and a URL with scheme; refuses anything else with one clear message', () => {
    for (const ok of ['api8.unipile.com:13424', 'https://api8.unipile.com:13424', 'http://127.0.0.1:3100', 'http://localhost:3100/']) {
      assert.ok(dsn(ok).ok, ok);
    }
    for (const bad of ['ftp://api8.unipile.com:13424', 'api8.unipile.com:13424/api/v1', 'http://user@host:1']) {
      const r = dsn(bad);
      assert.ok(!r.ok && r.problems.some((p) => p.startsWith('UNIPILE_DSN: must be host:port as Unipile issues it')), bad);
    }
  });
  void it('the client speaks https to host:port and the given scheme otherwise', () => {
    assert.equal(new UnipileClient({ dsn: 'api8.unipile.com:13424', accessToken: 't' }).baseUrl, 'https://api8.unipile.com:13424');
    assert.equal(new UnipileClient({ dsn: 'http://127.0.0.1:3100/', accessToken: 't' }).baseUrl, 'http://127.0.0.1:3100');
  });
  void it('the sandbox knobs of the local runner: SANDBOX_ACCEPT_AFTER_MS (ms or never), SANDBOX_ACCEPT_PROBABILITY (0-1), SANDBOX_REPLY_AFTER_MS', () => {
    const r = loadConfig({ SANDBOX_ACCEPT_AFTER_MS: 'never', SANDBOX_ACCEPT_PROBABILITY: '0.3', SANDBOX_REPLY_AFTER_MS: '5000' });
    assert.ok(r.ok);
    assert.deepEqual(r.config.unipile.sandbox, { acceptAfterMs: null, acceptProbability: 0.3, replyAfterMs: 5000 });
    const d = loadConfig({});
    assert.ok(d.ok);
    assert.deepEqual(d.config.unipile.sandbox, { acceptAfterMs: 60_000, acceptProbability: 1, replyAfterMs: null });
    const bad = loadConfig({ SANDBOX_ACCEPT_AFTER_MS: 'soon', SANDBOX_ACCEPT_PROBABILITY: '2' });
    assert.ok(!bad.ok);
    assert.equal(bad.problems.length, 2, bad.problems.join('\n'));
  });
});

void describe('Unipile reachability probe', () => {
  let sb: SandboxHandle;
  let silent: Server;
  let silentPort: number;
  before(async () => {
    sb = await startSandboxLinkedIn({ accessToken: 'probe-token' });
    silent = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    silentPort = (silent.address() as { port: number }).port;
  });
  after(async () => {
    await sb.stop();
    silent.closeAllConnections();
    await new Promise((r) => silent.close(r));
  });
  const port = () => new URL(sb.url).port;

  void it('ok with the right token', async () => {
    assert.deepEqual(await probeUnipile(new UnipileClient({ dsn: sb.dsn, accessToken: 'probe-token' }), 10_000), { ok: true });
  });
  void it('a refused token is named as such (and the token is never in the answer)', async () => {
    const r = await probeUnipile(new UnipileClient({ dsn: sb.dsn, accessToken: 'wrong-secret-token' }), 10_000);
    assert.equal(r.ok, false);
    assert.match(r.detail!, /refused the access token \(401 missing_credentials\): check UNIPILE_ACCESS_TOKEN/);
    assert.doesNotMatch(r.detail!, /wrong-secret-token/);
  });
  void it('host:port (https) against an http double: unreachable, with the hint to write http://', async () => {
    const r = await probeUnipile(new UnipileClient({ dsn: `127.0.0.1:${port()}`, accessToken: 'probe-token' }), 10_000);
    assert.equal(r.ok, false);
    assert.match(r.detail!, new RegExp(`^Unipile unreachable at https://127\\.0\\.0\\.1:${port()}: .*UNIPILE_DSN=http://host:port`));
  });
  void it('nothing listening, or no answer in time: unreachable', async () => {
    const free = createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
    const closedPort = (free.address() as { port: number }).port;
    await new Promise((r) => free.close(r));
    const closed = await probeUnipile(new UnipileClient({ dsn: `http://127.0.0.1:${closedPort}`, accessToken: 't' }), 10_000);
    assert.equal(closed.detail, `Unipile unreachable at http://127.0.0.1:${closedPort}: network:ECONNREFUSED`);
    const started = Date.now();
    const hung = await probeUnipile(new UnipileClient({ dsn: `http://127.0.0.1:${silentPort}`, accessToken: 't' }), 300);
    assert.match(hung.detail!, /no answer within 300 ms/);
    assert.ok(Date.now() - started < 5_000);
  });
  void it('is cached: one call to Unipile for many probes within cacheMs', async () => {
    sb.clearCalls();
    const probe = createUnipileProbe(new UnipileClient({ dsn: sb.dsn, accessToken: 'probe-token' }), { cacheMs: 60_000, timeoutMs: 10_000 });
    const results = await Promise.all([probe(), probe(), probe()]);
    await probe();
    assert.deepEqual(results, [{ ok: true }, { ok: true }, { ok: true }]);
    assert.equal(sb.calls({ path: '/api/v1/accounts' }).length, 1);
  });
});

void describe('start with a real Unipile (an http double) and PUBLIC_BASE_URL', () => {
  let db: TestDatabase;
  let sb: SandboxHandle;
  before(async () => {
    installTestRuntime();
    db = await createTestDatabase();
    sb = await startSandboxLinkedIn({ accessToken: 'real-token' });
  });
  after(async () => {
    await sb?.stop();
    await db?.drop();
  });
  const start = (env: Record<string, string>) => {
    const r = loadConfig({
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS,
      UNIPILE_DSN: sb.url,
      UNIPILE_ACCESS_TOKEN: 'real-token',
      UNIPILE_WEBHOOK_SECRET: 'secret-one',
      PUBLIC_BASE_URL: 'https://outreach.example.com',
      PORT: '0',
      LOG_LEVEL: 'silent',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'clento-unipile-')),
      ...env,
    });
    assert.ok(r.ok, !r.ok ? r.problems.join('\n') : '');
    return startProduct(r.config, quietLogger, { api: true, worker: false, embedded: false });
  };
  const listed = async () =>
    (await new UnipileClient({ dsn: sb.dsn, accessToken: 'real-token' }).webhook.getAll()).items.map((w) => [
      w.source,
      w.request_url,
      (w.headers ?? []).find((h) => h.key === 'Unipile-Auth')?.value,
    ]);

  void it('registers the three webhooks once: a second start finds them; a new secret replaces them', async () => {
    const first = await start({});
    try {
      assert.deepEqual(first.webhookRegistration, { url: 'https://outreach.example.com/api/webhooks/unipile', created: 3, existing: 0 });
      // A loaded machine may miss the 1.5 s once; a failure is cached 5 s only, so /ready turns ready.
      const ready = await waitFor('ready', async () => {
        const res = await fetch(`${first.apiUrl}/ready`);
        return res.status === 200 ? ((await res.json()) as { checks: Record<string, unknown> }) : null;
      }, 90_000);
      assert.deepEqual(ready.checks.unipile, { ok: true });
    } finally {
      await first.stop();
    }
    const second = await start({});
    await second.stop();
    assert.deepEqual(second.webhookRegistration, { url: 'https://outreach.example.com/api/webhooks/unipile', created: 0, existing: 3 });
    assert.equal((await listed()).length, 3);
    const third = await start({ UNIPILE_WEBHOOK_SECRET: 'secret-two' });
    await third.stop();
    assert.deepEqual(third.webhookRegistration, { url: 'https://outreach.example.com/api/webhooks/unipile', created: 3, existing: 0 });
    assert.deepEqual((await listed()).sort(), [
      ['account_status', 'https://outreach.example.com/api/webhooks/unipile', 'secret-two'],
      ['messaging', 'https://outreach.example.com/api/webhooks/unipile', 'secret-two'],
      ['users', 'https://outreach.example.com/api/webhooks/unipile', 'secret-two'],
    ]);
  });

  void it('/ready says when the token is refused, and the product still starts (webhooks: why not registered)', async () => {
    const p = await start({ UNIPILE_ACCESS_TOKEN: 'revoked-token' });
    try {
      assert.ok(p.webhookRegistration && 'error' in p.webhookRegistration && /401 missing_credentials/.test(p.webhookRegistration.error));
      const res = await fetch(`${p.apiUrl}/ready`);
      assert.equal(res.status, 503);
      const body = (await res.json()) as { checks: { unipile: { ok: boolean; detail: string } } };
      assert.equal(body.checks.unipile.ok, false);
      assert.match(body.checks.unipile.detail, /refused the access token/);
      assert.doesNotMatch(JSON.stringify(body), /revoked-token/);
    } finally {
      await p.stop();
    }
  });
});
