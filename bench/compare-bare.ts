/**
 * `npm run bench -- --compare-bare`: the product against a bare Temporal program doing the same
 * LinkedIn calls per lead (bench/bare), on one dev server, one database and one sandbox, interleaved
 * (bare, product, bare, product...) so the machine's load falls on both alike. Per pair: leads/s, CPU
 * ms per lead (this process + the dev server + the database's PostgreSQL backends, from /proc), the
 * ratios; then the medians, Temporal Cloud actions per lead for both (from the histories), and the
 * worst orchestrator workflow task (rejections, the task that closed each run).
 */
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { UnipileClient } from '../src/linkedin/unipile.client';
import { createWorker } from '../src/temporal/worker';
import { campaignWorkflowId, leadWorkflowId, type OrchestratorStatus } from '../src/workflows/definitions';
import { quickDefinition, seedCampaign, waitFor } from '../test/support/fixtures';
import { createBareActivities } from './bare/activities';
import { countActions, countAllActions, emptyCounts, formatCounts, perLead, workflowTaskFacts, type ActionCounts } from './cloud-actions';
import { startCpuMeter, devServerPid, type CpuSplit } from './proc-cpu';
import type { BenchStack } from './stack';
import { log, median } from './support';

const BARE_TASK_QUEUE = 'bench-bare';
const BARE_WORKFLOWS = fileURLToPath(new URL('./bare/workflows.ts', import.meta.url));
/** Lead histories fetched per run for the actions (the orchestrator's runs are fetched whole). */
const HISTORY_SAMPLE = 100;
/** Workflow starts the bare program keeps in flight (the client's side of its fan-out). */
const BARE_START_CONCURRENCY = 50;

interface RunResult {
  wallMs: number;
  cpu: CpuSplit;
  /** Cloud actions per lead (the orchestrator's share included for the product). */
  actions: ActionCounts;
  violations: number;
  load: number;
}

interface OrchestratorFacts {
  runs: number;
  rejected: string[];
  worstClosingMs: number;
  longestTaskMs: number;
  slowTasks: number;
}

async function listAll(client: Client, query: string): Promise<WorkflowExecutionInfo[]> {
  const out: WorkflowExecutionInfo[] = [];
  for await (const info of client.workflow.list({ query })) out.push(info);
  return out;
}

function sample<T>(xs: T[], n: number): T[] {
  const step = Math.max(1, Math.floor(xs.length / n));
  return xs.filter((_, i) => i % step === 0).slice(0, n);
}

/** Mean actions per workflow of a sample of lead histories. */
function meanActions(histories: Array<temporal.api.history.v1.IHistory>, counted: Set<string>): ActionCounts {
  const sum = emptyCounts();
  for (const h of histories) {
    const c = countActions(h, counted);
    for (const k of Object.keys(sum) as Array<keyof ActionCounts>) sum[k] += c[k];
  }
  return perLead(sum, histories.length);
}

function invitationViolations(stack: BenchStack, accountId: string, slugs: string[]): number {
  return slugs.filter((slug) => stack.engine.sandbox.control.writeCount(accountId, slug, 'invitation') !== 1).length;
}

async function runBare(stack: BenchStack, leads: number, label: string, serverPid: number | undefined): Promise<RunResult> {
  const { client } = stack;
  const slugs = Array.from({ length: leads }, (_, i) => `${label}-${i + 1}`);
  const ids = slugs.map((slug) => `bare-${slug}`);
  // Its own sender account: the product's limits and ledger never see the bare program's invitations.
  const account = stack.engine.sandbox.control.createAccount({ name: `Bare ${label}` });
  const meter = startCpuMeter({ db: stack.db.db, database: stack.databaseName, devServerPid: serverPid });
  const t0 = performance.now();
  const results: Array<Promise<unknown>> = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: BARE_START_CONCURRENCY }, async () => {
      while (next < slugs.length) {
        const i = next++;
        const handle = await client.workflow.start('bareLeadWorkflow', {
          taskQueue: BARE_TASK_QUEUE,
          workflowId: ids[i]!,
          args: [{ accountId: account.id, identifier: slugs[i]!, message: `Hello First${i + 1}` }],
        });
        results.push(handle.result());
      }
    }),
  );
  await Promise.all(results);
  const wallMs = performance.now() - t0;
  const cpu = await meter.stop();
  const load = loadavg()[0]!;
  const histories = [];
  for (const id of sample(ids, HISTORY_SAMPLE)) histories.push(await client.workflow.getHandle(id).fetchHistory());
  return { wallMs, cpu, actions: meanActions(histories, new Set()), violations: invitationViolations(stack, account.id, slugs), load };
}

async function runProduct(stack: BenchStack, leads: number, concurrency: number, label: string, serverPid: number | undefined): Promise<RunResult & { orchestrator: OrchestratorFacts }> {
  const { client, engine } = stack;
  // A fresh sender per run: the product's weekly invitation safety cap would park a second run's leads for a week.
  const account = engine.sandbox.control.createAccount({ name: `Product ${label}` });
  const seeded = await seedCampaign(stack.db.db, { unipileAccountId: account.id, definition: quickDefinition(), leads, slugPrefix: label });
  const workflowId = campaignWorkflowId(seeded.campaignId);
  const meter = startCpuMeter({ db: stack.db.db, database: stack.databaseName, devServerPid: serverPid });
  const t0 = performance.now();
  await engine.campaigns.start({ organizationId: seeded.organizationId, campaignId: seeded.campaignId, maxConcurrentLeads: concurrency });
  const result = (await client.workflow.getHandle(workflowId).result()) as OrchestratorStatus;
  const wallMs = performance.now() - t0;
  const cpu = await meter.stop();
  const load = loadavg()[0]!;

  const runs = await waitFor(
    'every orchestrator run in visibility',
    async () => {
      const r = await listAll(client, `WorkflowId='${workflowId}'`);
      return r.length >= result.runs ? r : undefined;
    },
    30_000,
    500,
  );
  const orchestratorHistories = [];
  for (const run of runs) orchestratorHistories.push({ workflowId, history: await client.workflow.getHandle(workflowId, run.runId).fetchHistory() });
  const leadHistories = [];
  for (const leadId of sample(seeded.leadIds, HISTORY_SAMPLE)) leadHistories.push(await client.workflow.getHandle(leadWorkflowId(seeded.campaignId, leadId)).fetchHistory());
  // Per lead: the orchestrator's actions spread over the leads, plus a lead workflow's (its signals to the orchestrator counted there).
  const orchestratorShare = perLead(countAllActions(orchestratorHistories), leads);
  const leadShare = meanActions(leadHistories, new Set([workflowId]));
  const actions = emptyCounts();
  for (const k of Object.keys(actions) as Array<keyof ActionCounts>) actions[k] = orchestratorShare[k] + leadShare[k];

  const facts = orchestratorHistories.map((h) => workflowTaskFacts(h.history));
  const orchestrator: OrchestratorFacts = {
    runs: runs.length,
    rejected: facts.flatMap((f) => f.failed.map((x) => x.cause)),
    worstClosingMs: Math.max(0, ...facts.map((f) => f.closingMs ?? 0)),
    longestTaskMs: Math.max(0, ...facts.map((f) => f.longestMs)),
    slowTasks: facts.reduce((a, f) => a + f.slow, 0),
  };
  const unfinished = leads - result.finished;
  return { wallMs, cpu, actions, violations: invitationViolations(stack, account.id, seeded.slugs) + unfinished, load, orchestrator };
}

const fmt = (n: number, d = 1) => n.toFixed(d);

export async function compareBare(stack: BenchStack, opts: { leads: number; pairs: number; concurrency: number }): Promise<number> {
  const unipile = new UnipileClient({ dsn: stack.engine.sandbox.dsn, accessToken: stack.engine.sandbox.accessToken, timeoutMs: 5_000 });
  const bareWorker = await createWorker({
    connection: stack.nativeConnection,
    namespace: 'default',
    taskQueue: BARE_TASK_QUEUE,
    activities: createBareActivities(unipile),
    workflows: { workflowsPath: BARE_WORKFLOWS },
    tuning: { shutdownGraceSeconds: 2 },
  });
  const bareRunning = bareWorker.run();
  stack.defer('bare worker', async () => {
    if (bareWorker.getState() === 'RUNNING') bareWorker.shutdown();
    await bareRunning;
  });
  const serverPid = devServerPid(stack.devServerPort);
  if (!serverPid) log('dev server process not found in /proc: its CPU is not counted');

  const pairs: Array<{ bare: RunResult; product: Awaited<ReturnType<typeof runProduct>> }> = [];
  for (let p = 1; p <= opts.pairs; p++) {
    log(`pair ${p}/${opts.pairs}: bare program, ${opts.leads} leads`);
    const bare = await runBare(stack, opts.leads, `bare${p}`, serverPid);
    log(`pair ${p}/${opts.pairs}: product, ${opts.leads} leads, maxConcurrentLeads ${opts.concurrency}`);
    const product = await runProduct(stack, opts.leads, opts.concurrency, `product${p}`, serverPid);
    pairs.push({ bare, product });
    log(`pair ${p}: bare ${fmt(opts.leads / (bare.wallMs / 1000))} leads/s, product ${fmt(opts.leads / (product.wallMs / 1000))} leads/s`);
  }

  const rate = (r: RunResult) => opts.leads / (r.wallMs / 1000);
  const cpuPerLead = (r: RunResult) => r.cpu.totalMs / opts.leads;
  console.log(`compare-bare: visit → invite, ${opts.leads} leads per run, ${opts.pairs} pairs (bare first), one dev server (in memory), PostgreSQL, sandbox LinkedIn`);
  console.log('pair  program   leads/s  CPU ms/lead (bench + dev server + postgres)  1-min load  violations');
  for (const [i, { bare, product }] of pairs.entries()) {
    for (const [name, r] of [['bare', bare], ['product', product]] as const) {
      const c = r.cpu;
      console.log(
        `${String(i + 1).padEnd(5)} ${name.padEnd(9)} ${fmt(rate(r)).padStart(7)}  ${fmt(cpuPerLead(r)).padStart(6)} (${fmt(c.benchMs / opts.leads)} + ${fmt(c.devServerMs / opts.leads)} + ${fmt(c.postgresMs / opts.leads)})`.padEnd(74) +
          `${fmt(r.load).padStart(5)}  ${r.violations}`,
      );
    }
    console.log(`      ratios: throughput bare/product ${fmt(rate(bare) / rate(product), 2)}, CPU per lead product/bare ${fmt(cpuPerLead(product) / cpuPerLead(bare), 2)}`);
  }
  const throughputRatio = median(pairs.map((p) => rate(p.bare) / rate(p.product)));
  const cpuRatio = median(pairs.map((p) => cpuPerLead(p.product) / cpuPerLead(p.bare)));
  console.log(`median of pairs: throughput bare/product ${fmt(throughputRatio, 2)} (target ≤ 1.25), CPU per lead product/bare ${fmt(cpuRatio, 2)} (target ≤ 1.3)`);

  const last = pairs[pairs.length - 1]!;
  const productActions = median(pairs.map((p) => p.product.actions.total));
  const bareActions = median(pairs.map((p) => p.bare.actions.total));
  console.log(`Temporal Cloud actions per lead (histories; ${HISTORY_SAMPLE} lead histories sampled per run, every orchestrator run whole), median of runs:`);
  console.log(`  product  ${fmt(productActions, 2)}; last run: ${formatCounts(last.product.actions, 2)}`);
  console.log(`  bare     ${fmt(bareActions, 2)}; last run: ${formatCounts(last.bare.actions, 2)}`);
  console.log(`  ratio product/bare ${fmt(productActions / bareActions, 2)} (target ≤ 1.5)`);
  const o = pairs.map((p) => p.product.orchestrator);
  const rejected = o.flatMap((x) => x.rejected);
  console.log(
    `worst orchestrator workflow task over ${o.reduce((a, x) => a + x.runs, 0)} runs: ${rejected.length} rejected${rejected.length ? ` (${[...new Set(rejected)].join(', ')})` : ''}, ` +
      `closing task (continue-as-new / completion, scheduled → completed) max ${fmt(Math.max(...o.map((x) => x.worstClosingMs)) / 1000, 2)} s, ` +
      `longest task (started → completed) ${fmt(Math.max(...o.map((x) => x.longestTaskMs)) / 1000, 2)} s, tasks over 1 s ${o.reduce((a, x) => a + x.slowTasks, 0)} (target: none rejected, none over 1 s at continue-as-new)`,
  );
  const violations = pairs.reduce((a, p) => a + p.bare.violations + p.product.violations, 0);
  if (violations > 0) console.log(`FAIL: ${violations} lead(s) not invited exactly once or not finished`);
  return violations === 0 ? 0 : 1;
}
