// Starting a stopped campaign again resumes it, on Temporal's time-skipping server (days pass in
// seconds; LinkedIn is the sandbox over HTTP). The example flow: visit, 1 h, invite; accepted → 1 day →
// message; not accepted within 14 days → withdraw. Stopped 20 h in, then started again: the lead who
// had accepted gets the message when what was left of its day has passed, and the other lead's
// acceptance window goes on where it was, not from the start.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ExecutionData, TimelineEntry } from '../../src/domain/timeline';
import { campaignWorkflowId, leadWorkflowId } from '../../src/workflows/definitions';
import { exampleDefinition, seedCampaign } from '../support/fixtures';
import { recordHistory } from '../support/histories';
import { useEngineOnTimeSkipping } from '../support/stack';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('restart of a stopped campaign on the time-skipping server', () => {
  const suite = useEngineOnTimeSkipping();

  it('does not rewind: no new acceptance window for a lead who accepted, interrupted waits wait their remainder', async (t) => {
    const { env, db, engine } = suite;
    const seeded = await seedCampaign(db.db, { unipileAccountId: engine.unipileAccountId, definition: exampleDefinition(), leads: 2, slugPrefix: 'again' });
    const [accepter, ignorer] = seeded.slugs as [string, string];
    engine.sandbox.control.setPerson(accepter, { acceptAfterMs: 0 });
    engine.sandbox.control.setPerson(ignorer, { acceptAfterMs: null });
    const ids = { organizationId: seeded.organizationId, campaignId: seeded.campaignId };
    const orchestrator = env.client.workflow.getHandle(campaignWorkflowId(seeded.campaignId));

    await engine.worker.runUntil(async () => {
      await engine.campaigns.start(ids);
      // 20 h in: the accepter accepted (found by the 4-8 h poll after the 1 h invite) and waits its day;
      // the other lead is 19 h into its 14-day window.
      await env.sleep(20 * HOUR);
      await engine.campaigns.stop({ ...ids, reason: 'checking the list' });
      await orchestrator.result();
      await engine.campaigns.start(ids);
      await orchestrator.result();
    });

    const timeline = async (leadId: string): Promise<TimelineEntry[]> => {
      const row = await db.db.selectFrom('campaign_executions').select('execution_data').where('lead_id', '=', leadId).executeTakeFirstOrThrow();
      return (row.execution_data as unknown as ExecutionData).timeline;
    };
    /** The entries of the run after the restart, and when it started. */
    const afterRestart = (entries: TimelineEntry[]) => {
      const i = entries.findLastIndex((e) => e.type === 'lead_started');
      assert.ok(i > 0, 'the lead started twice');
      return { at: Date.parse(entries[i]!.at), entries: entries.slice(i) };
    };
    const at = (entries: TimelineEntry[], type: string, stepId: string) => {
      const e = entries.find((x) => x.type === type && x.stepId === stepId);
      assert.ok(e, `${type} ${stepId} in ${JSON.stringify(entries.map((x) => [x.type, x.stepId, x.reason]))}`);
      return Date.parse(e.at);
    };

    const a = afterRestart(await timeline(seeded.leadIds[0]!));
    assert.ok(a.entries.some((e) => e.type === 'branch' && e.branch === 'accepted' && e.reason === 'accepted_before_restart'));
    assert.equal(a.entries.filter((e) => e.type === 'acceptance_wait').length, 0, 'no new acceptance window');
    assert.equal(a.entries.filter((e) => e.type === 'wait' && e.stepId === 'invite-2').length, 0, 'the hour before the invitation, done before the stop, is not waited again');
    const messageAfter = at(a.entries, 'step_started', 'msg-3') - a.at;
    // Accepted at 5-9 h, stopped at 20 h: 9-13 h of the day were left (not 24 h).
    assert.ok(messageAfter >= 8 * HOUR && messageAfter <= 14 * HOUR, `message ${messageAfter / HOUR} h after the restart`);
    assert.equal(engine.sandbox.control.writeCount(engine.unipileAccountId, accepter, 'message'), 1);
    assert.equal(engine.sandbox.control.writeCount(engine.unipileAccountId, accepter, 'invitation'), 1);

    const b = afterRestart(await timeline(seeded.leadIds[1]!));
    const withdrawAfter = at(b.entries, 'step_started', 'withdraw-4') - b.at;
    // 19 h of the 14 days had passed at the stop: about 13 days 5 h were left.
    assert.ok(withdrawAfter >= 13 * DAY && withdrawAfter <= 13 * DAY + 8 * HOUR, `withdrawn ${withdrawAfter / DAY} days after the restart`);
    assert.equal(engine.sandbox.control.writeCount(engine.unipileAccountId, ignorer, 'invitation'), 1);
    assert.equal(engine.sandbox.control.writeCount(engine.unipileAccountId, ignorer, 'cancel_invitation'), 1);

    t.diagnostic(`after the restart: message at +${(messageAfter / HOUR).toFixed(1)} h (a fresh start: 28-32 h), withdrawal at +${(withdrawAfter / DAY).toFixed(2)} d (a fresh start: 14 d)`);
    if (process.env.RECORD_HISTORIES) {
      await recordHistory(env.client, leadWorkflowId(seeded.campaignId, seeded.leadIds[0]!), 'lead-restart-accepted-restart-skips-done-delays');
      await recordHistory(env.client, leadWorkflowId(seeded.campaignId, seeded.leadIds[1]!), 'lead-restart-window-restart-skips-done-delays');
      await recordHistory(env.client, campaignWorkflowId(seeded.campaignId), 'orchestrator-restart-leads-in-import-order');
    }
  });
});
