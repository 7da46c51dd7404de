// Traces: with a span processor installed (here an in-memory exporter instead of OTLP), the HTTP request
// that starts a campaign is the root of one trace that runs through the Temporal client, the orchestrator,
// the lead workflow and its activities, down to each Unipile call. Real Temporal, real sandbox over HTTP.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NativeConnection, Worker } from '@temporalio/worker';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app';
import { compileWorkflowDefinition } from '../../src/domain/workflow-definition';
import { createApiKey } from '../../src/services/organizations';
import { connectClient } from '../../src/temporal/connection';
import { WORKFLOW_INTERCEPTOR_MODULES, WORKFLOWS_PATH } from '../../src/temporal/worker';
import { WORKFLOW_TYPES } from '../../src/workflows/definitions';
import { setupTracing } from '../../src/telemetry/tracing';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { quickDefinition, seedCampaign, waitFor } from '../support/fixtures';
import { quietLogger, startEngine, type EngineStack } from '../support/stack';
import { TEMPORAL_ADDRESS, WORKFLOW_BUNDLE, installTestRuntime } from '../support/temporal';

describe('traces: one trace from the start request to each Unipile call', () => {
  const exporter = new InMemorySpanExporter();
  let db: TestDatabase;
  let engine: EngineStack;
  let app: FastifyInstance;
  let closeTemporal: () => Promise<void>;
  let running: Promise<void>;
  let client: Awaited<ReturnType<typeof connectClient>>['client'];

  before(async () => {
    setupTracing({ spanProcessor: new SimpleSpanProcessor(exporter), serviceName: 'clento-test' });
    installTestRuntime();
    db = await createTestDatabase();
    const connected = await connectClient({ address: TEMPORAL_ADDRESS, namespace: 'default' });
    client = connected.client;
    const connection = connected.connection;
    const nativeConnection = await NativeConnection.connect({ address: TEMPORAL_ADDRESS });
    closeTemporal = async () => {
      await connection.close();
      await nativeConnection.close();
    };
    engine = await startEngine({ db, client, nativeConnection, taskQueue: `trace-${process.pid}` });
    running = engine.worker.run();
    app = await buildApp({ db: db.db, logger: quietLogger, campaignControl: engine.campaigns, compileDefinition: compileWorkflowDefinition });
    await app.listen({ port: 0, host: '127.0.0.1' });
  });

  after(async () => {
    await app?.close();
    engine?.worker.shutdown();
    await running;
    await engine?.stop();
    await closeTemporal?.();
    await db?.drop();
  });

  it('links the start request, the workflows, the activities and the Unipile HTTP calls parent to child', async () => {
    const seeded = await seedCampaign(db.db, { unipileAccountId: engine.unipileAccountId, definition: quickDefinition(), leads: 1 });
    const { apiKey } = await createApiKey(db.db, seeded.organizationId);
    const address = app.server.address() as { port: number };
    const res = await fetch(`http://127.0.0.1:${address.port}/api/campaigns/start`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ campaignId: seeded.campaignId, organizationId: seeded.organizationId }),
    });
    assert.equal(res.status, 200, await res.text());
    await waitFor('campaign completed', async () => {
      const c = await db.db.selectFrom('campaigns').select('status').where('id', '=', seeded.campaignId).executeTakeFirst();
      return c?.status === 'completed';
    }, 60_000);

    const byId = new Map<string, ReadableSpan>();
    const chainOf = (span: ReadableSpan): ReadableSpan[] => {
      const chain = [span];
      for (let s = span; s.parentSpanId && byId.has(s.parentSpanId); ) {
        s = byId.get(s.parentSpanId)!;
        chain.unshift(s);
      }
      return chain;
    };
    // Workflow spans leave the sandbox through the worker's sink, after the activation that made them.
    // The visit's own call (the quota reservation before it may read the account from Unipile too).
    const chain = await waitFor('a profile visit\'s Unipile call span whose ancestry reaches the start request', () => {
      byId.clear();
      for (const s of exporter.getFinishedSpans()) byId.set(s.spanContext().spanId, s);
      const calls = [...byId.values()].filter((s) => s.name.startsWith('unipile '));
      return Promise.resolve(
        calls.map(chainOf).find((c) => c[0]!.attributes['http.route'] === '/api/campaigns/start' && c.some((s) => s.name === 'RunActivity:visitProfile')),
      );
    }, 20_000);

    const names = chain.map((s) => s.name);
    const expectInOrder = [
      'request', // Fastify: POST /api/campaigns/start
      'StartWorkflow:CampaignOrchestratorWorkflow', // the Temporal client, in the request
      'RunWorkflow:CampaignOrchestratorWorkflow',
      'StartChildWorkflow:LeadOutreachWorkflow',
      'RunWorkflow:LeadOutreachWorkflow',
      'StartActivity:visitProfile',
      'RunActivity:visitProfile',
    ];
    let at = 0;
    for (const expected of expectInOrder) {
      const i = names.indexOf(expected, at);
      assert.ok(i >= 0, `${expected} in the chain after ${names[at - 1] ?? 'the start'}: ${names.join(' → ')}`);
      at = i + 1;
    }
    assert.match(names.at(-1)!, /^unipile (GET|POST)$/);
    assert.equal(new Set(chain.map((s) => s.spanContext().traceId)).size, 1, 'one trace');
    assert.equal(chain[0]!.parentSpanId, undefined, 'the request is the root');
    const call = chain.at(-1)!;
    assert.match(String(call.attributes['url.path']), /^\/api\/v1\//);

    // The traced histories (trace headers, interceptors active) replay on the same bundle: the gate in
    // workflows/tracing.interceptors.ts decides from the history alone.
    const source = WORKFLOW_BUNDLE ? { workflowBundle: { codePath: WORKFLOW_BUNDLE } } : { workflowsPath: WORKFLOWS_PATH, interceptors: { workflowModules: [...WORKFLOW_INTERCEPTOR_MODULES] } };
    // Visibility is eventually consistent: wait until both workflows are listed.
    const workflows = await waitFor('the campaign workflows in visibility', async () => {
      const found = [];
      for await (const wf of client.workflow.list({ query: `CampaignId = '${seeded.campaignId}'` })) found.push(wf);
      const types = new Set(found.map((w) => w.type));
      return types.has(WORKFLOW_TYPES.campaignOrchestrator) && types.has(WORKFLOW_TYPES.leadOutreach) ? found : null;
    });
    const replayed: string[] = [];
    for (const wf of workflows) {
      const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      await Worker.runReplayHistory(source, history, wf.workflowId);
      replayed.push(wf.type);
    }
    assert.ok(replayed.includes(WORKFLOW_TYPES.campaignOrchestrator) && replayed.includes(WORKFLOW_TYPES.leadOutreach), `replayed ${replayed.join(', ')}`);
  });
});
