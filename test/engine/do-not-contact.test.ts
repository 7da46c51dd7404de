// Issue 11, one organization one voice: the do-not-contact list on a real Temporal dev server, real
// PostgreSQL and the sandbox LinkedIn over HTTP.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ExecutionData } from '../../src/domain/timeline';
import { addEntries } from '../../src/services/do-not-contact';
import { createDncStopper, temporalStopLead } from '../../src/services/do-not-contact-stops';
import { createUnipileWebhookService } from '../../src/services/unipile-webhooks';
import { campaignWorkflowId } from '../../src/workflows/definitions';
import { leadExecution, seedCampaign, stepChain, stepNode, waitFor } from '../support/fixtures';
import { quietLogger, useEngineOnDevServer } from '../support/stack';

const node = stepNode;
const chain = stepChain;

describe('do-not-contact list in running campaigns', () => {
  const suite = useEngineOnDevServer();

  const execution = (campaignId: string, leadId: string) => leadExecution(suite.db.db, campaignId, leadId);
  /** Null until the execution row exists. */
  const stepState = async (campaignId: string, leadId: string, stepId: string) => {
    const row = await suite.db.db.selectFrom('campaign_executions').select('execution_data').where('campaign_id', '=', campaignId).where('lead_id', '=', leadId).executeTakeFirst();
    return (row?.execution_data as unknown as ExecutionData | undefined)?.steps[stepId]?.state ?? null;
  };
  const finished = (campaignId: string) => suite.t.client.workflow.getHandle(campaignWorkflowId(campaignId)).result();
  const visited = (slug: string) => suite.engine.sandbox.calls({ method: 'GET', path: new RegExp(`/users/${slug}$`) }).length > 0;
  const messages = (slug: string) => suite.engine.sandbox.control.chatMessages(suite.engine.unipileAccountId, slug).map((m) => m.text);

  it('an entry added mid-campaign stops that lead during its wait: no follow-up, the others go on', async () => {
    const seeded = await seedCampaign(suite.db.db, {
      unipileAccountId: suite.engine.unipileAccountId,
      definition: chain([node('visit', 'profile_visit'), node('follow', 'send_followup', { message: 'Hi [first_name]' })], '6s'),
      leads: 2,
      slugPrefix: 'dnc-mid',
    });
    const [listed, other] = seeded.slugs as [string, string];
    for (const slug of seeded.slugs) suite.engine.sandbox.control.connect(suite.engine.unipileAccountId, slug);
    await suite.engine.campaigns.start({ organizationId: seeded.organizationId, campaignId: seeded.campaignId });
    await waitFor('every lead visited', async () => seeded.slugs.every(visited));

    const report = await addEntries(suite.db.db, seeded.organizationId, [{ row: 1, value: `https://linkedin.com/in/${listed.toUpperCase()}?utm=x` }]);
    assert.equal(report.added.length, 1);
    const stopper = createDncStopper({ db: suite.db.db, stopLead: temporalStopLead(suite.t.client) });
    assert.equal(await stopper.stopListedLeads(), 1);
    assert.equal(await stopper.stopListedLeads(), 0, 'each entry is swept once');

    await finished(seeded.campaignId);
    assert.deepEqual(messages(listed), [], 'nothing sent after the entry was added');
    assert.deepEqual(messages(other), ['Hi First2']);
    const stopped = await execution(seeded.campaignId, seeded.leadIds[0]!);
    assert.equal(stopped.row.status, 'stopped');
    assert.ok(stopped.data.timeline.some((e) => e.type === 'stopped' && e.reason === 'do_not_contact'), JSON.stringify(stopped.data.timeline));
    assert.equal((await execution(seeded.campaignId, seeded.leadIds[1]!)).data.steps.follow?.state, 'done');
  });

  it('a company-domain entry skips every lead of that company before its first action, and ends them', async () => {
    const seeded = await seedCampaign(suite.db.db, {
      unipileAccountId: suite.engine.unipileAccountId,
      definition: chain([node('visit', 'profile_visit'), node('follow', 'send_followup', { message: 'Hi [first_name]' })]),
      leads: 3,
      slugPrefix: 'dnc-domain',
    });
    const [a, b, c] = seeded.leadIds as [string, string, string];
    await suite.db.db.updateTable('leads').set({ email: 'jane@initech.com' }).where('id', '=', a).execute();
    await suite.db.db.updateTable('leads').set({ email: 'joe@sales.initech.com' }).where('id', '=', b).execute();
    await suite.db.db.updateTable('leads').set({ email: 'kim@initech-fans.org' }).where('id', '=', c).execute();
    await addEntries(suite.db.db, seeded.organizationId, [{ row: 1, kind: 'domain', value: 'https://www.Initech.com/' }]);
    for (const slug of seeded.slugs) suite.engine.sandbox.control.connect(suite.engine.unipileAccountId, slug);

    await suite.engine.campaigns.start({ organizationId: seeded.organizationId, campaignId: seeded.campaignId });
    await finished(seeded.campaignId);

    const [sa, sb, sc] = seeded.slugs as [string, string, string];
    assert.equal(visited(sa) || visited(sb), false, 'no LinkedIn call for a listed company');
    assert.deepEqual([messages(sa), messages(sb)], [[], []]);
    assert.deepEqual(messages(sc), ['Hi First3']);
    for (const id of [a, b]) {
      const e = await execution(seeded.campaignId, id);
      assert.equal(e.data.steps.visit?.reason, 'do_not_contact');
      assert.equal(e.data.steps.follow, undefined, 'no step after the skip');
      assert.equal(e.data.timeline.at(-1)?.reason, 'do_not_contact');
    }
  });

  it('one voice: a reply to campaign A\'s sender stops the same person in campaign B (another sender); two campaigns at once work a person once', async () => {
    const first = await seedCampaign(suite.db.db, {
      unipileAccountId: suite.engine.unipileAccountId,
      definition: chain([node('visit', 'profile_visit'), node('hello', 'send_followup', { message: 'Hello from A' })]),
      leads: 1,
      slugPrefix: 'voice',
    });
    const [slug] = first.slugs as [string];
    const secondSender = suite.engine.sandbox.control.createAccount({ name: 'Second sender' }).id;
    for (const acc of [suite.engine.unipileAccountId, secondSender]) suite.engine.sandbox.control.connect(acc, slug);
    await suite.engine.campaigns.start({ organizationId: first.organizationId, campaignId: first.campaignId });
    await finished(first.campaignId);
    assert.deepEqual(messages(slug), ['Hello from A']);

    // Campaign B, on the second sender, works the same person (A is done with them), then waits.
    const second = await seedCampaign(suite.db.db, {
      unipileAccountId: secondSender,
      organizationId: first.organizationId,
      definition: chain([node('visit', 'profile_visit'), node('follow', 'send_followup', { message: 'Hello from B' })], '6s'),
      leads: 1,
      slugPrefix: 'voice',
    });
    await suite.engine.campaigns.start({ organizationId: second.organizationId, campaignId: second.campaignId });
    await waitFor('B visited the person', async () => (await stepState(second.campaignId, second.leadIds[0]!, 'visit')) === 'done');

    const webhooks = createUnipileWebhookService({ db: suite.db.db, client: suite.t.client, logger: quietLogger, pauseCampaignsOfAccount: () => Promise.resolve([]) });
    const person = suite.engine.sandbox.control.person(slug);
    const received = await webhooks.receive({
      event: 'message_received',
      account_id: suite.engine.unipileAccountId,
      account_type: 'LINKEDIN',
      account_info: { type: 'LINKEDIN', user_id: 'me' },
      chat_id: 'chat-voice',
      message_id: 'msg-voice',
      timestamp: new Date().toISOString(),
      message: 'Thanks, not interested',
      sender: { attendee_provider_id: person.providerId, attendee_name: 'Voice' },
    });
    await webhooks.process(received.id);
    await finished(second.campaignId);
    assert.deepEqual(suite.engine.sandbox.control.chatMessages(secondSender, slug), [], 'B sent nothing after the reply to A');
    const b = await execution(second.campaignId, second.leadIds[0]!);
    assert.equal(b.data.timeline.at(-1)?.reason, 'replied');

    // Two campaigns started together on the same new person: the one started first works them.
    const p = await seedCampaign(suite.db.db, { unipileAccountId: suite.engine.unipileAccountId, definition: chain([node('visit', 'profile_visit'), node('hi', 'send_followup', { message: 'Hi from P' })], '3s'), leads: 1, slugPrefix: 'both' });
    const q = await seedCampaign(suite.db.db, { unipileAccountId: secondSender, organizationId: p.organizationId, definition: chain([node('visit', 'profile_visit'), node('hi', 'send_followup', { message: 'Hi from Q' })], '3s'), leads: 1, slugPrefix: 'both' });
    const [both] = p.slugs as [string];
    for (const acc of [suite.engine.unipileAccountId, secondSender]) suite.engine.sandbox.control.connect(acc, both);
    await suite.engine.campaigns.start({ organizationId: p.organizationId, campaignId: p.campaignId });
    await waitFor('P visited', async () => (await stepState(p.campaignId, p.leadIds[0]!, 'visit')) === 'done');
    await suite.engine.campaigns.start({ organizationId: q.organizationId, campaignId: q.campaignId });
    await Promise.all([finished(p.campaignId), finished(q.campaignId)]);
    assert.deepEqual(messages(both), ['Hi from P']);
    assert.deepEqual(suite.engine.sandbox.control.chatMessages(secondSender, both), []);
    const skipped = await execution(q.campaignId, q.leadIds[0]!);
    assert.equal(skipped.data.steps.visit?.reason, 'in_another_campaign');
    assert.equal(skipped.data.timeline.at(-1)?.reason, 'in_another_campaign');
  });

  it('a campaign with skipContactedWithinDays ends a lead another campaign messaged within that many days, before any write', async () => {
    const first = await seedCampaign(suite.db.db, { unipileAccountId: suite.engine.unipileAccountId, definition: chain([node('visit', 'profile_visit'), node('hello', 'send_followup', { message: 'Hello from A' })]), leads: 1, slugPrefix: 'recent' });
    const [slug] = first.slugs as [string];
    suite.engine.sandbox.control.connect(suite.engine.unipileAccountId, slug);
    await suite.engine.campaigns.start({ organizationId: first.organizationId, campaignId: first.campaignId });
    await finished(first.campaignId);

    const seedSecond = async (days: number | null) => {
      const s = await seedCampaign(suite.db.db, {
        unipileAccountId: suite.engine.unipileAccountId,
        definition: chain([node('visit', 'profile_visit'), node('like', 'like_post'), node('follow', 'send_followup', { message: 'Hello again' })]),
        leads: 1,
        slugPrefix: 'recent',
      });
      await suite.db.db.updateTable('campaigns').set({ skip_contacted_within_days: days }).where('id', '=', s.campaignId).execute();
      await suite.engine.campaigns.start({ organizationId: s.organizationId, campaignId: s.campaignId });
      await finished(s.campaignId);
      return (await execution(s.campaignId, s.leadIds[0]!)).data;
    };
    const filtered = await seedSecond(30);
    assert.equal(filtered.steps.visit?.state, 'done', 'the visit resolves who the lead is');
    assert.equal(filtered.steps.like?.reason, 'contacted_recently');
    assert.equal(filtered.steps.follow, undefined);
    assert.equal(filtered.timeline.at(-1)?.reason, 'contacted_recently');
    const unfiltered = await seedSecond(null);
    assert.notEqual(unfiltered.steps.like?.reason, 'contacted_recently');
    assert.notEqual(unfiltered.timeline.at(-1)?.reason, 'contacted_recently');
    assert.deepEqual(messages(slug), ['Hello from A'], 'no second message either way (one voice dedupe)');
  });

  it('a campaign with skipConnectedLeads ends leads already connected to its sender, and works the others', async () => {
    const seeded = await seedCampaign(suite.db.db, { unipileAccountId: suite.engine.unipileAccountId, definition: chain([node('visit', 'profile_visit'), node('like', 'like_post')]), leads: 2, slugPrefix: 'known' });
    await suite.db.db.updateTable('campaigns').set({ skip_connected_leads: true }).where('id', '=', seeded.campaignId).execute();
    const [friend, stranger] = seeded.slugs as [string, string];
    suite.engine.sandbox.control.connect(suite.engine.unipileAccountId, friend);
    await suite.engine.campaigns.start({ organizationId: seeded.organizationId, campaignId: seeded.campaignId });
    await finished(seeded.campaignId);
    const skipped = (await execution(seeded.campaignId, seeded.leadIds[0]!)).data;
    assert.equal(skipped.steps.visit?.reason, 'already_connected_to_sender');
    assert.equal(skipped.steps.like, undefined);
    assert.equal(skipped.timeline.at(-1)?.reason, 'already_connected_to_sender');
    assert.equal(suite.engine.sandbox.calls({ method: 'GET', path: new RegExp(`/users/${friend}$`) }).filter((c) => c.query.notify === 'true').length, 0, 'no visit notification');
    assert.equal((await execution(seeded.campaignId, seeded.leadIds[1]!)).data.steps.visit?.state, 'done');
    assert.ok(visited(stranger));
  });
});
