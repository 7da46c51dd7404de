// The real stack in one process, as the runtime wires it: HTTP API → campaign service → Temporal →
// worker → activities → sandbox LinkedIn and PostgreSQL. Through a real socket.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config';
import { startProduct, type RunningProduct } from '../../src/runtime/product';
import { createOrganizationWithKey } from '../../src/services/organizations';
import { WORKFLOW_TYPES } from '../../src/workflows/definitions';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { exampleDefinition, waitFor } from '../support/fixtures';
import { quietLogger } from '../support/stack';
import { TEMPORAL_ADDRESS, WORKFLOW_BUNDLE, installTestRuntime } from '../support/temporal';
import { startSandboxLinkedIn, type SandboxHandle } from '../../src/linkedin/sandbox/server';

describe('smoke: the real stack end to end', () => {
  let db: TestDatabase;
  let product: RunningProduct;
  let sandbox: SandboxHandle;
  let base: string;
  let apiKey: string;
  const secret = 'whsec-test-0123456789';

  before(async () => {
    installTestRuntime();
    db = await createTestDatabase();
    sandbox = await startSandboxLinkedIn({ host: '127.0.0.1', port: 0 });
    const result = loadConfig({
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS,
      TEMPORAL_TASK_QUEUE: `smoke-${process.pid}`,
      UNIPILE_DSN: sandbox.dsn,
      UNIPILE_ACCESS_TOKEN: sandbox.accessToken,
      UNIPILE_WEBHOOK_SECRET: secret,
      PORT: '0',
      LOG_LEVEL: 'silent',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'clento-smoke-')),
    });
    assert.ok(result.ok);
    product = await startProduct(result.config, quietLogger, {
      api: true,
      worker: true,
      embedded: false,
      workflows: WORKFLOW_BUNDLE ? { bundlePath: WORKFLOW_BUNDLE } : undefined,
    });
    base = product.apiUrl!;
    ({ apiKey } = await createOrganizationWithKey(db.db, { name: 'Smoke Inc' }));
  });
  after(async () => {
    await product?.stop();
    await sandbox?.stop();
    await db?.drop();
  });

  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('is healthy and ready (database, Temporal, worker polling)', async () => {
    assert.equal((await fetch(`${base}/health`)).status, 200);
    const ready = await waitFor('ready', async () => {
      const r = await fetch(`${base}/ready`);
      return r.status === 200 ? ((await r.json()) as any) : null;
    });
    assert.equal(ready.checks.database.ok, true);
    assert.equal(ready.checks.temporal.ok, true);
    assert.equal(ready.checks.worker.ok, true);
  });

  it('runs a trivial workflow through Temporal to the database', async () => {
    const r = await product.client.workflow.execute(WORKFLOW_TYPES.smoke, {
      taskQueue: product.config.temporal.taskQueue,
      workflowId: `smoke-${Date.now()}`,
      args: [{ token: 'ping' }],
    });
    assert.equal((r as { token: string }).token, 'ping');
  });

  it('creates an account, a list, leads and a campaign over HTTP, starts it, and a reply webhook stops the lead', async () => {
    const unipile = sandbox.control.createAccount({ name: 'Sender' });
    const account = await api('POST', '/api/accounts', { providerAccountId: unipile.id, displayName: 'Sender' });
    assert.equal(account.status, 201, JSON.stringify(account.body));
    // Real accounts act only in working hours with minutes between writes; this one may act now.
    const settings = await api('PATCH', `/api/accounts/${account.body.id}/settings`, {
      workingHours: { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' },
      minGapSeconds: 0,
      jitterSeconds: 0,
      warmup: { days: 0, startPercent: 100 },
      safety: { spreadOverWindow: false },
    });
    assert.equal(settings.status, 200, JSON.stringify(settings.body));
    const list = await api('POST', '/api/lead-lists', { name: 'Smoke list' });
    assert.equal(list.status, 201);
    const imported = await api('POST', `/api/lead-lists/${list.body.id}/leads`, {
      leads: [{ firstName: 'Ada', lastName: 'Lovelace', linkedinUrl: 'https://www.linkedin.com/in/ada-smoke/' }],
    });
    assert.equal(imported.body.imported, 1, JSON.stringify(imported.body));
    const campaign = await api('POST', '/api/campaigns', {
      name: 'Smoke',
      leadListId: list.body.id,
      senderAccountId: account.body.id,
      workflowDefinition: exampleDefinition({ firstDelay: '1s' }),
    });
    assert.equal(campaign.status, 201, JSON.stringify(campaign.body));
    const orgId = campaign.body.organizationId ?? (await db.db.selectFrom('campaigns').select('organization_id').where('id', '=', campaign.body.id).executeTakeFirstOrThrow()).organization_id;

    const started = await api('POST', '/api/campaigns/start', { campaignId: campaign.body.id, organizationId: orgId });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    await waitFor('the invitation', async () => sandbox.control.writeCount(unipile.id, 'ada-smoke', 'invitation') === 1, 30_000);

    // The lead answers: Unipile posts message_received to our webhook (here by hand, with the shared secret).
    const person = sandbox.control.person('ada-smoke');
    const reply = {
      event: 'message_received',
      account_id: unipile.id,
      account_info: { type: 'LINKEDIN', user_id: unipile.providerId },
      message_id: 'msg-smoke-1',
      message: 'Not interested',
      sender: { attendee_provider_id: person.providerId, attendee_name: 'Ada' },
    };
    const wrong = await api('POST', '/api/webhooks/unipile', reply, { 'unipile-auth': 'nope' });
    assert.equal(wrong.status, 401);
    const ok = await api('POST', '/api/webhooks/unipile', reply, { 'unipile-auth': secret });
    assert.equal(ok.status, 200);
    const again = await api('POST', '/api/webhooks/unipile', reply, { 'unipile-auth': secret });
    assert.equal(again.body.duplicate, true);

    const execution = await waitFor('the lead to stop on reply', async () => {
      const r = await api('GET', `/api/campaigns/${campaign.body.id}/executions/${imported.body.leadIds?.[0] ?? (await db.db.selectFrom('leads').select('id').where('lead_list_id', '=', list.body.id).executeTakeFirstOrThrow()).id}`);
      return r.status === 200 && r.body.status === 'completed' ? r.body : null;
    }, 30_000);
    assert.ok(JSON.stringify(execution).includes('reply_received'));
    assert.equal(sandbox.control.writeCount(unipile.id, 'ada-smoke', 'message'), 0, 'no follow-up after a reply');
    const status = await waitFor('campaign completed', async () => {
      const r = await api('GET', `/api/campaigns/status?campaignId=${campaign.body.id}`);
      return r.body.status === 'completed' ? r.body : null;
    }, 30_000);
    assert.equal(status.processedLeads, 1);
  });
});
