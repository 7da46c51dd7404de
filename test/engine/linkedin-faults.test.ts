// LinkedIn through Unipile, under faults, on Temporal's time-skipping server: 40 leads walk
// visit → invite → (accepted) message while the sandbox answers a share of LinkedIn calls with 5xx
// (some after the write happened) and a few invitations with 429 / limit_exceeded. The product
// promises: no LinkedIn write is ever sent twice, 429s show as rate_limited waits in the lead's
// timeline, and every lead completes: a step whose 3 quick attempts all meet a fault (a step makes
// 2-4 calls, each failing 20% of the time) waits minutes (retry_wait) and is tried again.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { campaignWorkflowId } from '../../src/workflows/definitions';
import type { ExecutionData } from '../../src/domain/timeline';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { exampleDefinition, seedCampaign } from '../support/fixtures';
import { startEngine, type EngineStack } from '../support/stack';
import { createTimeSkippingEnv } from '../support/temporal';

const LEADS = 40;
/** The random fault profile's seed (which call gets which fault still depends on the order calls arrive). */
const SEED = 7;
const INVITE = '/api/v1/users/invite';
const RELATIONS = '/api/v1/users/relations';
const MESSAGE = /^\/api\/v1\/chats(\/[^/]+\/messages)?$/;

describe('LinkedIn faults on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let engine: EngineStack;
  let running: Promise<void>;

  before(async () => {
    env = await createTimeSkippingEnv();
    db = await createTestDatabase();
    // Everyone accepts at once: the acceptance poll finds it, so every lead also gets the message.
    engine = await startEngine({ db, client: env.client, nativeConnection: env.nativeConnection, taskQueue: 'clento-outreach-queue', sandbox: { acceptAfterMs: 0 } });
    running = engine.worker.run();
  });
  after(async () => {
    engine?.worker.shutdown();
    await running;
    await engine?.stop();
    await env?.teardown();
    await db?.drop();
  });

  it('20% transient faults and a few 429s: the campaign completes, no write is ever sent twice, 429s show as rate_limited waits', async () => {
    const seeded = await seedCampaign(db.db, { unipileAccountId: engine.unipileAccountId, definition: exampleDefinition(), leads: LEADS, slugPrefix: 'fault' });
    const { control } = engine.sandbox;
    const account = engine.unipileAccountId;
    // Scripted faults win over the random profile, in order: the first 3 invitations get 429, the next one
    // limit_exceeded; then 2 invitations and 2 messages are written but answered 500, and 2 of each 504.
    // Only 500 and 504 after the write: the product reads a 503 as "not processed" (writeMayHaveHappened)
    // and sends again, so a 503 on a write that did happen would be sent twice by design.
    control.failNext({ method: 'POST', path: INVITE, status: 429, type: 'too_many_requests', times: 3 });
    control.failNext({ method: 'POST', path: INVITE, status: 422, type: 'limit_exceeded' });
    for (const path of [INVITE, MESSAGE]) {
      control.failNext({ method: 'POST', path, status: 500, afterWrite: true, times: 2 });
      control.failNext({ method: 'POST', path, status: 504, afterWrite: true, times: 2 });
    }
    // 20% of all other LinkedIn calls, reads and writes, fail with a 5xx before anything happens.
    control.setFaults({ errorRate: 0.2, statuses: [500, 503, 504], seed: SEED });

    const started = Date.now();
    await engine.campaigns.start({ organizationId: seeded.organizationId, campaignId: seeded.campaignId });
    await env.client.workflow.getHandle(campaignWorkflowId(seeded.campaignId)).result();
    const elapsed = Date.now() - started;

    const calls = engine.sandbox.calls();
    const faulted = calls.filter((c) => c.fault);
    const byStatus = (s: number) => faulted.filter((c) => c.status === s).length;
    const writeFaults = faulted.filter((c) => c.method === 'POST' && c.fault === 'rule' && c.status >= 500);
    const summary = `${calls.length} calls, ${faulted.length} faulted (500: ${byStatus(500)}, 503: ${byStatus(503)}, 504: ${byStatus(504)}, 429: ${byStatus(429)}, 422: ${byStatus(422)}); ${writeFaults.length} 5xx on writes that happened; ${elapsed} ms`;
    // The faults really happened: the test would prove nothing on a quiet run.
    assert.ok(faulted.length >= calls.length * 0.1, summary);
    assert.equal(writeFaults.filter((c) => c.path === INVITE).length, 4, `invitations written but answered 5xx: ${summary}`);
    assert.equal(writeFaults.filter((c) => MESSAGE.test(c.path)).length, 4, `messages written but answered 5xx: ${summary}`);

    const campaign = await db.db.selectFrom('campaigns').select(['status', 'status_reason']).where('id', '=', seeded.campaignId).executeTakeFirstOrThrow();
    assert.equal(campaign.status, 'completed', summary);

    // No duplicate write, ever; and no withdrawal (everyone accepted).
    for (const slug of seeded.slugs) {
      assert.ok(control.writeCount(account, slug, 'invitation') <= 1, `${slug} invited twice`);
      assert.ok(control.writeCount(account, slug, 'message') <= 1, `${slug} messaged twice`);
      assert.ok(control.writeCount(account, slug, 'profile_view') <= 1, `${slug} visited twice`);
      assert.equal(control.writeCount(account, slug, 'cancel_invitation'), 0, `${slug} withdrawn`);
    }

    const rows = await db.db.selectFrom('campaign_executions').select(['lead_id', 'status', 'execution_data']).where('campaign_id', '=', seeded.campaignId).execute();
    assert.equal(rows.length, LEADS);
    const slugOf = new Map(seeded.leadIds.map((id, i) => [id, seeded.slugs[i]!]));
    const failed: string[] = [];
    for (const r of rows) {
      const slug = slugOf.get(r.lead_id)!;
      const data = r.execution_data as unknown as ExecutionData;
      if (r.status === 'completed') {
        // A completed lead did every step, each exactly once on LinkedIn.
        assert.deepEqual(
          ['visit-1', 'invite-2', 'msg-3'].map((s) => data.steps[s]?.state),
          ['done', 'done', 'done'],
          `${slug}: ${JSON.stringify(data.steps)}`,
        );
        assert.equal(control.writeCount(account, slug, 'invitation'), 1, `${slug} invitations`);
        assert.equal(control.writeCount(account, slug, 'message'), 1, `${slug} messages`);
        assert.equal(control.writeCount(account, slug, 'profile_view'), 1, `${slug} visits`);
      } else {
        assert.equal(r.status, 'failed', `${slug} ended ${r.status}`);
        const end = data.timeline.find((t) => t.type === 'lead_failed');
        assert.ok(end?.reason, `${slug} failed without a recorded reason`);
        failed.push(`${slug}: ${end.reason}`);
      }
    }
    const completed = rows.filter((r) => r.status === 'completed').length;
    console.log(`linkedin-faults: ${completed}/${LEADS} completed; ${summary}${failed.length ? `\n  failed: ${failed.join('\n  failed: ')}` : ''}`);
    assert.equal(completed, LEADS, `only ${completed}/${LEADS} completed:\n${failed.join('\n')}`);

    // Every lead whose invitation LinkedIn refused with 429 / limit_exceeded waited, and the timeline says so.
    const providerToSlug = new Map(seeded.slugs.map((s) => [control.person(s).providerId, s]));
    const limited = faulted.filter((c) => c.path === INVITE && (c.status === 429 || c.status === 422));
    assert.equal(limited.length, 4, summary);
    for (const c of limited) {
      const slug = providerToSlug.get(String(c.body?.provider_id))!;
      const row = rows.find((r) => slugOf.get(r.lead_id) === slug)!;
      const data = row.execution_data as unknown as ExecutionData;
      const waits = data.timeline.filter((t) => t.type === 'rate_limited' && t.stepId === 'invite-2');
      assert.ok(waits.length >= 1, `${slug}: no rate_limited wait after a ${c.status}`);
      const w = waits[0]!;
      // 429: hours of back-off; limit_exceeded: until the next day.
      assert.ok(Date.parse(w.until!) - Date.parse(w.at) >= 6 * 3_600_000, `${slug}: waited only until ${w.until}`);
    }
    // No rate_limited wait where no 429 / limit_exceeded was answered.
    const limitedSlugs = new Set(limited.map((c) => providerToSlug.get(String(c.body?.provider_id))));
    for (const r of rows) {
      const data = r.execution_data as unknown as ExecutionData;
      if (!limitedSlugs.has(slugOf.get(r.lead_id))) assert.equal(data.timeline.filter((t) => t.type === 'rate_limited').length, 0, `${slugOf.get(r.lead_id)} rate_limited`);
    }
  });

  it('a failed acceptance poll (429, then 5xx through all its retries) does not fail the lead: the next poll finds the acceptance', async () => {
    const seeded = await seedCampaign(db.db, { unipileAccountId: engine.unipileAccountId, definition: exampleDefinition(), leads: 1, slugPrefix: 'poll' });
    const { control } = engine.sandbox;
    control.clearFaults();
    engine.sandbox.clearCalls();
    // The poll reads the relations first: the first poll gets 429, every attempt of the second one 500.
    control.failNext({ method: 'GET', path: RELATIONS, status: 429, type: 'too_many_requests' });
    control.failNext({ method: 'GET', path: RELATIONS, status: 500, times: 3 });

    await engine.campaigns.start({ organizationId: seeded.organizationId, campaignId: seeded.campaignId });
    await env.client.workflow.getHandle(campaignWorkflowId(seeded.campaignId)).result();

    const row = await db.db.selectFrom('campaign_executions').select(['status', 'execution_data']).where('lead_id', '=', seeded.leadIds[0]!).executeTakeFirstOrThrow();
    const data = row.execution_data as unknown as ExecutionData;
    assert.equal(row.status, 'completed', JSON.stringify(data.timeline.filter((t) => t.type === 'lead_failed')));
    assert.equal(engine.sandbox.calls({ method: 'GET', path: RELATIONS }).filter((c) => c.fault).length, 4, 'both polls failed');
    assert.ok(data.timeline.some((t) => t.type === 'branch' && t.branch === 'accepted' && t.reason === 'accepted_via_polling'));
    assert.equal(control.writeCount(engine.unipileAccountId, seeded.slugs[0]!, 'message'), 1);
    assert.equal(control.writeCount(engine.unipileAccountId, seeded.slugs[0]!, 'cancel_invitation'), 0);
  });
});
