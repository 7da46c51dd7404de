// What a user running a real flow expects of a campaign (issue 9, items 5-8, 10, 11), on a real Temporal
// dev server, real PostgreSQL and the sandbox LinkedIn over HTTP. The engine stack registers no
// Unipile webhooks, so whatever a lead or a person does in the sandbox reaches us only through reads.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConflictError } from '../../src/errors';
import type { ExecutionData } from '../../src/domain/timeline';
import { UnipileClient } from '../../src/linkedin/unipile.client';
import { campaignWorkflowId, leadWorkflowId } from '../../src/workflows/definitions';
import { leadExecution, seedCampaign, stepChain, stepNode, waitFor } from '../support/fixtures';
import { recordHistory } from '../support/histories';
import { useEngineOnDevServer } from '../support/stack';

const node = stepNode;
const chain = stepChain;

describe('campaign semantics a user relies on', () => {
  const suite = useEngineOnDevServer();

  const timelineOf = async (campaignId: string, leadId: string) => {
    const row = await suite.db.db.selectFrom('campaign_executions').select('execution_data').where('campaign_id', '=', campaignId).where('lead_id', '=', leadId).executeTakeFirst();
    return (row?.execution_data as unknown as ExecutionData | undefined)?.timeline ?? [];
  };
  const execution = (campaignId: string, leadId: string) => leadExecution(suite.db.db, campaignId, leadId);
  const finished = (campaignId: string) => suite.t.client.workflow.getHandle(campaignWorkflowId(campaignId)).result();
  const visited = (slug: string) => suite.engine.sandbox.calls({ method: 'GET', path: new RegExp(`/users/${slug}$`) }).length > 0;

  it('stops a lead who replied, or whose conversation a person took over, before the follow-up, with no webhook at all', async () => {
    const seeded = await seedCampaign(suite.db.db, {
      unipileAccountId: suite.engine.unipileAccountId,
      definition: chain([node('visit', 'profile_visit'), node('follow', 'send_followup', { message: 'Hi [first_name], shall we talk?' })], '4s'),
      leads: 3,
      slugPrefix: 'talk',
    });
    const [replier, takenOver, quiet] = seeded.slugs as [string, string, string];
    for (const slug of seeded.slugs) suite.engine.sandbox.control.connect(suite.engine.unipileAccountId, slug);
    await suite.engine.campaigns.start({ organizationId: seeded.organizationId, campaignId: seeded.campaignId });

    await waitFor('every lead visited', async () => seeded.slugs.every(visited));
    // During the 4 s delay: one lead writes to us; on another, the account owner writes by hand (from
    // their phone: a message in the conversation that this product did not send).
    suite.engine.sandbox.control.reply(suite.engine.unipileAccountId, replier, 'Yes, call me tomorrow');
    const unipile = new UnipileClient({ dsn: suite.engine.sandbox.dsn, accessToken: suite.engine.sandbox.accessToken });
    const person = suite.engine.sandbox.control.person(takenOver);
    await unipile.messaging.startNewChat({ account_id: suite.engine.unipileAccountId, attendees_ids: [person.providerId], text: 'Hey, saw you at the conference!' });

    await finished(seeded.campaignId);
    const messages = (slug: string) => suite.engine.sandbox.control.chatMessages(suite.engine.unipileAccountId, slug);
    assert.deepEqual(messages(replier), [{ text: 'Yes, call me tomorrow', fromUs: false }], 'nothing sent after the reply');
    assert.deepEqual(messages(takenOver), [{ text: 'Hey, saw you at the conference!', fromUs: true }], 'nothing sent after the person wrote');
    assert.deepEqual(messages(quiet), [{ text: 'Hi First3, shall we talk?', fromUs: true }]);

    const r = await execution(seeded.campaignId, seeded.leadIds[0]!);
    assert.equal(r.data.steps.follow?.reason, 'replied');
    assert.equal(r.data.timeline.at(-1)?.type, 'lead_completed');
    assert.equal(r.data.timeline.at(-1)?.reason, 'replied');
    const h = await execution(seeded.campaignId, seeded.leadIds[1]!);
    assert.equal(h.data.steps.follow?.reason, 'human_took_over');
    assert.equal(h.data.timeline.at(-1)?.reason, 'human_took_over');
    assert.equal((await execution(seeded.campaignId, seeded.leadIds[2]!)).data.steps.follow?.state, 'done');
    if (process.env.RECORD_HISTORIES) await recordHistory(suite.t.client, leadWorkflowId(seeded.campaignId, seeded.leadIds[0]!), 'lead-replied-stop-on-conversation-read');
  });

  it('fills the names and company the import lacked from the profile visit, uses fallbacks, and skips rather than send a hole', async () => {
    const seeded = await seedCampaign(suite.db.db, {
      unipileAccountId: suite.engine.unipileAccountId,
      definition: chain([
        node('visit', 'profile_visit'),
        node('hello', 'send_followup', { message: 'Hi [first_name] from [company]' }),
        node('again', 'send_followup', { message: '[first_name|Hello], still at [company|your company]?' }),
      ]),
      leads: 2,
      slugPrefix: 'blank',
    });
    const [known, noCompany] = seeded.slugs as [string, string];
    // Imported with nothing but the LinkedIn URL.
    await suite.db.db.updateTable('leads').set({ first_name: null, last_name: null, full_name: null, company: null, title: null }).where('lead_list_id', '=', seeded.leadListId).execute();
    suite.engine.sandbox.control.setPerson(known, { firstName: 'Grace', lastName: 'Hopper', company: 'Navy' });
    suite.engine.sandbox.control.setPerson(noCompany, { firstName: 'Alan', lastName: 'Turing', company: '' });
    for (const slug of seeded.slugs) suite.engine.sandbox.control.connect(suite.engine.unipileAccountId, slug);

    await suite.engine.campaigns.start({ organizationId: seeded.organizationId, campaignId: seeded.campaignId });
    await finished(seeded.campaignId);

    const messages = (slug: string) => suite.engine.sandbox.control.chatMessages(suite.engine.unipileAccountId, slug).map((m) => m.text);
    assert.deepEqual(messages(known), ['Hi Grace from Navy', 'Grace, still at Navy?']);
    assert.deepEqual(messages(noCompany), ['Alan, still at your company?'], 'no "Hi Alan from"');
    const skipped = await execution(seeded.campaignId, seeded.leadIds[1]!);
    assert.equal(skipped.data.steps.hello?.state, 'skipped');
    const entry = skipped.data.timeline.find((e) => e.type === 'step_skipped' && e.stepId === 'hello');
    assert.equal(entry?.reason, 'missing_variable');
    assert.deepEqual(entry?.detail, { variable: 'company' });

    const lead = await suite.db.db.selectFrom('leads').selectAll().where('id', '=', seeded.leadIds[0]!).executeTakeFirstOrThrow();
    assert.deepEqual([lead.first_name, lead.last_name, lead.full_name, lead.company], ['Grace', 'Hopper', 'Grace Hopper', 'Navy'], 'stored on the lead');
  });

  it('starts leads in import order', async () => {
    const seeded = await seedCampaign(suite.db.db, { unipileAccountId: suite.engine.unipileAccountId, definition: chain([node('visit', 'profile_visit')]), leads: 8, slugPrefix: 'order' });
    // Lead ids are random: ordered by id, these 8 leads would almost never come out in import order.
    await suite.engine.campaigns.start({ organizationId: seeded.organizationId, campaignId: seeded.campaignId, maxConcurrentLeads: 1 });
    await finished(seeded.campaignId);
    const order = suite.engine.sandbox
      .calls({ method: 'GET', path: /\/users\/order-\d+$/ })
      .map((c) => c.path.split('/').pop());
    assert.deepEqual(order, seeded.slugs);
    if (process.env.RECORD_HISTORIES) await recordHistory(suite.t.client, campaignWorkflowId(seeded.campaignId), 'orchestrator-leads-in-import-order');
  });

  it('status: leads not started yet, the lead workflows, and the stop reason after the stop; repeated control calls change nothing', async () => {
    const seeded = await seedCampaign(suite.db.db, {
      unipileAccountId: suite.engine.unipileAccountId,
      definition: chain([node('visit', 'profile_visit'), node('visit2', 'profile_visit')], '1h'),
      leads: 5,
      slugPrefix: 'status',
    });
    const ids = { organizationId: seeded.organizationId, campaignId: seeded.campaignId };
    await suite.engine.campaigns.start({ ...ids, maxConcurrentLeads: 2 });
    await waitFor('two leads waiting after their visit', async () => {
      const v = await suite.engine.campaigns.status(ids);
      return v.workflows.items.length === 2 && v.workflows.items.every((w) => w.completedSteps === 1);
    });
    const view = await suite.engine.campaigns.status(ids);
    assert.equal(view.totalLeads, 5);
    assert.equal(view.leadsByState.not_started, 3);
    assert.equal(Object.values(view.leadsByState).reduce((a, b) => a + b, 0), view.totalLeads);
    assert.equal(view.workflows.items.length, 2);
    const expected = seeded.leadIds.slice(0, 2).map((l) => leadWorkflowId(seeded.campaignId, l));
    assert.deepEqual(new Set(view.workflows.items.map((w) => w.workflowId)), new Set(expected));
    for (const w of view.workflows.items) assert.deepEqual([w.status, w.currentStep, w.completedSteps], ['in_progress', 'visit', 1]);
    assert.equal(view.workflows.nextCursor, null);
    assert.equal(view.workflows.executionsUrl, `/api/campaigns/${seeded.campaignId}/executions`);

    // pause twice, resume twice: the second of each says nothing changed
    assert.equal((await suite.engine.campaigns.pause({ ...ids, reason: 'lunch' })).changed, true);
    const again = await suite.engine.campaigns.pause({ ...ids, reason: 'lunch' });
    assert.deepEqual([again.changed, again.status], [false, 'paused']);
    assert.equal((await suite.engine.campaigns.resume(ids)).changed, true);
    const resumed = await suite.engine.campaigns.resume(ids);
    assert.deepEqual([resumed.changed, resumed.status], [false, 'in_progress']);

    const stopped = await suite.engine.campaigns.stop({ ...ids, reason: 'wrong list' });
    assert.deepEqual([stopped.changed, stopped.status, stopped.statusReason], [true, 'stopped', 'wrong list']);
    await finished(seeded.campaignId);
    const stopAgain = await suite.engine.campaigns.stop({ ...ids, reason: 'again' });
    assert.deepEqual([stopAgain.changed, stopAgain.status, stopAgain.statusReason], [false, 'stopped', 'wrong list'], 'the stop reason is still readable after the engine finished');
    // A call that cannot apply is still a conflict.
    await assert.rejects(suite.engine.campaigns.pause(ids), (e: unknown) => e instanceof ConflictError && e.code === 'campaign_not_running');
    await assert.rejects(suite.engine.campaigns.resume(ids), (e: unknown) => e instanceof ConflictError && e.code === 'campaign_not_paused');
  });

  it("shows the pause in a waiting lead's timeline when it arrives, not when the wait ends", async () => {
    const seeded = await seedCampaign(suite.db.db, {
      unipileAccountId: suite.engine.unipileAccountId,
      definition: chain([node('visit', 'profile_visit'), node('visit2', 'profile_visit')], '1h'),
      leads: 1,
      slugPrefix: 'pausing',
    });
    const ids = { organizationId: seeded.organizationId, campaignId: seeded.campaignId };
    await suite.engine.campaigns.start(ids);
    await waitFor('the lead waiting its hour', async () => (await timelineOf(seeded.campaignId, seeded.leadIds[0]!)).some((e) => e.type === 'wait'));
    await suite.engine.campaigns.pause({ ...ids, reason: 'holiday' });
    const paused = await waitFor('the pause in the timeline', async () => (await timelineOf(seeded.campaignId, seeded.leadIds[0]!)).find((e) => e.type === 'paused'), 20_000);
    assert.equal(paused.reason, 'holiday');
    await suite.engine.campaigns.stop(ids);
    await finished(seeded.campaignId);
    if (process.env.RECORD_HISTORIES) await recordHistory(suite.t.client, leadWorkflowId(seeded.campaignId, seeded.leadIds[0]!), 'lead-paused-pause-recorded-at-once');
  });
});
