// Editing a running campaign (issue 15) on Temporal's time-skipping server, through the real PATCH route:
// leads wait a day between a visit and a message when the message's text changes and a step is added.
// - with moveInProgressLeads, the leads in progress move at their next step boundary and send the new
//   text; the lead that had not started yet runs the new version;
// - a move that would skip the invitation a follow-up needs is refused: the lead stays and says why;
// - without moveInProgressLeads, leads in progress finish on their version, later ones take the new one.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { buildApp } from '../../src/api/app';
import { compileWorkflowDefinition } from '../../src/domain/workflow-definition';
import { createOrganizationWithKey } from '../../src/services/organizations';
import { campaignWorkflowId, leadWorkflowId } from '../../src/workflows/definitions';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { leadExecution, seedCampaign, stepEdge, stepNode, waitFor, type Seeded } from '../support/fixtures';
import { recordHistory } from '../support/histories';
import { quietLogger, startEngine, type EngineStack } from '../support/stack';
import { createTimeSkippingEnv } from '../support/temporal';

const OLD = 'Old news, [first_name]';
const NEW = 'Fresh news, [first_name]';

/** visit -> 1 day -> message (v1). */
const v1 = () => ({
  nodes: [stepNode('visit', 'profile_visit'), stepNode('msg', 'send_followup', { message: OLD })],
  edges: [stepEdge('e1', 'visit', 'msg', '1d')],
  timestamp: '2026-12-04T10:00:00.000Z',
});
/** v2: the message's new text, and a step added after it. */
const v2 = () => ({
  nodes: [stepNode('visit', 'profile_visit'), stepNode('msg', 'send_followup', { message: NEW }), stepNode('revisit', 'profile_visit')],
  edges: [stepEdge('e1', 'visit', 'msg', '1d'), stepEdge('e2', 'msg', 'revisit', '1h')],
  timestamp: '2026-12-04T11:00:00.000Z',
});
/** v2 that puts a connection request before the message: a lead that only visited would skip the invitation its message needs. */
const withInvite = () => ({
  nodes: [stepNode('visit', 'profile_visit'), stepNode('invite', 'send_connection_request', { message: 'Hi [first_name]' }), { ...stepNode('msg', 'send_followup', { message: NEW }), data: { ...stepNode('msg', 'send_followup', { message: NEW }).data, pathType: 'accepted' } }],
  edges: [
    stepEdge('e1', 'visit', 'invite', '1d'),
    { id: 'e2', source: 'invite', target: 'msg', type: 'conditional', data: { delay: '1h', delayData: { delay: 1, unit: 'h' }, isPositive: true, isConditionalPath: true } },
  ],
  timestamp: '2026-12-04T11:00:00.000Z',
});

describe('editing a running campaign on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let engine: EngineStack;
  let app: FastifyInstance;
  let auth: { authorization: string };
  let organizationId: string;

  before(async () => {
    env = await createTimeSkippingEnv();
    db = await createTestDatabase();
    engine = await startEngine({ db, client: env.client, nativeConnection: env.nativeConnection, taskQueue: 'clento-outreach-queue' });
    app = await buildApp({ db: db.db, logger: quietLogger, campaignControl: engine.campaigns, compileDefinition: compileWorkflowDefinition });
    const org = await createOrganizationWithKey(db.db, { name: 'Versions' });
    organizationId = org.organizationId;
    auth = { authorization: `Bearer ${org.apiKey}` };
  });
  after(async () => {
    await app?.close();
    await engine?.stop();
    await env?.teardown();
    await db?.drop();
  });

  async function seed(prefix: string, leads: number): Promise<Seeded> {
    const seeded = await seedCampaign(db.db, { unipileAccountId: engine.unipileAccountId, organizationId, definition: v1(), leads, slugPrefix: prefix });
    for (const slug of seeded.slugs) engine.sandbox.control.connect(engine.unipileAccountId, slug);
    return seeded;
  }

  /** Starts the campaign and returns once `n` of its leads wait out the day before their message. */
  async function startAndWait(seeded: Seeded, n: number, maxConcurrentLeads: number): Promise<void> {
    await engine.campaigns.start({ organizationId, campaignId: seeded.campaignId, maxConcurrentLeads });
    await waitFor(`${n} leads waiting`, async () => {
      const rows = await db.db.selectFrom('campaign_executions').select('wait_reason').where('campaign_id', '=', seeded.campaignId).where('wait_reason', '=', 'edge_delay').execute();
      return rows.length >= n;
    });
  }

  async function edit(seeded: Seeded, workflowDefinition: unknown, moveInProgressLeads?: boolean) {
    const res = await app.inject({
      method: 'PATCH',
      url: `/api/campaigns/${seeded.campaignId}`,
      headers: auth,
      payload: { workflowDefinition, ...(moveInProgressLeads === undefined ? {} : { moveInProgressLeads }) },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().definitionVersion, 2);
  }

  const texts = (seeded: Seeded, i: number) => engine.sandbox.control.chatMessages(engine.unipileAccountId, seeded.slugs[i]!).filter((m) => m.fromUs).map((m) => m.text);
  const finish = (seeded: Seeded) => env.client.workflow.getHandle(campaignWorkflowId(seeded.campaignId)).result();

  it('moves leads in progress when asked and safe, keeps the unsafe one with its reason, and leaves them alone when not asked', async () => {
    const moved = await seed('moved', 3);
    const unsafe = await seed('unsafe', 1);
    const kept = await seed('kept', 2);

    await engine.worker.runUntil(async () => {
      // Two leads in progress (the third waits for a slot); one; one (the second waits for a slot).
      await startAndWait(moved, 2, 2);
      await startAndWait(unsafe, 1, 1);
      await startAndWait(kept, 1, 1);
      await edit(moved, v2(), true);
      await edit(unsafe, withInvite(), true);
      await edit(kept, v2());
      // One at a time: each result() unlocks time skipping while it waits (concurrent ones trip its lock count).
      for (const c of [moved, unsafe, kept]) await finish(c);
    });

    if (process.env.RECORD_HISTORIES) {
      await recordHistory(env.client, leadWorkflowId(moved.campaignId, moved.leadIds[0]!), 'lead-moved-plan-version-moves');
      await recordHistory(env.client, leadWorkflowId(unsafe.campaignId, unsafe.leadIds[0]!), 'lead-kept-plan-version-moves');
      await recordHistory(env.client, campaignWorkflowId(moved.campaignId), 'orchestrator-new-version-plan-by-version');
    }

    // Moved: the two leads in progress switch at the message and send the new text, then the added step.
    for (const i of [0, 1]) {
      const { row, data } = await leadExecution(db.db, moved.campaignId, moved.leadIds[i]!);
      assert.equal(row.status, 'completed');
      assert.equal(row.definition_version, 2, `lead ${i} records the version it runs`);
      const move = data.timeline.find((t) => t.type === 'version_moved');
      assert.deepEqual([move?.stepId, move?.detail], ['msg', { fromVersion: 1, toVersion: 2 }], `lead ${i}`);
      assert.deepEqual(texts(moved, i), [`Fresh news, First${i + 1}`]);
      assert.equal(data.steps.revisit?.state, 'done', 'the added step ran');
    }
    // The lead that had not started: the new version from its start.
    const late = await leadExecution(db.db, moved.campaignId, moved.leadIds[2]!);
    assert.equal(late.row.definition_version, 2);
    assert.ok(!late.data.timeline.some((t) => t.type === 'version_moved' || t.type === 'version_kept'));
    assert.deepEqual(texts(moved, 2), ['Fresh news, First3']);
    assert.equal(late.data.steps.revisit?.state, 'done');

    // Unsafe: moving to the message would skip the invitation it now needs: it stays on version 1.
    const stayed = await leadExecution(db.db, unsafe.campaignId, unsafe.leadIds[0]!);
    assert.equal(stayed.row.status, 'completed');
    assert.equal(stayed.row.definition_version, 1);
    const keep = stayed.data.timeline.find((t) => t.type === 'version_kept');
    assert.deepEqual([keep?.stepId, keep?.reason, keep?.detail], ['msg', 'followup_without_connection', { fromVersion: 1, toVersion: 2 }]);
    assert.deepEqual(texts(unsafe, 0), ['Old news, First1']);
    assert.equal(engine.sandbox.control.writeCount(engine.unipileAccountId, unsafe.slugs[0]!, 'invitation'), 0);

    // Not asked to move: the lead in progress finishes on version 1; the one started after the edit runs version 2.
    const first = await leadExecution(db.db, kept.campaignId, kept.leadIds[0]!);
    assert.equal(first.row.definition_version, 1);
    assert.ok(!first.data.timeline.some((t) => t.type === 'version_moved' || t.type === 'version_kept'));
    assert.deepEqual(texts(kept, 0), ['Old news, First1']);
    assert.equal(first.data.steps.revisit, undefined);
    const second = await leadExecution(db.db, kept.campaignId, kept.leadIds[1]!);
    assert.equal(second.row.definition_version, 2);
    assert.deepEqual(texts(kept, 1), ['Fresh news, First2']);

    // The execution JSON shows the version too.
    const res = await app.inject({ method: 'GET', url: `/api/campaigns/${kept.campaignId}/executions`, headers: auth });
    assert.deepEqual(
      res.json().items.map((e: { lead: { id: string }; definitionVersion: number }) => [e.lead.id, e.definitionVersion]).sort(),
      [
        [kept.leadIds[0], 1],
        [kept.leadIds[1], 2],
      ].sort(),
    );
  });
});
