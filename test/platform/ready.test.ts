import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { readinessOf } from '../../src/api/readiness';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/logger';
import { startProduct, type RunningProduct } from '../../src/runtime/product';
import { findTemporalCli } from '../../src/temporal/binaries';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { installTestRuntime } from '../support/temporal';

/** Issue 8 item 16: /ready answers within 2 s when a dependency is down, and names it. */

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

void describe('readiness checks', () => {
  void it('run in parallel, each bounded by its own timeout, and say which one failed', async () => {
    const never = () => new Promise<never>(() => undefined);
    const readiness = readinessOf(
      { database: () => Promise.resolve({ ok: true }), temporal: never, unipile: never, broken: () => Promise.reject(new Error('x')) },
      300,
    );
    const started = performance.now();
    const report = await readiness();
    const took = performance.now() - started;
    assert.ok(took < 550, `two hanging checks of 300 ms each took ${took.toFixed(0)} ms together`);
    assert.deepEqual(report, {
      ready: false,
      checks: {
        database: { ok: true },
        temporal: { ok: false, detail: 'temporal did not answer within 300 ms' },
        unipile: { ok: false, detail: 'unipile did not answer within 300 ms' },
        broken: { ok: false, detail: 'broken check failed' },
      },
    });
  });
});

void describe('GET /ready of the product with Temporal down', () => {
  let db: TestDatabase;
  let devServer: DevServer;
  let product: RunningProduct;

  before(async () => {
    installTestRuntime();
    db = await createTestDatabase();
    const cliPath = findTemporalCli();
    assert.ok(cliPath, 'the temporal CLI (scripts/setup.sh)');
    devServer = await startDevServer({ cliPath, namespace: 'default', port: await freePort(), headless: true });
    const loaded = loadConfig({
      PORT: '0',
      LOG_LEVEL: 'silent',
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: devServer.address,
      TEMPORAL_WORKER_ENABLED: 'false',
    });
    assert.ok(loaded.ok, JSON.stringify(loaded));
    product = await startProduct(loaded.config, createLogger({ level: 'silent' }), { api: true, worker: false, embedded: false });
  });
  after(async () => {
    await product?.stop();
    await devServer?.stop();
    await db?.drop();
  });

  void it('answers 200 while everything is up, then 503 within 2 s naming temporal once it is stopped', async () => {
    const up = await fetch(`${product.apiUrl}/ready`);
    assert.equal(up.status, 200, await up.clone().text());
    const body = (await up.json()) as { status: string; checks: unknown; backlog?: unknown };
    assert.deepEqual({ status: body.status, checks: body.checks }, { status: 'ready', checks: { database: { ok: true }, temporal: { ok: true } } });
    // Nothing owed to the outside world: no stored webhook waits, no control signal is undelivered.
    assert.deepEqual(body.backlog, { unipileEvents: { pending: 0, oldestAgeSeconds: null }, campaignControl: { pending: 0, oldestAgeSeconds: null } });

    await devServer.stop();
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const started = performance.now();
      const down = await fetch(`${product.apiUrl}/ready`);
      const took = performance.now() - started;
      const body = (await down.json()) as { status: string; checks: Record<string, { ok: boolean; detail?: string }> };
      assert.equal(down.status, 503, JSON.stringify(body));
      console.log(`/ready with Temporal down: ${down.status} in ${took.toFixed(0)} ms: ${JSON.stringify(body.checks)}`);
      assert.ok(took < 2_000, `/ready took ${took.toFixed(0)} ms with Temporal down`);
      assert.equal(body.status, 'not_ready');
      assert.deepEqual(body.checks.database, { ok: true });
      assert.equal(body.checks.temporal?.ok, false);
      assert.match(body.checks.temporal?.detail ?? '', /temporal/);
    }
  });
});
