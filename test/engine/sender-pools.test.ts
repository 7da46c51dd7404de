// Sender pools on a real Temporal dev server (issue 11): one campaign, three senders with different
// limits. Every lead gets one sender, recorded on its execution, and is invited once, by that sender;
// the leads spread in proportion to the senders' limits. A sender that is disconnected before it
// contacted its leads loses them to the others, and the campaign goes on without pausing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readCounters } from '../../src/db/repositories/campaign-counter.repository';
import { removeCampaignSender } from '../../src/db/repositories/campaign-sender.repository';
import type { ExecutionData } from '../../src/domain/timeline';
import { campaignWorkflowId, leadWorkflowId } from '../../src/workflows/definitions';
import { recordHistory } from '../support/histories';
import { seedPoolCampaign, stepChain, stepNode, waitFor } from '../support/fixtures';
import { useEngineOnDevServer } from '../support/stack';

describe('sender pools (dev server)', () => {
  const suite = useEngineOnDevServer();

  const poolCampaign = (prefix: string, leads: number, limits: number[]) =>
    seedPoolCampaign(suite.db.db, suite.engine.sandbox.control, { unipileAccountId: suite.engine.unipileAccountId, leads, slugPrefix: prefix, invitationLimits: limits });

  const executionsOf = (campaignId: string) =>
    suite.db.db.selectFrom('campaign_executions as e').innerJoin('leads as l', 'l.id', 'e.lead_id').select(['e.sender_account_id', 'e.status', 'e.execution_data', 'l.linkedin_url']).where('e.campaign_id', '=', campaignId).execute();
  const slugOf = (url: string | null) => /\/in\/([^/]+)/.exec(url ?? '')![1]!;

  it('gives every lead one sender, invites it once from that sender, and spreads the leads in proportion to the limits (±10%)', async () => {
    const LEADS = 40;
    const { seeded, senders } = await poolCampaign('pool', LEADS, [200, 100, 100]);
    await suite.engine.campaigns.start({ organizationId: seeded.organizationId, campaignId: seeded.campaignId, maxConcurrentLeads: 10 });
    await suite.t.client.workflow.getHandle(campaignWorkflowId(seeded.campaignId)).result();

    const rows = await executionsOf(seeded.campaignId);
    assert.equal(rows.length, LEADS);
    const perSender = new Map<string, number>();
    for (const r of rows) {
      assert.equal(r.status, 'completed');
      const sender = senders.find((s) => s.accountId === r.sender_account_id);
      assert.ok(sender, `lead ${r.linkedin_url} has a sender of the pool (${r.sender_account_id})`);
      perSender.set(sender.accountId, (perSender.get(sender.accountId) ?? 0) + 1);
      const slug = slugOf(r.linkedin_url);
      // Invited once, by its own sender, and by no other sender of the pool.
      for (const s of senders) assert.equal(suite.engine.sandbox.control.writeCount(s.unipileId, slug, 'invitation'), s === sender ? 1 : 0, `${slug} from ${s.unipileId}`);
      const timeline = (r.execution_data as unknown as ExecutionData).timeline;
      const assigned = timeline.filter((e) => e.type === 'sender_assigned');
      assert.equal(assigned.length, 1, `${slug}: one sender_assigned entry`);
      assert.equal(assigned[0]!.detail?.accountId, sender.accountId);
    }
    const shares = senders.map((s) => perSender.get(s.accountId) ?? 0);
    const expected = [0.5, 0.25, 0.25].map((p) => p * LEADS);
    shares.forEach((n, i) => assert.ok(Math.abs(n - expected[i]!) <= 0.1 * LEADS, `sender ${i}: ${n} leads, expected ${expected[i]} ± ${0.1 * LEADS} (${shares.join(' / ')})`));
    console.log(`sender pools: leads per sender ${shares.join(' / ')} for limits 200 / 100 / 100`);
    if (process.env.RECORD_HISTORIES) await recordHistory(suite.t.client, leadWorkflowId(seeded.campaignId, seeded.leadIds[0]!), 'lead-pool-sender-pools');

    // The per-sender counters agree with the rows.
    const counters = await readCounters(suite.db.db, seeded.campaignId, ['sender:']);
    for (const s of senders) {
      assert.equal(counters.get(`sender:${s.accountId}:leads:completed`) ?? 0, perSender.get(s.accountId) ?? 0);
      assert.equal(counters.get(`sender:${s.accountId}:rate:invited`) ?? 0, perSender.get(s.accountId) ?? 0);
      assert.equal(counters.get(`sender:${s.accountId}:done:send_connection_request`) ?? 0, perSender.get(s.accountId) ?? 0);
    }
  });

  it('a sender disconnected before it contacted its leads loses them to the others; the campaign does not pause', async () => {
    const LEADS = 12;
    const { seeded, senders } = await poolCampaign('gone', LEADS, [100, 100, 100]);
    const gone = senders[2]!;
    // LinkedIn disconnected it; our row does not know yet (it learns at the first refused call).
    suite.engine.sandbox.control.disconnect(gone.unipileId);
    await suite.engine.campaigns.start({ organizationId: seeded.organizationId, campaignId: seeded.campaignId, maxConcurrentLeads: 12 });
    await suite.t.client.workflow.getHandle(campaignWorkflowId(seeded.campaignId)).result();

    const campaign = await suite.db.db.selectFrom('campaigns').select(['status', 'status_reason']).where('id', '=', seeded.campaignId).executeTakeFirstOrThrow();
    assert.equal(campaign.status, 'completed', `campaign ${campaign.status} (${campaign.status_reason})`);
    const account = await suite.db.db.selectFrom('connected_accounts').select('status').where('id', '=', gone.accountId).executeTakeFirstOrThrow();
    assert.equal(account.status, 'disconnected');
    const rows = await executionsOf(seeded.campaignId);
    let moved = 0;
    for (const r of rows) {
      assert.equal(r.status, 'completed', `${r.linkedin_url}`);
      assert.notEqual(r.sender_account_id, gone.accountId, `${r.linkedin_url} stayed on the disconnected sender`);
      const slug = slugOf(r.linkedin_url);
      assert.equal(senders.reduce((n, s) => n + suite.engine.sandbox.control.writeCount(s.unipileId, slug, 'invitation'), 0), 1, `${slug} invited once`);
      const assigned = (r.execution_data as unknown as ExecutionData).timeline.filter((e) => e.type === 'sender_assigned');
      if (assigned.some((e) => e.detail?.previous === gone.accountId)) {
        if (moved++ === 0 && process.env.RECORD_HISTORIES) {
          const lead = await suite.db.db.selectFrom('leads').select('id').where('linkedin_url', '=', r.linkedin_url).executeTakeFirstOrThrow();
          await recordHistory(suite.t.client, leadWorkflowId(seeded.campaignId, lead.id), 'lead-moved-sender-pools');
        }
      }
    }
    assert.ok(moved >= 1, 'some leads were given to the disconnected sender first, then moved');
    console.log(`sender pools: ${moved} of ${LEADS} leads moved off the disconnected sender`);
  });

  it('leads a sender contacted wait for it while it is disconnected, and go on as soon as it is reconnected', async () => {
    const LEADS = 8;
    // invite, 3 s, visit: the visit comes after the sender contacted the lead.
    const definition = stepChain([stepNode('invite', 'send_connection_request'), stepNode('visit', 'profile_visit')], '3s');
    const { seeded, senders } = await seedPoolCampaign(suite.db.db, suite.engine.sandbox.control, {
      unipileAccountId: suite.engine.unipileAccountId,
      leads: LEADS,
      slugPrefix: 'back',
      invitationLimits: [100, 100],
      definition,
    });
    const away = senders[1]!;
    const control = suite.engine.sandbox.control;
    const invitedBy = (s: (typeof senders)[number]) => seeded.slugs.filter((slug) => control.writeCount(s.unipileId, slug, 'invitation') > 0);
    await suite.engine.campaigns.start({ organizationId: seeded.organizationId, campaignId: seeded.campaignId, maxConcurrentLeads: LEADS });
    await waitFor('every lead invited', async () => senders.reduce((n, s) => n + invitedBy(s).length, 0) === LEADS, 30_000, 20);
    control.disconnect(away.unipileId);
    const contacted = invitedBy(away);
    assert.ok(contacted.length >= 1, 'the sender that goes away contacted some leads');

    const waiting = () =>
      suite.db.db.selectFrom('campaign_executions').select(['lead_id', 'wait_reason', 'execution_data']).where('campaign_id', '=', seeded.campaignId).where('sender_account_id', '=', away.accountId).execute();
    const disconnectedWaits = (rows: Awaited<ReturnType<typeof waiting>>) =>
      rows.filter((r) => r.wait_reason === 'paused' && (r.execution_data as unknown as ExecutionData).timeline.some((e) => e.type === 'paused' && e.reason === 'sender_disconnected'));
    await waitFor(`the ${contacted.length} contacted leads waiting with sender_disconnected`, async () => disconnectedWaits(await waiting()).length === contacted.length, 30_000, 100);
    assert.deepEqual(contacted.filter((slug) => control.writeCount(away.unipileId, slug, 'profile_view') > 0), [], 'no visit while it is away');
    const campaign = await suite.db.db.selectFrom('campaigns').select('status').where('id', '=', seeded.campaignId).executeTakeFirstOrThrow();
    assert.equal(campaign.status, 'in_progress', 'the other sender can act: the campaign does not pause');

    // Reconnected (LinkedIn and our row, as PATCH /api/accounts/:id or the account_status webhook do): woken at once.
    control.reconnect(away.unipileId);
    await suite.db.db.updateTable('connected_accounts').set({ status: 'connected', status_reason: null }).where('id', '=', away.accountId).execute();
    const reconnectedAt = Date.now();
    const woken = await suite.engine.campaigns.resumeLeadsOfAccount(away.accountId);
    assert.equal(woken, contacted.length);
    // Their 6 h control poll would be far later than this.
    await suite.t.client.workflow.getHandle(campaignWorkflowId(seeded.campaignId)).result();
    for (const slug of contacted) {
      assert.equal(control.writeCount(away.unipileId, slug, 'invitation'), 1, `${slug} invited once, by its own sender`);
      assert.equal(control.writeCount(away.unipileId, slug, 'profile_view'), 1, `${slug} visited by its own sender after the reconnect`);
      assert.equal(control.writeCount(senders[0]!.unipileId, slug, 'profile_view'), 0, `${slug} not moved after it was contacted`);
    }
    console.log(`sender pools: ${contacted.length} contacted leads waited for their sender and finished ${Date.now() - reconnectedAt} ms after it reconnected`);
  });
  it('a removed sender\'s contacted leads finish on it, or stop with sender_removed when the user asks', async () => {
    const LEADS = 9;
    // invite, 4 s, visit: the visit comes after the sender contacted the lead.
    const definition = stepChain([stepNode('invite', 'send_connection_request'), stepNode('visit', 'profile_visit')], '4s');
    const { seeded, senders } = await seedPoolCampaign(suite.db.db, suite.engine.sandbox.control, {
      unipileAccountId: suite.engine.unipileAccountId,
      leads: LEADS,
      slugPrefix: 'removed',
      invitationLimits: [100, 100, 100],
      definition,
    });
    // The first sender (the suite's own account) has sent in the earlier tests, so the two fresh ones, with more room, get most leads.
    const [, stopped, finishing] = senders as [(typeof senders)[number], (typeof senders)[number], (typeof senders)[number]];
    const control = suite.engine.sandbox.control;
    const invitedBy = (s: (typeof senders)[number]) => seeded.slugs.filter((slug) => control.writeCount(s.unipileId, slug, 'invitation') > 0);
    await suite.engine.campaigns.start({ organizationId: seeded.organizationId, campaignId: seeded.campaignId, maxConcurrentLeads: LEADS });
    await waitFor('every lead invited', async () => senders.reduce((n, s) => n + invitedBy(s).length, 0) === LEADS, 30_000, 20);
    assert.ok(invitedBy(stopped).length >= 1 && invitedBy(finishing).length >= 1, 'both removed senders contacted leads');
    // What DELETE /api/campaigns/:id/senders/:accountId does, with and without stopContactedLeads.
    assert.equal(await removeCampaignSender(suite.db.db, seeded.campaignId, stopped.accountId), true);
    assert.equal(await removeCampaignSender(suite.db.db, seeded.campaignId, finishing.accountId), true);
    const asked = await suite.engine.campaigns.stopLeadsOfSender({ campaignId: seeded.campaignId, accountId: stopped.accountId });
    assert.equal(asked, invitedBy(stopped).length, 'every lead the stopped sender contacted was told');
    await suite.t.client.workflow.getHandle(campaignWorkflowId(seeded.campaignId)).result();

    const rows = await executionsOf(seeded.campaignId);
    for (const r of rows) {
      const slug = slugOf(r.linkedin_url);
      const visits = senders.map((s) => control.writeCount(s.unipileId, slug, 'profile_view'));
      if (r.sender_account_id === stopped.accountId) {
        assert.equal(r.status, 'stopped', `${slug} (stopped sender's)`);
        const timeline = (r.execution_data as unknown as ExecutionData).timeline;
        assert.ok(timeline.some((e) => e.type === 'stopped' && e.reason === 'sender_removed'), `${slug}: stopped with sender_removed`);
        assert.deepEqual(visits, [0, 0, 0], `${slug}: no visit after the stop`);
      } else {
        assert.equal(r.status, 'completed', `${slug}`);
        const own = senders.findIndex((s) => s.accountId === r.sender_account_id);
        assert.deepEqual(visits, senders.map((_, i) => (i === own ? 1 : 0)), `${slug}: visited by its own sender, also when it was removed`);
      }
    }
    assert.ok(rows.some((r) => r.sender_account_id === finishing.accountId && r.status === 'completed'), 'the removed sender finished its leads');
  });
});
