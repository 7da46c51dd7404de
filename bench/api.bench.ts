/**
 * What a campaign's reads cost at 100,000 leads: seeds one campaign with N executions (set-based,
 * seconds), serves the real API (the product's own startProduct, API only) and drives the status
 * view and the executions list at fixed request rates with autocannon, printing p50 / p99 latency and
 * errors per route and rate. The counters the status view reads are seeded the way the progress
 * recorder keeps them (each seeded variant's leadContribution × its number of leads).
 *
 * Run: npm run bench:api -- [--executions 100000] [--rates 50,200,500] [--duration 10]
 * Exit code: 0 when the targets hold (status p99 < 25 ms at 200 req/s and 0 errors at every rate,
 * executions list p99 < 50 ms), 1 otherwise. Everything started is stopped at the end.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { addToCounters } from '../src/db/repositories/campaign-counter.repository';
import { loadConfig } from '../src/config/config';
import { contributionDelta, leadContribution } from '../src/domain/lead-analytics';
import type { ExecutionData } from '../src/domain/timeline';
import { createLogger } from '../src/logger';
import { startProduct } from '../src/runtime/product';
import { createCampaignService } from '../src/services/campaign.service';
import { createOrganizationWithKey } from '../src/services/organizations';
import { findTemporalCli, MISSING_BINARY_HELP } from '../src/temporal/binaries';
import { startDevServer } from '../src/temporal/dev-server';
import { createTestDatabase } from '../test/support/database';
import { quickDefinition, seedCampaign } from '../test/support/fixtures';
import { installTestRuntime } from '../test/support/temporal';
import { freePort, log, positiveInt } from './support';

const STATUS_P99_TARGET_MS = 25;
const STATUS_TARGET_RATE = 200;
const EXECUTIONS_P99_TARGET_MS = 50;

const { values: flags } = parseArgs({
  options: {
    executions: { type: 'string', default: '100000' },
    rates: { type: 'string', default: '50,200,500' },
    duration: { type: 'string', default: '10' },
  },
  strict: true,
});
const EXECUTIONS = positiveInt('--executions', flags.executions);
const RATES = flags.rates.split(',').map((r) => positiveInt('--rates', r));
const DURATION_S = positiveInt('--duration', flags.duration);

const t = (s: number) => new Date(Date.parse('2026-12-01T10:00:00Z') + s * 1000).toISOString();

/** The shapes seeded leads are in (quickDefinition: visit → invite), each with its execution row's status. */
const VARIANTS: Array<{ status: 'in_progress' | 'completed' | 'failed' | 'stopped'; data: ExecutionData }> = [
  {
    status: 'completed',
    data: {
      timeline: [
        { at: t(0), type: 'lead_started' },
        { at: t(1), type: 'step_completed', stepId: 'visit', kind: 'profile_visit' },
        { at: t(2), type: 'step_completed', stepId: 'invite', kind: 'send_connection_request' },
        { at: t(2), type: 'lead_completed' },
      ],
      steps: { visit: { kind: 'profile_visit', state: 'done', at: t(1) }, invite: { kind: 'send_connection_request', state: 'done', at: t(2) } },
    },
  },
  {
    status: 'in_progress',
    data: {
      timeline: [
        { at: t(0), type: 'lead_started' },
        { at: t(1), type: 'step_started', stepId: 'visit', kind: 'profile_visit' },
      ],
      steps: { visit: { kind: 'profile_visit', state: 'running', at: t(1) } },
    },
  },
  {
    status: 'in_progress',
    data: {
      timeline: [
        { at: t(0), type: 'lead_started' },
        { at: t(1), type: 'step_completed', stepId: 'visit', kind: 'profile_visit' },
        { at: t(1), type: 'quota_wait', stepId: 'invite', reason: 'daily_limit', until: t(86_400) },
      ],
      steps: { visit: { kind: 'profile_visit', state: 'done', at: t(1) } },
    },
  },
  {
    status: 'failed',
    data: {
      timeline: [
        { at: t(0), type: 'lead_started' },
        { at: t(1), type: 'step_failed', stepId: 'visit', kind: 'profile_visit', reason: 'profile_not_found' },
        { at: t(1), type: 'lead_failed' },
      ],
      steps: { visit: { kind: 'profile_visit', state: 'failed', at: t(1) } },
    },
  },
  {
    status: 'stopped',
    data: {
      timeline: [
        { at: t(0), type: 'lead_started' },
        { at: t(1), type: 'step_completed', stepId: 'visit', kind: 'profile_visit' },
        { at: t(5), type: 'stopped', reason: 'stopped_by_user' },
      ],
      steps: { visit: { kind: 'profile_visit', state: 'done', at: t(1) } },
    },
  },
];

interface Run {
  route: string;
  rate: number;
  requests: number;
  p50: number;
  p99: number;
  errors: number;
}

async function drive(route: string, url: string, rate: number, authorization: string): Promise<Run> {
  const result = await autocannon({
    url,
    headers: { authorization },
    overallRate: rate,
    // Enough connections that the rate, not the connections, limits: latencies are corrected for
    // coordinated omission (autocannon's default), so a slow answer counts for the requests it held up.
    connections: Math.max(10, Math.ceil(rate / 20)),
    duration: DURATION_S,
    // The load generator gets its own thread: the API's event loop is this process's main thread.
    workers: 1,
  });
  return {
    route,
    rate,
    requests: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

async function main(): Promise<number> {
  installTestRuntime();
  const cleanups: Array<() => Promise<unknown>> = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch((err: unknown) => log(`cleanup failed: ${String(err)}`));
    cleanups.length = 0;
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  try {
    const cliPath = findTemporalCli();
    if (!cliPath) throw new Error(MISSING_BINARY_HELP);
    const server = await startDevServer({ cliPath, namespace: 'default', port: await freePort(), headless: true });
    cleanups.push(() => server.stop());
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());

    log(`seeding one campaign with ${EXECUTIONS} executions`);
    const seedStart = performance.now();
    const org = await createOrganizationWithKey(db.db, { name: 'Bench' });
    const seeded = await seedCampaign(db.db, { unipileAccountId: 'bench-api-account', organizationId: org.organizationId, definition: quickDefinition(), leads: 0 });
    await sql`
      insert into leads (organization_id, lead_list_id, first_name, last_name, full_name, company, linkedin_url, enrichment_data)
      select ${org.organizationId}, ${seeded.leadListId}, 'First' || i, 'Last' || i, 'First' || i || ' Last' || i, 'Globex',
             'https://www.linkedin.com/in/bench-' || i || '/', '{}'::jsonb
      from generate_series(1, ${EXECUTIONS}) i`.execute(db.db);
    await db.db.updateTable('lead_lists').set({ total_leads: EXECUTIONS }).where('id', '=', seeded.leadListId).execute();
    // Lead k (in id order) takes variant k mod VARIANTS.length.
    const variants = JSON.stringify(VARIANTS.map((v, i) => ({ i, status: v.status, data: v.data })));
    await sql`
      insert into campaign_executions (campaign_id, lead_id, workflow_execution_id, status, current_step, total_steps, execution_data, started_at, current_step_id)
      select ${seeded.campaignId}, l.id, 'lead-' || l.id, v->>'status', 1, 2, v->'data', now(), 'visit'
      from (select id, row_number() over (order by id) - 1 as k from leads where lead_list_id = ${seeded.leadListId}) l
      join jsonb_array_elements(${variants}::jsonb) v on (v->>'i')::int = l.k % ${VARIANTS.length}`.execute(db.db);
    const counts = VARIANTS.map((_, i) => Math.floor(EXECUTIONS / VARIANTS.length) + (i < EXECUTIONS % VARIANTS.length ? 1 : 0));
    const edges = [{ id: 'e1', from: 'visit', to: 'invite' }];
    for (const [i, v] of VARIANTS.entries()) {
      const scaled = new Map([...leadContribution(v.data, v.status, edges, 'UTC')].map(([k, n]) => [k, n * counts[i]!]));
      await addToCounters(db.db, seeded.campaignId, contributionDelta(new Map(), scaled));
    }
    await db.db.updateTable('campaigns').set({ status: 'in_progress', started_at: new Date() }).where('id', '=', seeded.campaignId).execute();
    await sql`analyze`.execute(db.db);
    log(`seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

    const loaded = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_WORKER_ENABLED: 'false',
      API_RATE_LIMIT_PER_MINUTE: '100000000',
    });
    if (!loaded.ok) throw new Error(`config: ${JSON.stringify(loaded)}`);
    const product = await startProduct(loaded.config, createLogger({ level: 'silent' }), { api: true, worker: false, embedded: false });
    cleanups.push(() => product.stop());
    const base = `${product.apiUrl}/api/campaigns/${seeded.campaignId}`;
    const statusUrl = `${product.apiUrl}/api/campaigns/status?campaignId=${seeded.campaignId}`;
    const authorization = `Bearer ${org.apiKey}`;

    // The list's middle, for a deep keyset page (as costly as the first one when the index serves it).
    const middle = await db.db
      .selectFrom('campaign_executions')
      .select('id')
      .where('campaign_id', '=', seeded.campaignId)
      .orderBy('id')
      .offset(Math.floor(EXECUTIONS / 2))
      .limit(1)
      .executeTakeFirstOrThrow();
    const routes: Array<[string, string]> = [
      // The floor every authenticated read pays (key lookup, the shared rate-limit counter, one row).
      ['campaign (one row, for comparison)', base],
      ['status', statusUrl],
      ['executions (first page)', `${base}/executions?limit=50`],
      ['executions (page at the middle, status=completed)', `${base}/executions?limit=50&status=completed&cursor=${middle.id}`],
    ];
    for (const [name, url] of routes) {
      const res = await fetch(url, { headers: { authorization } });
      if (res.status !== 200) throw new Error(`${name}: ${res.status} ${await res.text()}`);
    }
    const status = (await (await fetch(statusUrl, { headers: { authorization } })).json()) as { leadsByState: Record<string, number> };
    log(`status answers leadsByState ${JSON.stringify(status.leadsByState)}`);

    // The status view's own cost, without HTTP, auth or the rate limiter: sequential calls in process.
    const service = createCampaignService({ db: db.db, client: product.client, taskQueue: 'unused', logger: createLogger({ level: 'silent' }) });
    const own: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t0 = performance.now();
      await service.status({ organizationId: org.organizationId, campaignId: seeded.campaignId });
      own.push(performance.now() - t0);
    }
    own.sort((a, b) => a - b);

    const runs: Run[] = [];
    const loads: number[] = [];
    for (const [name, url] of routes) {
      for (const rate of RATES) {
        log(`${name} at ${rate} req/s for ${DURATION_S} s`);
        runs.push(await drive(name, url, rate, authorization));
        loads.push(loadavg()[0]!);
      }
    }

    console.log(`api bench: one campaign, ${EXECUTIONS} executions, PostgreSQL, autocannon ${DURATION_S} s per row, 1-min load ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`);
    console.log(['route'.padEnd(52), 'req/s'.padStart(6), 'sent'.padStart(7), 'p50 ms'.padStart(8), 'p99 ms'.padStart(8), 'errors'.padStart(7)].join(' '));
    for (const r of runs) {
      console.log([r.route.padEnd(52), String(r.rate).padStart(6), String(r.requests).padStart(7), r.p50.toFixed(1).padStart(8), r.p99.toFixed(1).padStart(8), String(r.errors).padStart(7)].join(' '));
    }

    console.log(`status view in process (300 sequential calls, no HTTP): p50 ${own[149]!.toFixed(1)} ms, p99 ${own[296]!.toFixed(1)} ms`);

    const failures: string[] = [];
    for (const r of runs) {
      if (r.route === 'status' && r.rate === STATUS_TARGET_RATE && r.p99 >= STATUS_P99_TARGET_MS) failures.push(`status p99 ${r.p99} ms at ${r.rate} req/s (target < ${STATUS_P99_TARGET_MS})`);
      if (r.route === 'status' && r.errors > 0) failures.push(`status: ${r.errors} errors at ${r.rate} req/s`);
      if (r.route.startsWith('executions') && r.rate <= STATUS_TARGET_RATE && r.p99 >= EXECUTIONS_P99_TARGET_MS) failures.push(`${r.route} p99 ${r.p99} ms at ${r.rate} req/s (target < ${EXECUTIONS_P99_TARGET_MS})`);
    }
    for (const f of failures) console.log(`FAIL: ${f}`);
    return failures.length === 0 ? 0 : 1;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
