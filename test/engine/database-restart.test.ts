// A PostgreSQL restart mid-campaign (the 3.5 s, then one of 25 s) is ridden out: activities
// wait for the database (heartbeating) instead of burning their quick retries, so no lead enters the
// long retry_wait, every lead completes, and LinkedIn sees every visit and no write twice. The worker
// is a real process (src/runtime/worker.ts); the database is a throwaway server of this test's own
// (the machine's server is shared and never restarted).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase, type DbHandle } from '../../src/db/connection';
import { migrateToLatest } from '../../src/db/migrate';
import { startSandboxLinkedIn, type SandboxHandle } from '../../src/linkedin/sandbox/server';
import { createCampaignService } from '../../src/services/campaign.service';
import { campaignWorkflowId, type OrchestratorStatus } from '../../src/workflows/definitions';
import { quickDefinition, seedCampaign, waitFor } from '../support/fixtures';
import { quietLogger } from '../support/stack';
import { connectTestTemporal, TEMPORAL_ADDRESS, WORKFLOW_BUNDLE, type TestTemporal } from '../support/temporal';
import { freePort, postgresBinDir, startThrowawayPostgres, type ThrowawayPostgres } from '../support/throwaway-postgres';
import { killAllWorkers, spawnWorker } from '../support/worker-process';

const LEADS = 40;
const OUTAGES_MS = [3_500, 25_000];

type Timeline = Array<{ type?: string; reason?: string }>;

describe('a PostgreSQL restart mid-campaign', { skip: postgresBinDir() ? false : 'no PostgreSQL server binaries on this machine (set PG_BIN)' }, () => {
  let t: TestTemporal;
  let pgServer: ThrowawayPostgres;
  let db: DbHandle;
  let sandbox: SandboxHandle;

  before(async () => {
    t = await connectTestTemporal();
    pgServer = await startThrowawayPostgres({ port: await freePort() });
    db = await openDatabase({ databaseUrl: pgServer.url, dataDir: '' });
    await migrateToLatest(db.db);
    sandbox = await startSandboxLinkedIn({ host: '127.0.0.1', port: 0, dailyInvitationLimit: 1_000_000 });
  });
  after(async () => {
    await killAllWorkers();
    await sandbox?.stop();
    await db?.close();
    await pgServer?.destroy();
    await t?.close();
  });

  it(`restarted twice (down ${OUTAGES_MS.map((ms) => ms / 1000).join(' s, ')} s) during a ${LEADS}-lead campaign: no lead in retry_wait, all complete, no write twice`, { timeout: 360_000 }, async (ctx) => {
    const taskQueue = `${t.taskQueue}-pgrestart`;
    const account = sandbox.control.createAccount({ name: 'Restart sender' });
    const seeded = await seedCampaign(db.db, { unipileAccountId: account.id, definition: quickDefinition(), leads: LEADS, slugPrefix: 'pgr' });
    const worker = spawnWorker({
      name: 'pg-restart-worker',
      env: {
        DATABASE_URL: pgServer.url,
        TEMPORAL_ADDRESS,
        TEMPORAL_TASK_QUEUE: taskQueue,
        UNIPILE_DSN: sandbox.dsn,
        UNIPILE_ACCESS_TOKEN: sandbox.accessToken,
        TEMPORAL_WORKFLOW_BUNDLE: WORKFLOW_BUNDLE,
        WORKER_SHUTDOWN_GRACE_SECONDS: '1',
      },
    });
    await worker.ready;
    // LinkedIn takes its time to answer, as it does: steps are in flight (between recording the attempt and its
    // outcome) when the database goes away, which is what put leads into retry_wait.
    sandbox.control.setFaults({ latencyMs: 500 });
    const campaigns = createCampaignService({ db: db.db, client: t.client, taskQueue, logger: quietLogger });
    const startedAt = Date.now();
    // Paced so that both restarts land while leads are being started and worked on.
    await campaigns.start({ organizationId: seeded.organizationId, campaignId: seeded.campaignId, maxConcurrentLeads: 10, leadProcessingDelay: 400 });
    const invitations = () => sandbox.control.writeCounts().filter((w) => w.accountId === account.id && w.kind === 'invitation').length;

    const invitedAtRestart: number[] = [];
    for (const [i, downMs] of OUTAGES_MS.entries()) {
      await waitFor(`invitations before restart ${i + 1}`, async () => invitations() >= ((i + 1) * LEADS) / 5, 60_000, 100).catch((err: unknown) => {
        throw new Error(`${String(err)}: ${invitations()} invitations; worker output:\n${worker.output().slice(-4000)}`);
      });
      invitedAtRestart.push(invitations());
      await pgServer.restart(downMs);
    }
    assert.ok(invitedAtRestart.at(-1)! < LEADS, `campaign done before the last restart (invited at each: ${invitedAtRestart.join(', ')})`);

    const inRetryWait = async () => {
      const rows = await db.db.selectFrom('campaign_executions').select('execution_data').where('campaign_id', '=', seeded.campaignId).execute();
      return rows.filter((r) => ((r.execution_data as { timeline?: Timeline }).timeline ?? []).some((e) => e.type === 'retry_wait')).length;
    };
    // A lead in retry_wait would hold the campaign 5 minutes: fail fast, saying so.
    let budget: NodeJS.Timeout | undefined;
    const result = (await Promise.race([
      t.client.workflow.getHandle(campaignWorkflowId(seeded.campaignId)).result(),
      new Promise<never>((_, reject) => {
        budget = setTimeout(
          () =>
            void Promise.all([inRetryWait(), db.db.selectFrom('campaign_executions').select(['status']).where('campaign_id', '=', seeded.campaignId).execute()]).then(([n, rows]) =>
              reject(new Error(`campaign not finished 150 s after the last restart; leads in retry_wait: ${n}; executions: ${JSON.stringify(rows.map((r) => r.status))}; invitations ${invitations()}\n${worker.output().slice(-3000)}`)),
            ),
          150_000,
        );
      }),
    ]).finally(() => clearTimeout(budget))) as OrchestratorStatus;
    const doneAt = Date.now();
    assert.equal(result.finished, LEADS);
    assert.equal(result.succeeded, LEADS);

    const rows = await db.db.selectFrom('campaign_executions').select(['lead_id', 'status', 'execution_data']).where('campaign_id', '=', seeded.campaignId).execute();
    assert.equal(rows.length, LEADS);
    assert.deepEqual([...new Set(rows.map((r) => r.status))], ['completed']);
    const retryWaits = rows.filter((r) => ((r.execution_data as { timeline?: Timeline }).timeline ?? []).some((e) => e.type === 'retry_wait'));
    assert.equal(retryWaits.length, 0, `leads that entered retry_wait: ${retryWaits.length}`);
    const counts = sandbox.control.writeCounts().filter((w) => w.accountId === account.id);
    assert.deepEqual(counts.filter((w) => w.kind !== 'profile_view' && w.count > 1), [], 'writes LinkedIn saw twice');
    const visited = new Set(counts.filter((w) => w.kind === 'profile_view').map((w) => w.providerId));
    const notVisited = seeded.slugs.filter((s) => !visited.has(sandbox.control.person(s).providerId));
    assert.deepEqual(notVisited, [], 'leads whose visit never reached LinkedIn');
    const invitedOnce = counts.filter((w) => w.kind === 'invitation' && w.count === 1).length;
    assert.equal(invitedOnce, LEADS);
    const duplicateVisits = counts.filter((w) => w.kind === 'profile_view' && w.count > 1).length;
    ctx.diagnostic(
      `${LEADS} leads, invitations at each restart ${invitedAtRestart.join(', ')}, outages ${OUTAGES_MS.join(' ms, ')} ms; ` +
        `0 in retry_wait, ${duplicateVisits} duplicate visits; done in ${((doneAt - startedAt) / 1000).toFixed(1)} s`,
    );
    await worker.kill('SIGTERM');
  });
});
