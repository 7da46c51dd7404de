// The analytics counters equal the sum of every lead's contribution, however the progress records
// interleave: 30 leads recorded concurrently, each step in its own transaction, on PostgreSQL and on
// the embedded PGlite the local runner uses.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { recordLeadProgress } from '../../src/activities/campaign.activities';
import { readCounters } from '../../src/db/repositories/campaign-counter.repository';
import { leadContribution } from '../../src/domain/lead-analytics';
import type { ExecutionData } from '../../src/domain/timeline';
import { DATABASE_KINDS } from '../support/database';
import { exampleDefinition, seedCampaign } from '../support/fixtures';

const at = (s: number) => new Date(Date.parse('2026-12-01T10:00:00Z') + s * 1000).toISOString();

for (const { kind, create } of DATABASE_KINDS) {
  describe(`analytics counters (${kind})`, () => {
    it('equal the sum over leads after concurrent progress records, retries included', async () => {
      const db = await create();
      try {
        const seeded = await seedCampaign(db.db, { unipileAccountId: `acc-${kind}`, definition: exampleDefinition(), leads: 30 });
        const walk = async (leadId: string, i: number) => {
          let seq = 0;
          const rec = (entries: ExecutionData['timeline'], steps: ExecutionData['steps'], extra: { status?: 'in_progress' | 'completed'; final?: boolean } = {}) =>
            recordLeadProgress(db.db, {
              campaignId: seeded.campaignId,
              leadId,
              workflowId: `lead-${leadId}`,
              runId: 'run-1',
              currentStep: 0,
              totalSteps: 4,
              final: extra.final ?? false,
              ...(extra.status ? { status: extra.status } : {}),
              entries: entries.map((e) => ({ ...e, seq: ++seq })),
              steps,
            });
          await rec([{ at: at(i), type: 'lead_started' }], {}, { status: 'in_progress' });
          await rec([{ at: at(i), type: 'step_started', stepId: 'visit-1', kind: 'profile_visit' }], { 'visit-1': { kind: 'profile_visit', state: 'running', at: at(i) } });
          const visited = { 'visit-1': { kind: 'profile_visit' as const, state: 'done' as const, at: at(i + 1) } };
          await rec([{ at: at(i + 1), type: 'step_completed', stepId: 'visit-1', kind: 'profile_visit' }, { at: at(i + 1), type: 'wait', stepId: 'invite-2', reason: 'edge_delay', until: at(i + 3600) }], visited);
          if (i % 3 === 0) return;
          const invited = { ...visited, 'invite-2': { kind: 'send_connection_request' as const, state: 'done' as const, at: at(i + 3601) } };
          await rec([{ at: at(i + 3601), type: 'step_completed', stepId: 'invite-2', kind: 'send_connection_request' }, { at: at(i + 3601), type: 'acceptance_wait', stepId: 'invite-2', until: at(i + 9e5) }], invited);
          if (i % 3 === 1) return;
          await rec([{ at: at(i + 7200), type: 'branch', branch: 'accepted', reason: 'accepted_via_webhook' }, { at: at(i + 7201), type: 'lead_completed' }], invited, { status: 'completed', final: true });
          // A retried record (same seq numbers) changes nothing.
          seq -= 2;
          await rec([{ at: at(i + 7200), type: 'branch', branch: 'accepted' }, { at: at(i + 7201), type: 'lead_completed' }], invited, { status: 'completed', final: true });
        };
        await Promise.all(seeded.leadIds.map((id, i) => walk(id, i)));

        const counters = await readCounters(db.db, seeded.campaignId);
        const expected = new Map<string, number>();
        const edges = [
          { id: 'e1', from: 'visit-1', to: 'invite-2' },
          { id: 'e2', from: 'invite-2', to: 'msg-3', branch: 'accepted' as const },
          { id: 'e3', from: 'invite-2', to: 'withdraw-4', branch: 'not-accepted' as const },
        ];
        for (const row of await db.db.selectFrom('campaign_executions').select(['status', 'execution_data']).where('campaign_id', '=', seeded.campaignId).execute()) {
          for (const [k, v] of leadContribution(row.execution_data as unknown as ExecutionData, row.status, edges, 'UTC')) expected.set(k, (expected.get(k) ?? 0) + v);
        }
        const actual = new Map([...counters].filter(([k, v]) => k !== 'version' && v !== 0));
        assert.deepEqual(actual, expected);
        assert.equal(counters.get('leads:completed'), 10);
        assert.equal(counters.get('node:visit-1:done'), 30);
        assert.equal(counters.get('node:invite-2:waiting:edge_delay'), 10);
        assert.equal(counters.get('node:invite-2:waiting:acceptance_window'), 10);
        assert.equal(counters.get('edge:e2'), undefined, 'nobody reached the message step yet');
        assert.equal(counters.get('rate:accepted'), 10);
      } finally {
        await db.drop();
      }
    });
  });
}
