// The production build as an operator runs it: `npm run build`, then plain `node dist/api.js` and
// `node dist/worker.js` (no tsx) against the suite's Temporal dev server and a PostgreSQL database;
// `node dist/cli.js create-org` makes the organization. A small campaign must complete through the
// compiled worker (which loads the prebuilt workflow bundle), and both processes' /metrics must move.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startSandboxLinkedIn, type SandboxHandle } from '../../src/linkedin/sandbox/server';
import pg from 'pg';
import { ADMIN_URL } from '../support/database';
import { quickDefinition, waitFor } from '../support/fixtures';
import { TEMPORAL_ADDRESS } from '../support/temporal';
import { killAllWorkers, spawnWorker, type WorkerProcess } from '../support/worker-process';
import { metricFamilies, parseMetrics, sample } from '../support/metrics';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LEADS = 4;

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

describe('production build: npm run build, then node dist/*.js', () => {
  const out = join(ROOT, process.env.TEST_DATA_DIR ?? '.data/test', `dist-${randomBytes(4).toString('hex')}`);
  const dbName = `clento_build_${randomBytes(6).toString('hex')}`;
  const dbUrl = ADMIN_URL.replace(/\/[^/?]+(\?|$)/, `/${dbName}$1`);
  let sandbox: SandboxHandle;
  let api: WorkerProcess;
  let worker: WorkerProcess;
  let base: string;
  let workerMetrics: string;
  let apiKey: string;
  let organizationId: string;
  let buildMs: number;

  before(async () => {
    const started = Date.now();
    await run('npm', ['run', 'build', '--', out], { cwd: ROOT });
    buildMs = Date.now() - started;
    // An empty database: the compiled API must create the schema with the compiled migrations.
    await admin(`create database ${dbName}`);
    sandbox = await startSandboxLinkedIn({ host: '127.0.0.1', port: 0, dailyInvitationLimit: 1_000_000 });
    const [apiPort, metricsPort] = [await freePort(), await freePort()];
    base = `http://127.0.0.1:${apiPort}`;
    workerMetrics = `http://127.0.0.1:${metricsPort}/metrics`;
    // Only what a deployment sets: no TEST_* variable, no TEMPORAL_WORKFLOW_BUNDLE (the build's own bundle is used).
    const env = {
      DATABASE_URL: dbUrl,
      TEMPORAL_ADDRESS,
      TEMPORAL_TASK_QUEUE: `build-${randomBytes(4).toString('hex')}`,
      UNIPILE_DSN: sandbox.dsn,
      UNIPILE_ACCESS_TOKEN: sandbox.accessToken,
      TEMPORAL_WORKFLOW_BUNDLE: undefined,
    };
    // The API first: it migrates the empty database, the worker then finds it up to date.
    api = spawnWorker({ name: 'api', args: [join(out, 'api.js')], readyMessage: 'api listening', env: { ...env, PORT: String(apiPort), TEMPORAL_WORKER_ENABLED: 'false' } });
    await api.ready;
    worker = spawnWorker({ name: 'worker', args: [join(out, 'worker.js')], env: { ...env, METRICS_PORT: String(metricsPort) } });
    await worker.ready;
    const { stdout } = await run(process.execPath, [join(out, 'cli.js'), 'create-org', 'Build Test'], { cwd: ROOT, env: { PATH: process.env.PATH, DATABASE_URL: dbUrl } });
    ({ apiKey, organizationId } = JSON.parse(stdout) as { apiKey: string; organizationId: string });
  });

  after(async () => {
    await killAllWorkers();
    await sandbox?.stop();
    await admin(`drop database if exists ${dbName} with (force)`);
    rmSync(out, { recursive: true, force: true });
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as any;
    assert.ok(res.status < 300, `${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  /** Every scrape's text, for the dashboard check: the names the app exports. */
  const scraped: string[] = [];
  const scrape = async (url: string) => {
    const res = await fetch(url);
    assert.equal(res.status, 200, `${url} → ${res.status}`);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await res.text();
    scraped.push(text);
    return parseMetrics(text);
  };

  it('compiles to JavaScript with the migrations and the workflow bundle; no TypeScript is run', () => {
    for (const f of ['api.js', 'worker.js', 'cli.js', 'workflow-bundle.js']) assert.ok(existsSync(join(out, f)), `${f} built`);
    const migrations = readdirSync(join(out, 'migrations'));
    assert.deepEqual(
      migrations.map((f) => f.replace(/\.js$/, '')),
      readdirSync(join(ROOT, 'src/db/migrations')).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, '')).sort(),
    );
    assert.ok(api.output().includes('"database migrated"'), 'the compiled API applied the compiled migrations');
    console.log(`build took ${buildMs} ms`);
  });

  it('serves /health and /ready (database and Temporal)', async () => {
    const health = await fetch(`${base}/health`);
    assert.equal(health.status, 200);
    const ready = (await (await fetch(`${base}/ready`)).json()) as any;
    assert.equal(ready.status, 'ready');
    assert.equal(ready.checks.database.ok, true);
    assert.equal(ready.checks.temporal.ok, true);
  });

  it('runs a campaign to completion on the compiled worker, and the metrics of both processes move with it', async () => {
    const before = { api: await scrape(`${base}/metrics`), worker: await scrape(workerMetrics) };
    const visitsBefore = sample(before.worker, 'clento_linkedin_actions_total', { kind: 'profile_visit', outcome: 'done' }) ?? 0;
    assert.equal(visitsBefore, 0);

    const account = await call('POST', '/api/accounts', { providerAccountId: sandbox.control.createAccount({ name: 'Sender' }).id, displayName: 'Sender' });
    await call('PATCH', `/api/accounts/${account.id}/settings`, {
      workingHours: { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' },
      minGapSeconds: 0,
      jitterSeconds: 0,
      warmup: { days: 0, startPercent: 100 },
      safety: { spreadOverWindow: false },
    });
    const list = await call('POST', '/api/lead-lists', { name: 'Build test' });
    await call('POST', `/api/lead-lists/${list.id}/leads`, {
      leads: Array.from({ length: LEADS }, (_, i) => ({ linkedin_url: `https://www.linkedin.com/in/build-lead-${i}/`, first_name: `Lead${i}` })),
    });
    const campaign = await call('POST', '/api/campaigns', { name: 'Build', leadListId: list.id, senderAccountId: account.id, workflowDefinition: quickDefinition() });
    await call('POST', '/api/campaigns/start', { campaignId: campaign.id, organizationId });
    const status = await waitFor(
      'campaign completed',
      async () => {
        const s = await call('GET', `/api/campaigns/status?campaignId=${campaign.id}`);
        return s.status === 'completed' ? s : null;
      },
      120_000,
      500,
    );
    assert.equal(status.successfulLeads, LEADS);

    const afterWorker = await scrape(workerMetrics);
    assert.equal(sample(afterWorker, 'clento_linkedin_actions_total', { kind: 'profile_visit', outcome: 'done' }), LEADS);
    assert.equal(sample(afterWorker, 'clento_linkedin_actions_total', { kind: 'send_connection_request', outcome: 'done' }), LEADS);
    assert.ok((sample(afterWorker, 'clento_unipile_requests_total', { method: 'POST', status: '2xx' }) ?? 0) >= LEADS, 'Unipile writes counted');
    assert.ok((sample(afterWorker, 'clento_db_pool_connections', { state: 'total' }) ?? 0) > 0, 'the pool is reported');
    // The Temporal SDK's own worker metrics, exported by the runtime and served on the same /metrics.
    const sdk = [...afterWorker.keys()].filter((k) => k.startsWith('temporal_'));
    assert.ok(sdk.some((k) => k.startsWith('temporal_workflow_task_execution_latency')), `SDK workflow task latency exported (got ${sdk.slice(0, 5).join(', ')})`);
    assert.ok(sdk.some((k) => k.startsWith('temporal_activity_execution_latency')), 'SDK activity latency exported');
    assert.ok(sdk.some((k) => k.startsWith('temporal_worker_task_slots_available')), 'SDK slots exported');

    const afterApi = await scrape(`${base}/metrics`);
    assert.equal(sample(afterApi, 'clento_leads', { state: 'completed' }), LEADS);
    assert.ok((sample(afterApi, 'clento_http_requests_total', { method: 'POST', route: '/api/campaigns/start', status: '200' }) ?? 0) >= 1);
    assert.ok((sample(afterApi, 'clento_http_request_duration_seconds_count', { method: 'GET', route: '/api/campaigns/status', status: '200' }) ?? 0) >= 1);
    // Labels carry route patterns and enumerations only: no campaign, lead or account id anywhere.
    for (const key of [...afterApi.keys(), ...afterWorker.keys()]) {
      for (const id of [campaign.id, list.id, account.id, organizationId]) assert.ok(!key.includes(id), `an id in the series ${key}`);
    }
  });

  it('the Grafana dashboard and the alert rules use only metrics the app exports', () => {
    const exported = new Set<string>(['up']); // `up` is Prometheus' own, per scrape target
    for (const text of scraped) {
      for (const name of parseMetrics(text).keys()) exported.add(name.slice(0, name.indexOf('{')));
      for (const family of metricFamilies(text)) for (const suffix of ['', '_bucket', '_sum', '_count', '_total']) exported.add(family + suffix);
    }
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'ops/grafana/clento.json'), 'utf8')) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    const rules = [...readFileSync(join(ROOT, 'ops/prometheus/alerts.yml'), 'utf8').matchAll(/^\s+expr: (.+)$/gm)].map((m) => m[1]!);
    assert.ok(exprs.length >= 20 && rules.length >= 8, `${exprs.length} panel queries, ${rules.length} rules`);
    for (const expr of [...exprs, ...rules]) {
      // Metric names: what is left once strings, label matchers, ranges and grouping clauses are removed, minus function names and operators.
      const bare = expr
        .replace(/"[^"]*"/g, '')
        .replace(/\{[^}]*\}/g, '')
        .replace(/\[[^\]]*\]/g, '')
        .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
      const metricNames = [...bare.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)].map((m) => m[1]!).filter((n) => !['and', 'or', 'unless', 'bool'].includes(n));
      assert.ok(metricNames.length > 0, `no metric found in ${expr}`);
      for (const n of metricNames) {
        const near = [...exported].filter((e) => e.startsWith(n.split('_').slice(0, 2).join('_'))).sort();
        assert.ok(exported.has(n), `${n} (in ${expr}) is not exported by the API or the worker; exported: ${near.join(' ')}`);
      }
    }
  });

  it('stops cleanly on SIGTERM', async () => {
    await Promise.all([worker.kill('SIGTERM'), api.kill('SIGTERM')]);
    assert.equal((await worker.exited).code, 0, worker.output());
    assert.equal((await api.exited).code, 0, api.output());
  });
});
