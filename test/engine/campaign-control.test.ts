// The campaign engine on a real Temporal dev server and real PostgreSQL, LinkedIn simulated by the
// sandbox over HTTP: completion at scale with continue-as-new, double start, pause / resume / stop.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { campaignWorkflowId, type OrchestratorStatus } from '../../src/workflows/definitions';
import { quickDefinition, seedCampaign, waitFor } from '../support/fixtures';
import { useEngineOnDevServer } from '../support/stack';

function delayedDefinition(delay: string) {
  const d = quickDefinition();
  const unit = delay.slice(-1);
  d.edges[0]!.data = { delay, delayData: { delay: parseInt(delay, 10), unit } };
  return d;
}

describe('campaign engine on the dev server', () => {
  const suite = useEngineOnDevServer();

  const statusOf = (campaignId: string) => suite.db.db.selectFrom('campaigns').select(['status', 'status_reason']).where('id', '=', campaignId).executeTakeFirstOrThrow();
  const invitesTo = (slugs: string[]) => slugs.map((s) => suite.engine.sandbox.control.writeCount(suite.engine.unipileAccountId, s, 'invitation'));

  it('runs 150 leads to completion: each invited exactly once, the orchestrator continued-as-new, no history near the limit', async () => {
    const seeded = await seedCampaign(suite.db.db, { unipileAccountId: suite.engine.unipileAccountId, definition: quickDefinition(), leads: 150, slugPrefix: 'scale' });
    await suite.engine.campaigns.start({ organizationId: seeded.organizationId, campaignId: seeded.campaignId, maxConcurrentLeads: 40 });
    const handle = suite.t.client.workflow.getHandle(campaignWorkflowId(seeded.campaignId));
    const result = (await handle.result()) as OrchestratorStatus;
    assert.equal(result.finished, 150);
    assert.equal(result.succeeded, 150);
    assert.ok(result.runs > 1, `orchestrator continued-as-new (runs: ${result.runs})`);
    assert.deepEqual(new Set(invitesTo(seeded.slugs)), new Set([1]));
    assert.equal((await statusOf(seeded.campaignId)).status, 'completed');
    const view = await suite.engine.campaigns.status({ organizationId: seeded.organizationId, campaignId: seeded.campaignId });
    assert.equal(view.processedLeads, 150);
    assert.equal(view.successfulLeads, 150);
    assert.equal(view.steps.invite?.done, 150);
    // The run that finished stays far below the 51,200-event limit (the dev server suggests continue-as-new at 400 here).
    const last = await handle.fetchHistory();
    assert.ok((last.events?.length ?? 0) < 2_000, `last run had ${last.events?.length} events`);
  });

  it('a second start of a running campaign returns the running one', async () => {
    const seeded = await seedCampaign(suite.db.db, { unipileAccountId: suite.engine.unipileAccountId, definition: delayedDefinition('2s'), leads: 5, slugPrefix: 'double' });
    const first = await suite.engine.campaigns.start({ organizationId: seeded.organizationId, campaignId: seeded.campaignId });
    const second = await suite.engine.campaigns.start({ organizationId: seeded.organizationId, campaignId: seeded.campaignId });
    assert.equal(first.alreadyRunning, false);
    assert.equal(second.alreadyRunning, true);
    await suite.t.client.workflow.getHandle(campaignWorkflowId(seeded.campaignId)).result();
    assert.deepEqual(invitesTo(seeded.slugs), [1, 1, 1, 1, 1]);
  });

  it('pause stops every LinkedIn action at once; resume finishes the campaign with nothing done twice', async () => {
    const seeded = await seedCampaign(suite.db.db, { unipileAccountId: suite.engine.unipileAccountId, definition: delayedDefinition('3s'), leads: 12, slugPrefix: 'pause' });
    await suite.engine.campaigns.start({ organizationId: seeded.organizationId, campaignId: seeded.campaignId, maxConcurrentLeads: 12 });
    await waitFor('some profile visits', async () => suite.engine.sandbox.calls({ method: 'GET', path: /\/users\/pause-/ }).length >= 3);
    await suite.engine.campaigns.pause({ organizationId: seeded.organizationId, campaignId: seeded.campaignId, reason: 'lunch' });
    const pausedAt = new Date();
    assert.equal((await statusOf(seeded.campaignId)).status, 'paused');
    // Longer than the 3 s delay: every waiting lead would have invited by now if pause had not reached it.
    await new Promise((r) => setTimeout(r, 5_000));
    const during = suite.engine.sandbox.calls().filter((c) => c.at > pausedAt && /pause-|users\/invite|ACo/.test(c.path + JSON.stringify(c.body ?? {})));
    assert.deepEqual(during.map((c) => `${c.method} ${c.path}`), []);

    await suite.engine.campaigns.resume({ organizationId: seeded.organizationId, campaignId: seeded.campaignId });
    await suite.t.client.workflow.getHandle(campaignWorkflowId(seeded.campaignId)).result();
    assert.equal((await statusOf(seeded.campaignId)).status, 'completed');
    assert.deepEqual(invitesTo(seeded.slugs), Array(12).fill(1));
    const timelines = await suite.db.db.selectFrom('campaign_executions').select('execution_data').where('campaign_id', '=', seeded.campaignId).execute();
    const paused = timelines.filter((r) => JSON.stringify(r.execution_data).includes('"paused"'));
    assert.ok(paused.length > 0, 'pause shows in lead timelines');
  });

  it('stop ends every lead; starting the stopped campaign again never contacts a lead twice for a step already done', async () => {
    const seeded = await seedCampaign(suite.db.db, { unipileAccountId: suite.engine.unipileAccountId, definition: delayedDefinition('3s'), leads: 8, slugPrefix: 'stop' });
    await suite.engine.campaigns.start({ organizationId: seeded.organizationId, campaignId: seeded.campaignId, maxConcurrentLeads: 4 });
    await waitFor('some profile visits', async () => suite.engine.sandbox.calls({ method: 'GET', path: /\/users\/stop-/ }).length >= 2);
    await suite.engine.campaigns.stop({ organizationId: seeded.organizationId, campaignId: seeded.campaignId, reason: 'wrong list' });
    const stoppedAt = new Date();
    await suite.t.client.workflow.getHandle(campaignWorkflowId(seeded.campaignId)).result();
    assert.equal((await statusOf(seeded.campaignId)).status, 'stopped');
    await new Promise((r) => setTimeout(r, 4_000));
    assert.deepEqual(suite.engine.sandbox.calls().filter((c) => c.at > stoppedAt && c.method !== 'GET').map((c) => c.path), []);
    const visitsBefore = seeded.slugs.map((s) => suite.engine.sandbox.calls({ method: 'GET', path: new RegExp(`/users/${s}$`) }).length);

    await suite.engine.campaigns.start({ organizationId: seeded.organizationId, campaignId: seeded.campaignId, maxConcurrentLeads: 8 });
    await suite.t.client.workflow.getHandle(campaignWorkflowId(seeded.campaignId)).result();
    assert.equal((await statusOf(seeded.campaignId)).status, 'completed');
    assert.deepEqual(invitesTo(seeded.slugs), Array(8).fill(1));
    const visitsAfter = seeded.slugs.map((s) => suite.engine.sandbox.calls({ method: 'GET', path: new RegExp(`/users/${s}$`) }).length);
    // A lead whose visit was done before the stop is not visited again.
    visitsBefore.forEach((before, i) => assert.equal(visitsAfter[i], Math.max(before, 1), `lead ${seeded.slugs[i]} visited ${visitsAfter[i]} times`));
  });
});
