/**
 * One N-lead campaign end to end on the embedded stack, and the figures that say whether it scales:
 * wall time, leads/s, orchestrator runs and their history sizes, lead workflow history sizes, the
 * largest history of any workflow, peak memory of this (worker) process, and "every lead invited
 * exactly once".
 *
 * Stack: its own Temporal dev server (headless, in memory, a free port, search attributes registered),
 * a fresh PostgreSQL database on the machine's server (or DATABASE_URL), the sandbox LinkedIn over HTTP,
 * the real activities and the worker in this process. Flow: visit → invite, no delays.
 *
 * Run: npm run bench -- [--leads 10000] [--concurrency 500]
 * Exit code: 0 when every check passes; 1 on a violation (a lead invited 0 or 2+ times, an unfinished
 * lead, a history at or over 10,000 events) or an error. Everything started is stopped at the end.
 */
import { cpus, loadavg } from 'node:os';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { Client, Connection, type WorkflowExecutionInfo } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { openDatabase } from '../src/db/connection';
import { migrateToLatest } from '../src/db/migrate';
import { findTemporalCli, MISSING_BINARY_HELP } from '../src/temporal/binaries';
import { startDevServer } from '../src/temporal/dev-server';
import { campaignWorkflowId, leadWorkflowId, orchestratorStatusQuery, type OrchestratorStatus } from '../src/workflows/definitions';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { quickDefinition, seedCampaign, waitFor } from '../test/support/fixtures';
import { startEngine } from '../test/support/stack';
import { installTestRuntime } from '../test/support/temporal';

const HISTORY_CEILING = 10_000;
const LEAD_SAMPLE = 50;
const NAMESPACE = 'default';
const TASK_QUEUE = 'bench-campaign';

const { values: flags } = parseArgs({
  options: { leads: { type: 'string', default: '10000' }, concurrency: { type: 'string', default: '500' } },
  strict: true,
});
const LEADS = positiveInt('--leads', flags.leads);
const CONCURRENCY = positiveInt('--concurrency', flags.concurrency);

function positiveInt(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return n;
}

const log = (msg: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A fresh database on the machine's server, or DATABASE_URL (migrated, left in place afterwards). */
async function benchDatabase(): Promise<TestDatabase> {
  const url = process.env.DATABASE_URL;
  if (!url) return createTestDatabase();
  const handle = await openDatabase({ databaseUrl: url, dataDir: '' });
  await migrateToLatest(handle.db);
  return { ...handle, url, drop: () => handle.close() };
}

/** Every execution matching `query` (visibility listing; pages are followed by the iterator). */
async function listAll(client: Client, query: string): Promise<WorkflowExecutionInfo[]> {
  const out: WorkflowExecutionInfo[] = [];
  for await (const info of client.workflow.list({ query })) out.push(info);
  return out;
}

function stats(xs: number[]): { min: number; avg: number; max: number } {
  return { min: Math.min(...xs), avg: xs.reduce((a, b) => a + b, 0) / xs.length, max: Math.max(...xs) };
}

async function main(): Promise<number> {
  installTestRuntime();
  const cleanups: Array<[string, () => Promise<unknown>]> = [];
  const cleanup = async () => {
    for (const [what, fn] of cleanups.reverse()) {
      await fn().catch((err: unknown) => log(`cleanup ${what} failed: ${String(err)}`));
    }
    cleanups.length = 0;
  };
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    log(`${sig}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  // Peak memory of this process: worker, activities, sandbox LinkedIn and the bench itself.
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const sampler = setInterval(sample, 250);
  cleanups.push(['memory sampler', async () => clearInterval(sampler)]);

  try {
    const cliPath = findTemporalCli();
    if (!cliPath) throw new Error(MISSING_BINARY_HELP);
    const port = await freePort();
    const server = await startDevServer({ cliPath, namespace: NAMESPACE, port, headless: true });
    cleanups.push(['dev server', () => server.stop()]);
    log(`temporal dev server on ${server.address}`);

    const db = await benchDatabase();
    cleanups.push(['database', () => db.drop()]);
    log(process.env.DATABASE_URL ? 'database: DATABASE_URL' : 'database: fresh PostgreSQL database');

    const connection = await Connection.connect({ address: server.address });
    cleanups.push(['client connection', () => connection.close()]);
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    cleanups.push(['worker connection', () => nativeConnection.close()]);
    const client = new Client({ connection, namespace: NAMESPACE });

    const engine = await startEngine({ db, client, nativeConnection, taskQueue: TASK_QUEUE, namespace: NAMESPACE });
    cleanups.push(['sandbox', () => engine.stop()]);
    const running = engine.worker.run();
    cleanups.push([
      'worker',
      async () => {
        if (engine.worker.getState() === 'RUNNING') engine.worker.shutdown();
        await running;
      },
    ]);
    // The sandbox keeps every HTTP call for tests to inspect; nothing here reads them, so they are
    // dropped as we go (write counts, which the check uses, are kept separately).
    const dropCalls = setInterval(() => engine.sandbox.clearCalls(), 5_000);
    cleanups.push(['call log', async () => clearInterval(dropCalls)]);

    log(`seeding ${LEADS} leads`);
    const seeded = await seedCampaign(db.db, { unipileAccountId: engine.unipileAccountId, definition: quickDefinition(), leads: LEADS, slugPrefix: 'bench' });
    const workflowId = campaignWorkflowId(seeded.campaignId);
    const handle = client.workflow.getHandle(workflowId);

    log(`starting campaign: ${LEADS} leads, maxConcurrentLeads ${CONCURRENCY}`);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const loads: number[] = [];
    const progress = setInterval(() => {
      handle
        .query(orchestratorStatusQuery)
        .then((s) => log(`${((performance.now() - t0) / 1000).toFixed(0)} s: started ${s.started}, running ${s.running}, finished ${s.finished}, run ${s.runs}, rss ${mib(process.memoryUsage().rss)}`))
        .catch(() => undefined);
      loads.push(loadavg()[0]!);
    }, 15_000);
    cleanups.push(['progress', async () => clearInterval(progress)]);
    await engine.campaigns.start({ organizationId: seeded.organizationId, campaignId: seeded.campaignId, maxConcurrentLeads: CONCURRENCY });
    const result = (await handle.result()) as OrchestratorStatus;
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    clearInterval(progress);
    sample();
    log(`campaign finished in ${(wallMs / 1000).toFixed(1)} s; measuring histories`);

    // Orchestrator: every run of campaign-<id> (continue-as-new chain), each run's full history.
    const runs = await waitFor(
      'every orchestrator run in visibility',
      async () => {
        const r = await listAll(client, `WorkflowId='${workflowId}'`);
        return r.length >= result.runs ? r : undefined;
      },
      30_000,
      500,
    );
    const runEvents: number[] = [];
    for (const run of runs) {
      const history = await client.workflow.getHandle(workflowId, run.runId).fetchHistory();
      runEvents.push(history.events?.length ?? 0);
    }
    const orch = stats(runEvents);

    // Lead workflows: full histories of an evenly spread sample...
    const step = Math.max(1, Math.floor(seeded.leadIds.length / LEAD_SAMPLE));
    const sampleIds = seeded.leadIds.filter((_, i) => i % step === 0).slice(0, LEAD_SAMPLE);
    const leadEvents: number[] = [];
    for (const leadId of sampleIds) {
      const history = await client.workflow.getHandle(leadWorkflowId(seeded.campaignId, leadId)).fetchHistory();
      leadEvents.push(history.events?.length ?? 0);
    }
    const leads = stats(leadEvents);

    // ...and the history length of every execution of the campaign, from visibility.
    const all = await waitFor(
      'every lead workflow closed in visibility',
      async () => {
        const r = await listAll(client, `CampaignId='${seeded.campaignId}' AND ExecutionStatus != 'Running'`);
        return r.length >= LEADS + runs.length ? r : undefined;
      },
      120_000,
      1_000,
    );
    const longest = all.reduce((a, b) => (b.historyLength > a.historyLength ? b : a));
    const maxHistory = Math.max(longest.historyLength, ...runEvents, ...leadEvents);
    const unsuccessful = all.filter((w) => w.status.name !== 'COMPLETED' && w.status.name !== 'CONTINUED_AS_NEW');

    // Every lead contacted exactly once.
    const invites = seeded.slugs.map((slug) => engine.sandbox.control.writeCount(engine.unipileAccountId, slug, 'invitation'));
    const never = invites.filter((n) => n === 0).length;
    const twice = invites.filter((n) => n > 1).length;
    const violations = never + twice;
    const unfinished = LEADS - result.finished;

    const rows: Array<[string, string]> = [
      ['leads / maxConcurrentLeads', `${LEADS} / ${CONCURRENCY}`],
      ['total wall time', `${(wallMs / 1000).toFixed(1)} s`],
      ['leads per second', (LEADS / (wallMs / 1000)).toFixed(1)],
      ['orchestrator result', `finished ${result.finished}, succeeded ${result.succeeded}, failed ${result.failed}, stopped ${result.stopped}`],
      ['orchestrator runs', `${runs.length} (continue-as-new ${runs.length - 1} times; result.runs ${result.runs})`],
      ['history events per orchestrator run', `min ${orch.min}, avg ${orch.avg.toFixed(0)}, max ${orch.max} [${runEvents.join(', ')}]`],
      [`history events per lead workflow (${leadEvents.length} sampled)`, `min ${leads.min}, avg ${leads.avg.toFixed(1)}, max ${leads.max}`],
      ['max history length of any workflow', `${maxHistory} (${longest.workflowId} over ${all.length} executions; must be < ${HISTORY_CEILING})`],
      ['workflows not completed', String(unsuccessful.length)],
      ['CPU of this process during the run', `${((cpu.user + cpu.system) / 1000 / wallMs).toFixed(2)} cores (machine: ${cpus().length} cores, mean 1-min load ${loads.length ? (loads.reduce((a, b) => a + b, 0) / loads.length).toFixed(1) : 'n/a'})`],
      ['peak RSS / heap used (this process)', `${mib(peakRss)} / ${mib(peakHeap)}`],
      ['invitation violations', `${violations} (never invited ${never}, invited 2+ times ${twice})`],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    console.log(`campaign bench: visit → invite, zero delays, sandbox LinkedIn, dev server (in memory), PostgreSQL`);
    for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);

    const failures: string[] = [];
    if (violations > 0) failures.push(`${violations} lead(s) not invited exactly once`);
    if (unfinished !== 0) failures.push(`${unfinished} lead(s) not finished`);
    if (unsuccessful.length > 0) failures.push(`${unsuccessful.length} workflow(s) not completed`);
    if (maxHistory >= HISTORY_CEILING) failures.push(`a history reached ${maxHistory} events`);
    for (const f of failures) console.log(`FAIL: ${f}`);
    return failures.length === 0 ? 0 : 1;
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
