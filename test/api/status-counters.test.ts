// The campaign status view reads its lead and step counts from the counters the progress recorder
// keeps, never from the executions: after a varied campaign (every lead status, every step state,
// skips with reasons, retried records, leads written concurrently) they equal a full recount of the
// executions, on PostgreSQL and on the embedded PGlite.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@temporalio/client';
import { sql } from 'kysely';
import { recordLeadProgress } from '../../src/activities/campaign.activities';
import type { Db } from '../../src/db/connection';
import type { ExecutionStatus } from '../../src/db/schema';
import type { ExecutionData } from '../../src/domain/timeline';
import { createCampaignService } from '../../src/services/campaign.service';
import { DATABASE_KINDS } from '../support/database';
import { exampleDefinition, seedCampaign } from '../support/fixtures';
import { quietLogger } from '../support/stack';

const at = (s: number) => new Date(Date.parse('2026-12-01T10:00:00Z') + s * 1000).toISOString();

/** The status view's counts the way it computed them before the counters: a scan of every execution. */
async function recount(db: Db, campaignId: string) {
  const byStatus = await db
    .selectFrom('campaign_executions')
    .select(['status', db.fn.countAll<number>().as('n')])
    .where('campaign_id', '=', campaignId)
    .groupBy('status')
    .execute();
  const leadsByState: Record<string, number> = { pending: 0, in_progress: 0, completed: 0, failed: 0, stopped: 0, skipped: 0 };
  for (const r of byStatus) leadsByState[r.status] = Number(r.n);
  const stepRows = await sql<{ step_id: string; state: 'running' | 'done' | 'skipped' | 'failed'; n: number }>`
    select s.key as step_id, s.value->>'state' as state, count(*)::int as n
    from campaign_executions ce, jsonb_each(ce.execution_data->'steps') s
    where ce.campaign_id = ${campaignId}
    group by 1, 2`.execute(db);
  const steps: Record<string, { running: number; done: number; skipped: number; failed: number }> = {};
  for (const id of ['visit-1', 'invite-2', 'msg-3', 'withdraw-4']) steps[id] = { running: 0, done: 0, skipped: 0, failed: 0 };
  for (const r of stepRows.rows) steps[r.step_id]![r.state] += Number(r.n);
  return { leadsByState, steps };
}

for (const { kind, create } of DATABASE_KINDS) {
  describe(`campaign status from counters (${kind})`, () => {
    it('equals a full recount of the executions after a varied campaign', async () => {
      const db = await create();
      try {
        const seeded = await seedCampaign(db.db, { unipileAccountId: `acc-status-${kind}`, definition: exampleDefinition(), leads: 36 });
        const walk = async (leadId: string, i: number) => {
          let seq = 0;
          const rec = (entries: ExecutionData['timeline'], steps: ExecutionData['steps'], status?: Exclude<ExecutionStatus, 'pending'>, final = false) =>
            recordLeadProgress(db.db, {
              campaignId: seeded.campaignId,
              leadId,
              workflowId: `lead-${leadId}`,
              runId: 'run-1',
              currentStep: 0,
              totalSteps: 4,
              final,
              ...(status ? { status } : {}),
              entries: entries.map((e) => ({ ...e, seq: ++seq })),
              steps,
            });
          const outcome = i % 6;
          await rec([{ at: at(i), type: 'lead_started' }], {}, 'in_progress');
          if (outcome === 5) return; // started, no step yet
          await rec([{ at: at(i), type: 'step_started', stepId: 'visit-1', kind: 'profile_visit' }], { 'visit-1': { kind: 'profile_visit', state: 'running', at: at(i) } });
          if (outcome === 0) return; // running its first step
          if (outcome === 1) {
            await rec([{ at: at(i + 1), type: 'step_failed', stepId: 'visit-1', kind: 'profile_visit', reason: 'profile_not_found' }, { at: at(i + 1), type: 'lead_failed' }], { 'visit-1': { kind: 'profile_visit', state: 'failed', at: at(i + 1) } }, 'failed', true);
            return;
          }
          const visited = { 'visit-1': { kind: 'profile_visit' as const, state: 'done' as const, at: at(i + 1) } };
          await rec([{ at: at(i + 1), type: 'step_completed', stepId: 'visit-1', kind: 'profile_visit' }], visited);
          if (outcome === 2) {
            // Skipped: already connected, the invitation is skipped with its reason and the lead ends skipped.
            const skipped = { ...visited, 'invite-2': { kind: 'send_connection_request' as const, state: 'skipped' as const, at: at(i + 2), reason: 'already_connected' } };
            await rec([{ at: at(i + 2), type: 'step_skipped', stepId: 'invite-2', kind: 'send_connection_request', reason: 'already_connected' }], skipped, 'skipped', true);
            return;
          }
          const invited = { ...visited, 'invite-2': { kind: 'send_connection_request' as const, state: 'done' as const, at: at(i + 3601) } };
          await rec([{ at: at(i + 3601), type: 'step_completed', stepId: 'invite-2', kind: 'send_connection_request' }], invited);
          if (outcome === 3) {
            await rec([{ at: at(i + 4000), type: 'stopped', reason: 'stopped_by_user' }], invited, 'stopped', true);
            return;
          }
          const messaged = { ...invited, 'msg-3': { kind: 'send_followup' as const, state: 'done' as const, at: at(i + 9000) }, 'withdraw-4': { kind: 'withdraw_request' as const, state: 'skipped' as const, at: at(i + 9000), reason: 'branch_not_taken' } };
          await rec([{ at: at(i + 9000), type: 'step_completed', stepId: 'msg-3', kind: 'send_followup' }, { at: at(i + 9001), type: 'lead_completed' }], messaged, 'completed', true);
          // A retried record (same seq numbers) changes nothing.
          seq -= 2;
          await rec([{ at: at(i + 9000), type: 'step_completed', stepId: 'msg-3', kind: 'send_followup' }, { at: at(i + 9001), type: 'lead_completed' }], messaged, 'completed', true);
        };
        await Promise.all(seeded.leadIds.map((id, i) => walk(id, i)));

        const service = createCampaignService({ db: db.db, client: new Client(), taskQueue: 'unused', logger: quietLogger });
        const view = await service.status({ organizationId: seeded.organizationId, campaignId: seeded.campaignId });
        const expected = await recount(db.db, seeded.campaignId);
        assert.deepEqual({ ...view.leadsByState, not_started: undefined }, { ...expected.leadsByState, not_started: undefined });
        assert.deepEqual(
          Object.fromEntries(Object.entries(view.steps).map(([id, s]) => [id, { running: s.running, done: s.done, skipped: s.skipped, failed: s.failed }])),
          expected.steps,
        );
        // The walk really is varied: every status and every step state appears.
        assert.deepEqual(view.leadsByState, { pending: 0, in_progress: 12, completed: 6, failed: 6, stopped: 6, skipped: 6, not_started: 0 });
        assert.deepEqual(view.steps['visit-1'] && { ...view.steps['visit-1'], kind: undefined, label: undefined }, { kind: undefined, label: undefined, running: 6, done: 18, skipped: 0, failed: 6 });
        assert.equal(view.steps['invite-2']?.skipped, 6);
        assert.equal(view.steps['withdraw-4']?.skipped, 6);
        assert.equal(view.processedLeads, 24);
      } finally {
        await db.drop();
      }
    });
  });
}
