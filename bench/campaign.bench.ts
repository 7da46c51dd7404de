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
 *      npm run bench -- --compare-bare [--leads 1000] [--pairs 3] [--concurrency 500]   (bench/compare-bare.ts)
 *      npm run bench -- --realistic-actions   (bench/realistic-actions.ts)
 * Exit code: 0 when every check passes; 1 on a violation (a lead invited 0 or 2+ times, an unfinished
 * lead, a history at or over 10,000 events) or an error. Everything started is stopped at the end.
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { campaignWorkflowId, leadWorkflowId, orchestratorStatusQuery, type OrchestratorStatus } from '../src/workflows/definitions';
import { quickDefinition, seedCampaign, waitFor } from '../test/support/fixtures';
import { compareBare } from './compare-bare';
import { realisticActions } from './realistic-actions';
import { startBenchStack } from './stack';
import { log, positiveInt } from './support';

const HISTORY_CEILING = 10_000;
const LEAD_SAMPLE = 50;
const TASK_QUEUE = 'bench-campaign';

const { values: flags } = parseArgs({
  options: {
    leads: { type: 'string' },
    concurrency: { type: 'string', default: '500' },
    'compare-bare': { type: 'boolean', default: false },
    pairs: { type: 'string', default: '3' },
    'realistic-actions': { type: 'boolean', default: false },
  },
  strict: true,
});
const LEADS = positiveInt('--leads', flags.leads ?? (flags['compare-bare'] ? '1000' : '10000'));
const CONCURRENCY = positiveInt('--concurrency', flags.concurrency);
const PAIRS = positiveInt('--pairs', flags.pairs);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

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
  if (flags['realistic-actions']) return realisticActions();
  const stack = await startBenchStack({ taskQueue: TASK_QUEUE });
  const { db, client, engine } = stack;
  if (flags['compare-bare']) {
    try {
      return await compareBare(stack, { leads: LEADS, pairs: PAIRS, concurrency: CONCURRENCY });
    } finally {
      await stack.cleanup();
    }
  }

  // Peak memory of this process: worker, activities, sandbox LinkedIn and the bench itself.
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const sampler = setInterval(sample, 250);
  stack.defer('memory sampler', async () => clearInterval(sampler));

  try {
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
    stack.defer('progress', async () => clearInterval(progress));
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
    await stack.cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
