// The sender's LinkedIn account disconnects mid-campaign, on a real Temporal dev server: the next call
// gets 401 disconnected_account, the account row turns `disconnected`, the campaign pauses with a
// reason naming the account, and nothing more is sent on the account until it is reconnected and the
// campaign resumed; then the campaign completes with every lead invited exactly once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { campaignWorkflowId } from '../../src/workflows/definitions';
import type { ExecutionData } from '../../src/domain/timeline';
import { quickDefinition, seedCampaign, waitFor } from '../support/fixtures';
import { useEngineOnDevServer } from '../support/stack';

const LEADS = 10;
const STEP_DELAY_MS = 3_000;
/** A call the worker had already started when the row changed may still land just after it. */
const IN_FLIGHT_GRACE_MS = 1_000;

/** visit → 3 s → invite. */
function delayedDefinition() {
  const d = quickDefinition();
  d.edges[0]!.data = { delay: '3s', delayData: { delay: 3, unit: 's' } };
  return d;
}

describe('sender account disconnected mid-campaign (dev server)', () => {
  const suite = useEngineOnDevServer();

  it('401 disconnected_account: account disconnected, campaign paused, no further call; reconnect + resume completes with each invite once', async () => {
    const seeded = await seedCampaign(suite.db.db, { unipileAccountId: suite.engine.unipileAccountId, definition: delayedDefinition(), leads: LEADS, slugPrefix: 'disc' });
    const { control } = suite.engine.sandbox;
    const account = suite.engine.unipileAccountId;
    const invites = () => seeded.slugs.map((s) => control.writeCount(account, s, 'invitation'));
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const accountRow = () => suite.db.db.selectFrom('connected_accounts').select(['status', 'status_reason', 'updated_at']).where('id', '=', seeded.accountId).executeTakeFirstOrThrow();
    const campaignRow = () => suite.db.db.selectFrom('campaigns').select(['status', 'status_reason']).where('id', '=', seeded.campaignId).executeTakeFirstOrThrow();

    // Leads start 400 ms apart, so when the first invitations have gone out the later leads still have work to do.
    await suite.engine.campaigns.start({ organizationId: seeded.organizationId, campaignId: seeded.campaignId, maxConcurrentLeads: LEADS, leadProcessingDelay: 400 });
    await waitFor('the first invitations', async () => sum(invites()) >= 2, 30_000, 50);
    control.disconnect(account);
    const disconnectedAt = new Date();

    // The next LinkedIn call is refused, and the engine records it.
    const row = await waitFor('the account row to turn disconnected', async () => {
      const r = await accountRow();
      return r.status === 'disconnected' ? r : null;
    }, 20_000, 50);
    assert.equal(row.status_reason, 'disconnected_account');
    // The call that found the disconnect may have come within a millisecond of it (then it is the only
    // one), and a request that arrived in the same millisecond may still have been served; every later
    // call is refused.
    const sinceDisconnect = suite.engine.sandbox.calls().filter((c) => c.at.getTime() >= disconnectedAt.getTime() - 1);
    const refused = sinceDisconnect.filter((c) => c.status === 401);
    const listing = sinceDisconnect.map((c) => `${c.at.toISOString()} ${c.method} ${c.path} ${c.status}`).join('\n');
    assert.ok(refused.length >= 1, `no call was refused:\n${listing}`);
    assert.ok(sinceDisconnect.filter((c) => c.at.getTime() > disconnectedAt.getTime() + 5).every((c) => c.status === 401), listing);

    const campaign = await waitFor('the campaign to pause', async () => {
      const c = await campaignRow();
      return c.status === 'paused' ? c : null;
    }, 10_000, 50);
    assert.match(campaign.status_reason ?? '', /account.*disconnected/, `status_reason: ${campaign.status_reason}`);

    // Longer than the step delay: every lead waiting for its invite would have called LinkedIn by now.
    await new Promise((r) => setTimeout(r, STEP_DELAY_MS + 2_000));
    const after = suite.engine.sandbox.calls().filter((c) => c.at.getTime() > row.updated_at.getTime() + IN_FLIGHT_GRACE_MS);
    assert.deepEqual(after.map((c) => `${c.at.toISOString()} ${c.method} ${c.path} ${c.status}`), [], 'calls on a disconnected account');
    const invitedWhileDown = sum(invites());
    assert.ok(invitedWhileDown < LEADS, `the disconnect came too late to test anything: ${invitedWhileDown} invited`);
    assert.equal((await campaignRow()).status, 'paused');

    // Reconnect (sandbox), mark the account connected as PATCH /api/accounts/:id does, and resume.
    control.reconnect(account);
    await suite.db.db.updateTable('connected_accounts').set({ status: 'connected', status_reason: null, updated_at: new Date() }).where('id', '=', seeded.accountId).execute();
    await suite.engine.campaigns.resume({ organizationId: seeded.organizationId, campaignId: seeded.campaignId });
    const resumedAt = Date.now();
    await suite.t.client.workflow.getHandle(campaignWorkflowId(seeded.campaignId)).result();

    const resumeMs = Date.now() - resumedAt;
    assert.equal((await campaignRow()).status, 'completed');
    assert.deepEqual(invites(), Array(LEADS).fill(1), 'every lead invited exactly once');
    assert.deepEqual(seeded.slugs.map((s) => control.writeCount(account, s, 'profile_view')), Array(LEADS).fill(1), 'every lead visited exactly once');
    const rows = await suite.db.db.selectFrom('campaign_executions').select(['status', 'execution_data']).where('campaign_id', '=', seeded.campaignId).execute();
    assert.deepEqual(rows.map((r) => r.status), Array(LEADS).fill('completed'));
    // The lead whose call was refused says why it paused.
    const pausedForAccount = rows.filter((r) => (r.execution_data as unknown as ExecutionData).timeline.some((e) => e.type === 'paused' && /^account_/.test(e.reason ?? '')));
    assert.ok(pausedForAccount.length >= 1, 'a lead timeline shows the account pause');
    console.log(`account-disconnect: ${invitedWhileDown}/${LEADS} invited before the disconnect; ${refused.length} call(s) refused with 401; completed ${resumeMs} ms after resume`);
  });
});
