// The example flow of shared/workflow-definition.md on Temporal's time-skipping server: a lead who
// accepts gets the follow-up a day after acceptance; a lead who never does has the invitation
// withdrawn when the 14-day window passes. Days pass in seconds; the calls are real HTTP to the sandbox.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import proto from '@temporalio/proto';
import { campaignWorkflowId, leadWorkflowId } from '../../src/workflows/definitions';
import type { ExecutionData } from '../../src/domain/timeline';
import { exampleDefinition, seedCampaign } from '../support/fixtures';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { useEngineOnTimeSkipping } from '../support/stack';

const { temporal } = proto;
const HOUR = 3_600_000;

/**
 * Saves this run's histories as replay fixtures (test/replay): RECORD_HISTORIES=1 when workflow code changes on
 * purpose; RECORD_HISTORIES=<name> appends `-<name>` to the file names (e.g. the patch name) so nothing is overwritten.
 */
async function recordHistories(env: TestWorkflowEnvironment, campaignId: string, leadIds: string[]): Promise<void> {
  const dir = join(import.meta.dirname, '..', 'fixtures', 'histories');
  mkdirSync(dir, { recursive: true });
  const ids = [campaignWorkflowId(campaignId), ...leadIds.map((l) => leadWorkflowId(campaignId, l))];
  for (const [i, id] of ids.entries()) {
    const history = await env.client.workflow.getHandle(id).fetchHistory();
    const suffix = process.env.RECORD_HISTORIES && process.env.RECORD_HISTORIES !== '1' ? `-${process.env.RECORD_HISTORIES}` : '';
    const name = `${i === 0 ? 'orchestrator-example-flow' : `lead-example-flow-${i}`}${suffix}`;
    // Binary protobuf (base64): exact, and independent of JSON field-name conventions.
    const encoded = Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('base64');
    writeFileSync(join(dir, `${name}.json`), JSON.stringify({ workflowId: id, historyBase64: encoded }));
  }
}
const DAY = 24 * HOUR;

describe('example flow on the time-skipping server', () => {
  const suite = useEngineOnTimeSkipping({
    // Starts carry the trace header as in production (temporal/connection.ts), so the workflows run with their tracing interceptors.
    client: (env) => new Client({ connection: env.connection, namespace: 'default', interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } }),
  });

  it('accepted lead: visit, invite, 1 day after acceptance the message; the other lead: withdrawn after 14 days', async () => {
    const { env, db, engine } = suite;
    const seeded = await seedCampaign(db.db, { unipileAccountId: engine.unipileAccountId, definition: exampleDefinition(), leads: 2, slugPrefix: 'example' });
    const [accepter, ignorer] = seeded.slugs as [string, string];
    engine.sandbox.control.setPerson(accepter, { acceptAfterMs: 0 });
    engine.sandbox.control.setPerson(ignorer, { acceptAfterMs: null });

    await engine.worker.runUntil(async () => {
      await engine.campaigns.start({ organizationId: seeded.organizationId, campaignId: seeded.campaignId });
      await env.client.workflow.getHandle(campaignWorkflowId(seeded.campaignId)).result();
    });

    if (process.env.RECORD_HISTORIES) await recordHistories(env, seeded.campaignId, seeded.leadIds);

    const campaign = await db.db.selectFrom('campaigns').select('status').where('id', '=', seeded.campaignId).executeTakeFirstOrThrow();
    assert.equal(campaign.status, 'completed');

    const acc = engine.sandbox.control.person(accepter);
    // Exactly one write of each kind per person.
    assert.equal(engine.sandbox.control.writeCount(engine.unipileAccountId, accepter, 'invitation'), 1);
    assert.equal(engine.sandbox.control.writeCount(engine.unipileAccountId, accepter, 'message'), 1);
    assert.equal(engine.sandbox.control.writeCount(engine.unipileAccountId, accepter, 'cancel_invitation'), 0);
    assert.equal(engine.sandbox.control.writeCount(engine.unipileAccountId, ignorer, 'invitation'), 1);
    assert.equal(engine.sandbox.control.writeCount(engine.unipileAccountId, ignorer, 'message'), 0);
    assert.equal(engine.sandbox.control.writeCount(engine.unipileAccountId, ignorer, 'cancel_invitation'), 1);

    // The order LinkedIn saw: profile visit, then the invitation, then the message (only this lead gets one).
    const all = engine.sandbox.calls();
    const visitAt = all.findIndex((c) => c.method === 'GET' && c.path === `/api/v1/users/${accepter}`);
    const inviteAt = all.findIndex((c) => c.method === 'POST' && c.path === '/api/v1/users/invite' && c.body?.provider_id === acc.providerId);
    const messageAt = all.findIndex((c) => c.method === 'POST' && c.path.startsWith('/api/v1/chats'));
    assert.ok(visitAt >= 0 && visitAt < inviteAt && inviteAt < messageAt, all.map((c) => `${c.method} ${c.path}`).join('\n'));
    const invitePosted = engine.sandbox.calls({ method: 'POST', path: '/api/v1/users/invite' }).find((c) => c.body?.provider_id === acc.providerId);
    assert.equal(invitePosted?.body?.message, "Hi First1, glad to connect.", "the note is rendered from our lead data");

    // Times, in campaign time, from the lead timelines.
    const timeline = async (leadId: string) => {
      const row = await db.db.selectFrom('campaign_executions').selectAll().where('lead_id', '=', leadId).executeTakeFirstOrThrow();
      return { row, data: row.execution_data as unknown as ExecutionData };
    };
    const at = (data: ExecutionData, type: string, stepId: string) => {
      const e = data.timeline.find((t) => t.type === type && t.stepId === stepId);
      assert.ok(e, `${type} ${stepId} in timeline`);
      return Date.parse(e.at);
    };
    const a = await timeline(seeded.leadIds[0]!);
    assert.equal(a.row.status, 'completed');
    assert.ok(at(a.data, 'step_started', 'invite-2') - at(a.data, 'step_completed', 'visit-1') >= HOUR, 'one hour between visit and invite');
    const accepted = a.data.timeline.find((t) => t.type === 'branch' && t.branch === 'accepted');
    assert.ok(accepted, 'accepted branch taken');
    const msgDelay = at(a.data, 'step_started', 'msg-3') - Date.parse(accepted.at);
    assert.ok(msgDelay >= DAY && msgDelay < DAY + HOUR, `message a day after acceptance, was ${msgDelay / HOUR} h`);
    assert.equal(a.data.steps['withdraw-4'], undefined);

    const b = await timeline(seeded.leadIds[1]!);
    assert.equal(b.row.status, 'completed');
    const windowMs = at(b.data, 'step_started', 'withdraw-4') - at(b.data, 'step_completed', 'invite-2');
    assert.ok(windowMs >= 14 * DAY && windowMs < 14 * DAY + HOUR, `withdrawn after 14 days, was ${windowMs / DAY} d`);
    assert.equal(b.data.steps['msg-3'], undefined);
    assert.ok(b.data.timeline.some((t) => t.type === 'branch' && t.branch === 'not-accepted' && t.reason === 'window_elapsed'));
  });
});
