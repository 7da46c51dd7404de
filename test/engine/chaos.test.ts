// Chaos in one campaign: worker processes SIGKILLed, the Temporal server restarted (a dev server this
// test owns, same port and database file) and the PostgreSQL server restarted (a throwaway server of
// this test's own; the machine's is shared). Then: no lead lost or stuck, no LinkedIn write twice, and
// every lead's profile visit really reached LinkedIn (the sandbox, over HTTP, in this process).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { sql } from 'kysely';
import { openDatabase, type DbHandle } from '../../src/db/connection';
import { migrateToLatest } from '../../src/db/migrate';
import { startSandboxLinkedIn, type SandboxHandle } from '../../src/linkedin/sandbox/server';
import { createCampaignService } from '../../src/services/campaign.service';
import { findTemporalCli } from '../../src/temporal/binaries';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { campaignWorkflowId, type OrchestratorStatus } from '../../src/workflows/definitions';
import { quickDefinition, seedCampaign, waitFor } from '../support/fixtures';
import { quietLogger } from '../support/stack';
import { WORKFLOW_BUNDLE, installTestRuntime } from '../support/temporal';
import { freePort, postgresBinDir, startThrowawayPostgres, type ThrowawayPostgres } from '../support/throwaway-postgres';
import { killAllWorkers, liveWorkerCount, spawnWorker, type WorkerProcess } from '../support/worker-process';

const LEADS = Number(process.env.TEST_CHAOS_LEADS ?? 80);
/** After the last fault: activities lost with a killed worker come back after their heartbeat timeout (30 s). */
const COMPLETION_BUDGET_MS = 120_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Fault = { kind: 'sigkill' | 'temporal_restart' | 'postgres_restart'; atInvitations: number; downMs?: number };

describe('chaos: SIGKILLs, a Temporal restart and a PostgreSQL restart in one campaign', { skip: postgresBinDir() ? false : 'no PostgreSQL server binaries on this machine (set PG_BIN)' }, () => {
  let dir: string;
  let temporalPort: number;
  let temporal: DevServer | undefined;
  let connection: Connection;
  let client: Client;
  let pgServer: ThrowawayPostgres;
  let db: DbHandle;
  let sandbox: SandboxHandle;

  const startTemporal = async () => {
    const cliPath = findTemporalCli(undefined);
    assert.ok(cliPath, 'temporal CLI missing: run scripts/setup.sh');
    temporal = await startDevServer({ cliPath, namespace: 'default', port: temporalPort, headless: true, dbFilename: join(dir, 'temporal.sqlite') });
  };

  before(async () => {
    installTestRuntime();
    dir = mkdtempSync(join(tmpdir(), 'clento-chaos-'));
    temporalPort = await freePort();
    await startTemporal();
    connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
    client = new Client({ connection, namespace: 'default' });
    pgServer = await startThrowawayPostgres({ port: await freePort() });
    db = await openDatabase({ databaseUrl: pgServer.url, dataDir: '' });
    await migrateToLatest(db.db);
    sandbox = await startSandboxLinkedIn({ host: '127.0.0.1', port: 0, dailyInvitationLimit: 1_000_000 });
  });
  after(async () => {
    await killAllWorkers();
    assert.equal(liveWorkerCount(), 0);
    await sandbox?.stop();
    await db?.close();
    await connection?.close();
    await temporal?.stop();
    await pgServer?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`${LEADS} leads through 3 SIGKILLs, a Temporal restart and a PostgreSQL restart: none lost or stuck, no write twice, every visit reached LinkedIn`, { timeout: 300_000 }, async (ctx) => {
    const taskQueue = `chaos-${process.pid}`;
    const account = sandbox.control.createAccount({ name: 'Chaos sender' });
    const seeded = await seedCampaign(db.db, { unipileAccountId: account.id, definition: quickDefinition(), leads: LEADS, slugPrefix: 'chaos' });
    let n = 0;
    const spawn = (): WorkerProcess =>
      spawnWorker({
        name: `chaos-worker-${n++}`,
        env: {
          DATABASE_URL: pgServer.url,
          TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
          TEMPORAL_TASK_QUEUE: taskQueue,
          UNIPILE_DSN: sandbox.dsn,
          UNIPILE_ACCESS_TOKEN: sandbox.accessToken,
          TEMPORAL_WORKFLOW_BUNDLE: WORKFLOW_BUNDLE,
          WORKER_SHUTDOWN_GRACE_SECONDS: '1',
        },
      });
    let worker = spawn();
    await worker.ready;

    const campaigns = createCampaignService({ db: db.db, client, taskQueue, logger: quietLogger });
    const startedAt = Date.now();
    // Paced so that every fault lands mid-campaign.
    await campaigns.start({ organizationId: seeded.organizationId, campaignId: seeded.campaignId, maxConcurrentLeads: 20, leadProcessingDelay: 200 });
    const writes = () => sandbox.control.writeCounts().filter((w) => w.accountId === account.id);
    const invitations = () => writes().filter((w) => w.kind === 'invitation').length;

    const at = (share: number) => Math.floor(LEADS * share);
    const faults: Fault[] = [
      { kind: 'sigkill', atInvitations: at(0.1) },
      { kind: 'temporal_restart', atInvitations: at(0.25), downMs: 5_000 },
      { kind: 'sigkill', atInvitations: at(0.4) },
      { kind: 'postgres_restart', atInvitations: at(0.55), downMs: 5_000 },
      { kind: 'sigkill', atInvitations: at(0.7) },
    ];
    const log: string[] = [];
    for (const f of faults) {
      await waitFor(`${f.atInvitations} invitations before the ${f.kind}`, async () => invitations() >= f.atInvitations, 120_000, 100);
      const invited = invitations();
      if (f.kind === 'sigkill') {
        await worker.kill('SIGKILL');
        worker = spawn();
        await worker.ready;
      } else if (f.kind === 'temporal_restart') {
        await temporal!.stop();
        await sleep(f.downMs!);
        await startTemporal();
      } else {
        await pgServer.restart(f.downMs!);
      }
      log.push(`${f.kind}${f.downMs ? ` (${f.downMs / 1000} s down)` : ''} at ${invited} invitations`);
    }
    const lastFaultAt = Date.now();
    assert.ok(invitations() < LEADS, `campaign done before the last fault (${log.join('; ')})`);

    const progress = async () => {
      const rows = await db.db.selectFrom('campaign_executions').select(['status', sql<number>`count(*)::int`.as('n')]).where('campaign_id', '=', seeded.campaignId).groupBy('status').execute();
      return `invitations ${invitations()}, executions ${JSON.stringify(Object.fromEntries(rows.map((r) => [r.status, r.n])))}`;
    };
    const result = (await Promise.race([
      client.workflow.getHandle(campaignWorkflowId(seeded.campaignId)).result(),
      sleep(COMPLETION_BUDGET_MS).then(async () => {
        throw new Error(`campaign not finished ${COMPLETION_BUDGET_MS / 1000} s after the last fault: ${await progress()}\n${worker.output().slice(-3000)}`);
      }),
    ])) as OrchestratorStatus;
    const doneAt = Date.now();

    // Nothing lost or stuck.
    assert.equal(result.finished, LEADS);
    assert.equal(result.succeeded, LEADS);
    const rows = await db.db.selectFrom('campaign_executions').select(['status', sql<number>`count(*)::int`.as('n')]).where('campaign_id', '=', seeded.campaignId).groupBy('status').execute();
    assert.deepEqual(rows.map((r) => [r.status, r.n]), [['completed', LEADS]]);
    const campaign = await db.db.selectFrom('campaigns').select('status').where('id', '=', seeded.campaignId).executeTakeFirstOrThrow();
    assert.equal(campaign.status, 'completed');
    // No write twice; every lead invited exactly once.
    const all = writes();
    assert.deepEqual(all.filter((w) => w.kind !== 'profile_view' && w.count > 1), [], 'writes LinkedIn saw more than once');
    const invitedOnce = new Set(all.filter((w) => w.kind === 'invitation' && w.count === 1).map((w) => w.providerId));
    assert.deepEqual(seeded.slugs.filter((s) => !invitedOnce.has(sandbox.control.person(s).providerId)), [], 'leads not invited exactly once');
    // Every visit recorded done reached LinkedIn.
    const visited = new Map(all.filter((w) => w.kind === 'profile_view').map((w) => [w.providerId, w.count]));
    assert.deepEqual(seeded.slugs.filter((s) => !visited.has(sandbox.control.person(s).providerId)), [], 'leads whose visit never reached LinkedIn');
    const duplicateVisits = [...visited.values()].filter((c) => c > 1).length;
    const duplicateWrites = all.filter((w) => w.kind !== 'profile_view' && w.count > 1).length;

    ctx.diagnostic(
      `${LEADS} leads, ${faults.length} faults survived (${log.join('; ')}); ${((lastFaultAt - startedAt) / 1000).toFixed(1)} s to the last fault, ` +
        `${((doneAt - lastFaultAt) / 1000).toFixed(1)} s more to completion; leads lost 0, stuck 0, duplicate writes ${duplicateWrites}, ` +
        `visits reached ${visited.size}/${LEADS} (${duplicateVisits} leads visited twice after a kill mid-visit)`,
    );
    await worker.kill('SIGTERM');
  });
});
