// Nothing is lost while Temporal is down: the real stack (startProduct: API, worker, background loop)
// on a dev server this test owns, stopped and started again on the same port and database file.
// - Unipile webhooks delivered during the outage (an acceptance and a reply, sent by the sandbox to
//   the product's webhook route) are stored, answered 200, and reach their leads once Temporal is back.
// - A pause asked during the outage answers 202 at once (recorded, not applied yet), a retried pause
//   too, and the orchestrator and its leads are paused once Temporal is back.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config';
import { registerProductWebhooks } from '../../src/linkedin/register-webhooks';
import { startSandboxLinkedIn, type SandboxHandle } from '../../src/linkedin/sandbox/server';
import { UnipileClient } from '../../src/linkedin/unipile.client';
import { startProduct, type RunningProduct } from '../../src/runtime/product';
import { createOrganizationWithKey } from '../../src/services/organizations';
import { findTemporalCli } from '../../src/temporal/binaries';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { campaignWorkflowId, leadStatusQuery, leadWorkflowId, orchestratorStatusQuery } from '../../src/workflows/definitions';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { seedCampaign, waitFor } from '../support/fixtures';
import { quietLogger } from '../support/stack';
import { WORKFLOW_BUNDLE, installTestRuntime } from '../support/temporal';
import { freePort } from '../support/throwaway-postgres';

/** Invite, then wait for acceptance: accepted → a follow-up a minute later; not accepted within 14 days → withdraw. */
function acceptanceDefinition() {
  return {
    nodes: [
      { id: 'invite', type: 'action', position: { x: 0, y: 0 }, data: { type: 'send_invite', label: 'Invite', isConfigured: true, config: { message: 'Hi [first_name]' } } },
      { id: 'msg', type: 'action', position: { x: 200, y: 150 }, data: { type: 'send_followup', label: 'Follow-up', isConfigured: true, pathType: 'accepted', config: { message: 'Thanks [first_name]!' } } },
      { id: 'withdraw', type: 'action', position: { x: -200, y: 150 }, data: { type: 'withdraw_request', label: 'Withdraw', isConfigured: true, pathType: 'not-accepted', config: {} } },
    ],
    edges: [
      { id: 'e1', source: 'invite', target: 'msg', type: 'conditional', data: { delay: '1m', delayData: { delay: 1, unit: 'm' }, isPositive: true, isConditionalPath: true } },
      { id: 'e2', source: 'invite', target: 'withdraw', type: 'conditional', data: { delay: '14d', delayData: { delay: 14, unit: 'd' }, isPositive: false, isConditionalPath: true } },
    ],
    timestamp: '2026-12-02T05:00:00.000Z',
  };
}

type Timeline = Array<{ type?: string; reason?: string; branch?: string }>;

describe('a Temporal outage loses nothing: webhooks and control calls are applied once it is back', () => {
  const secret = 'whsec-outage-0123456789';
  let dir: string;
  let port: number;
  let temporal: DevServer | undefined;
  let db: TestDatabase;
  let sandbox: SandboxHandle;
  let product: RunningProduct;
  let apiKey: string;

  const startTemporal = async () => {
    const cliPath = findTemporalCli(undefined);
    assert.ok(cliPath, 'temporal CLI missing: run scripts/setup.sh');
    temporal = await startDevServer({ cliPath, namespace: 'default', port, headless: true, dbFilename: join(dir, 'temporal.sqlite') });
  };

  before(async () => {
    installTestRuntime();
    dir = mkdtempSync(join(tmpdir(), 'clento-outage-'));
    port = await freePort();
    await startTemporal();
    db = await createTestDatabase();
    sandbox = await startSandboxLinkedIn({ host: '127.0.0.1', port: 0, dailyInvitationLimit: 1_000_000, acceptAfterMs: null, replyAfterMs: null, webhookRetryDelaysMs: [200, 400, 800, 1600, 3200] });
    const config = loadConfig({
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      TEMPORAL_TASK_QUEUE: `outage-${process.pid}`,
      UNIPILE_DSN: sandbox.dsn,
      UNIPILE_ACCESS_TOKEN: sandbox.accessToken,
      UNIPILE_WEBHOOK_SECRET: secret,
      PORT: '0',
      LOG_LEVEL: 'silent',
      DATA_DIR: dir,
      WORKER_SHUTDOWN_GRACE_SECONDS: '1',
    });
    assert.ok(config.ok, JSON.stringify(!config.ok && config.problems));
    product = await startProduct(config.config, quietLogger, {
      api: true,
      worker: true,
      embedded: false,
      workflows: WORKFLOW_BUNDLE ? { bundlePath: WORKFLOW_BUNDLE } : undefined,
    });
    // The sandbox delivers its webhooks to the product's route, as Unipile would.
    await registerProductWebhooks(new UnipileClient({ dsn: sandbox.dsn, accessToken: sandbox.accessToken }), { baseUrl: product.apiUrl!, secret });
    ({ apiKey } = await createOrganizationWithKey(db.db, { name: 'Outage Inc' }));
  });
  after(async () => {
    await product?.stop();
    await temporal?.stop();
    await sandbox?.stop();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${product.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const timelineOf = async (campaignId: string, leadId: string) => {
    const row = await db.db.selectFrom('campaign_executions').select(['status', 'execution_data']).where('campaign_id', '=', campaignId).where('lead_id', '=', leadId).executeTakeFirst();
    return { status: row?.status, timeline: ((row?.execution_data as { timeline?: Timeline } | undefined)?.timeline ?? []) };
  };
  const waitingForAcceptance = async (campaignId: string, leadIds: string[]) => {
    for (const leadId of leadIds) {
      if (!(await timelineOf(campaignId, leadId)).timeline.some((e) => e.type === 'acceptance_wait')) return false;
    }
    return true;
  };

  it('an acceptance, a reply and a pause sent while Temporal is down reach their leads and orchestrator once it is back', { timeout: 180_000 }, async (ctx) => {
    const { organizationId } = await db.db.selectFrom('api_keys').select('organization_id').executeTakeFirstOrThrow().then((r) => ({ organizationId: r.organization_id }));
    const account = sandbox.control.createAccount({ name: 'Outage sender' });
    const webhookCampaign = await seedCampaign(db.db, { unipileAccountId: account.id, definition: acceptanceDefinition(), leads: 2, slugPrefix: 'hook', organizationId });
    const pauseCampaign = await seedCampaign(db.db, { unipileAccountId: account.id, definition: acceptanceDefinition(), leads: 1, slugPrefix: 'pause', organizationId, accountId: webhookCampaign.accountId });
    for (const c of [webhookCampaign, pauseCampaign]) {
      const started = await api('POST', '/api/campaigns/start', { campaignId: c.campaignId, organizationId });
      assert.equal(started.status, 200, JSON.stringify(started.body));
    }
    await waitFor('every lead invited and waiting for acceptance', async () =>
      (await waitingForAcceptance(webhookCampaign.campaignId, webhookCampaign.leadIds)) && (await waitingForAcceptance(pauseCampaign.campaignId, pauseCampaign.leadIds)), 60_000, 250);
    const [accepting, replying] = webhookCampaign.slugs as [string, string];

    // ---- Temporal goes down ----
    await temporal!.stop();
    const downAt = Date.now();

    // Unipile (the sandbox) delivers an acceptance and a reply: stored and answered 200.
    assert.equal(sandbox.control.acceptInvitation(account.id, accepting), true);
    sandbox.control.reply(account.id, replying, 'Please stop');
    await sandbox.control.flushWebhooks();
    const delivered = sandbox.control.deliveries().filter((d) => d.delivered);
    assert.ok(delivered.length >= 2, `webhooks delivered: ${delivered.length}`);
    const stored = await db.db.selectFrom('unipile_events').select(['event_type', 'processed_at', 'attempts']).execute();
    assert.ok(stored.some((e) => e.event_type === 'new_relation'), 'acceptance stored');
    assert.ok(stored.some((e) => e.event_type === 'message_received'), 'reply stored');

    // A pause during the outage: recorded at once, answered 202 "not applied yet"; a retry likewise.
    const t0 = Date.now();
    const paused = await api('POST', '/api/campaigns/pause', { campaignId: pauseCampaign.campaignId });
    const pauseMs = Date.now() - t0;
    assert.equal(paused.status, 202, JSON.stringify(paused.body));
    assert.equal(paused.body.status, 'paused');
    assert.equal(paused.body.applied, false);
    assert.ok(pauseMs < 6_000, `pause answered in ${pauseMs} ms`);
    const retried = await api('POST', '/api/campaigns/pause', { campaignId: pauseCampaign.campaignId });
    assert.equal(retried.status, 202);
    assert.equal(retried.body.applied, false);

    // The backlog shows on /ready while Temporal is down.
    const ready = await waitFor('the backlog on /ready', async () => {
      const r = (await (await fetch(`${product.apiUrl}/ready`)).json()) as any;
      return r.backlog?.unipileEvents?.pending >= 2 && r.backlog?.campaignControl?.pending === 1 ? r : null;
    }, 30_000, 500);
    assert.equal(ready.status, 'not_ready');
    assert.equal(ready.checks.temporal.ok, false);
    await new Promise((r) => setTimeout(r, 3_000));
    const outageMs = Date.now() - downAt;

    // ---- Temporal comes back (same port, same database file) ----
    await startTemporal();
    const upAt = Date.now();

    const acceptedAt = await waitFor('the acceptance reached its lead', async () => {
      const { timeline } = await timelineOf(webhookCampaign.campaignId, webhookCampaign.leadIds[0]!);
      return timeline.some((e) => e.type === 'branch' && e.branch === 'accepted' && e.reason === 'accepted_via_webhook') ? Date.now() : null;
    }, 60_000, 250);
    const repliedAt = await waitFor('the reply stopped its lead', async () => {
      const { status, timeline } = await timelineOf(webhookCampaign.campaignId, webhookCampaign.leadIds[1]!);
      return status === 'completed' && timeline.some((e) => e.type === 'reply_received') ? Date.now() : null;
    }, 60_000, 250);
    const pausedAt = await waitFor('the pause reached the orchestrator and its lead', async () => {
      const s = await product.client.workflow.getHandle(campaignWorkflowId(pauseCampaign.campaignId)).query(orchestratorStatusQuery).catch(() => null);
      if (!s?.paused) return null;
      const lead = await product.client.workflow.getHandle(leadWorkflowId(pauseCampaign.campaignId, pauseCampaign.leadIds[0]!)).query(leadStatusQuery).catch(() => null);
      return lead?.paused ? Date.now() : null;
    }, 60_000, 250);

    const campaign = await db.db.selectFrom('campaigns').select(['status', 'applied_status', 'control_request']).where('id', '=', pauseCampaign.campaignId).executeTakeFirstOrThrow();
    assert.deepEqual([campaign.status, campaign.applied_status, campaign.control_request], ['paused', 'paused', null]);
    const pending = await db.db.selectFrom('unipile_events').select('id').where('processed_at', 'is', null).execute();
    assert.equal(pending.length, 0, 'every stored webhook applied');
    const afterReady = await waitFor('ready again, with an empty backlog', async () => {
      const r = await fetch(`${product.apiUrl}/ready`);
      const body = (await r.json()) as any;
      return r.status === 200 && body.backlog?.unipileEvents?.pending === 0 && body.backlog?.campaignControl?.pending === 0 ? body : null;
    }, 30_000, 500);
    assert.equal(afterReady.status, 'ready');
    // Applied: a pause now answers 200.
    const again = await api('POST', '/api/campaigns/pause', { campaignId: pauseCampaign.campaignId });
    assert.equal(again.status, 200);
    assert.equal(again.body.applied, true);
    // Nothing was sent on the paused campaign, and the replying lead got no follow-up.
    assert.equal(sandbox.control.writeCount(account.id, replying, 'message'), 0);

    ctx.diagnostic(
      `Temporal down ${(outageMs / 1000).toFixed(1)} s; pause answered 202 in ${pauseMs} ms; after restart: acceptance applied in ${((acceptedAt - upAt) / 1000).toFixed(1)} s, ` +
        `reply in ${((repliedAt - upAt) / 1000).toFixed(1)} s, pause in ${((pausedAt - upAt) / 1000).toFixed(1)} s`,
    );
  });
});
