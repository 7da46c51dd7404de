// Tests run on Node, not in the workflow sandbox.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CampaignPlan, PlanEdge, StepKind } from './plan';
import { decideVersionMove, type LeadPosition } from './version-move';

const DAY = 24 * 3_600_000;

function plan(steps: Array<[string, StepKind]>, edges: Array<[string, string, PlanEdge['branch']?]>): CampaignPlan {
  return {
    version: 1,
    entry: steps[0]![0],
    steps: Object.fromEntries(
      steps.map(([id, kind]) => [id, { id, kind, label: id, config: {}, ...(kind === 'send_connection_request' ? { acceptance: { windowMs: DAY, hasNotAcceptedEdge: edges.some(([f, , b]) => f === id && b === 'not-accepted') } } : {}) }]),
    ),
    edges: edges.map(([from, to, branch], i) => ({ id: `e${i}`, from, to, delayMs: DAY, ...(branch ? { branch } : {}) })),
  };
}

const lead = (p: Partial<LeadPosition> & Pick<LeadPosition, 'next'>): LeadPosition => ({ at: null, reached: [], invited: false, connected: false, branches: {}, ...p });

// visit -> 1d -> message (the lead waits between the two)
const V1 = plan([['visit', 'profile_visit'], ['msg', 'send_followup']], [['visit', 'msg']]);

describe('decideVersionMove', () => {
  it('moves when the next node is the same kind in the new version and a step was added after it', () => {
    const v2 = plan([['visit', 'profile_visit'], ['msg', 'send_followup'], ['hook', 'webhook']], [['visit', 'msg'], ['msg', 'hook']]);
    assert.deepEqual(decideVersionMove(V1, v2, lead({ next: 'msg', at: 'visit', reached: ['visit'], connected: true })), { move: true });
  });

  it('keeps the version when the next node is gone or changed kind', () => {
    const gone = plan([['visit', 'profile_visit'], ['msg2', 'send_followup']], [['visit', 'msg2']]);
    assert.deepEqual(decideVersionMove(V1, gone, lead({ next: 'msg', at: 'visit', reached: ['visit'] })), { move: false, reason: 'next_step_not_in_version' });
    const changed = plan([['visit', 'profile_visit'], ['msg', 'send_inmail']], [['visit', 'msg']]);
    assert.deepEqual(decideVersionMove(V1, changed, lead({ next: 'msg', at: 'visit', reached: ['visit'] })), { move: false, reason: 'next_step_kind_changed' });
  });

  it('keeps the version when the node the lead is at is gone or changed kind', () => {
    const gone = plan([['like', 'like_post'], ['msg', 'send_followup']], [['like', 'msg']]);
    assert.deepEqual(decideVersionMove(V1, gone, lead({ next: 'msg', at: 'visit', reached: ['visit'] })), { move: false, reason: 'current_step_not_in_version' });
    const changed = plan([['visit', 'like_post'], ['msg', 'send_followup']], [['visit', 'msg']]);
    assert.deepEqual(decideVersionMove(V1, changed, lead({ next: 'msg', at: 'visit', reached: ['visit'] })), { move: false, reason: 'current_step_kind_changed' });
  });

  it('keeps the version when a step it already ran lies ahead on the new path', () => {
    const again = plan([['msg', 'send_followup'], ['visit', 'profile_visit']], [['msg', 'visit']]);
    assert.deepEqual(decideVersionMove(V1, again, lead({ next: 'msg', at: 'visit', reached: ['visit'] })), { move: false, reason: 'step_would_repeat' });
  });

  it('keeps the version of a lead that would skip the invitation its follow-up needs', () => {
    const v2 = plan([['visit', 'profile_visit'], ['invite', 'send_connection_request'], ['msg', 'send_followup']], [['visit', 'invite'], ['invite', 'msg', 'accepted']]);
    assert.deepEqual(decideVersionMove(V1, v2, lead({ next: 'msg', at: 'visit', reached: ['visit'] })), { move: false, reason: 'followup_without_connection' });
    // Already connected: the follow-up can go, but the message now sits in the accepted branch it never took.
    assert.deepEqual(decideVersionMove(V1, v2, lead({ next: 'msg', at: 'visit', reached: ['visit'], connected: true })), { move: false, reason: 'branch_not_taken' });
  });

  it('keeps the version of a lead that would skip the invitation a withdrawal needs', () => {
    const old = plan([['visit', 'profile_visit'], ['like', 'like_post']], [['visit', 'like']]);
    const v2 = plan([['visit', 'profile_visit'], ['invite', 'send_connection_request'], ['like', 'like_post'], ['withdraw', 'withdraw_request']], [['visit', 'invite'], ['invite', 'like'], ['like', 'withdraw']]);
    assert.deepEqual(decideVersionMove(old, v2, lead({ next: 'like', at: 'visit', reached: ['visit'] })), { move: false, reason: 'withdrawal_without_invitation' });
  });

  it('moves a lead inside the branch it took, and keeps one whose branch the new node is not in', () => {
    const old = plan([['invite', 'send_connection_request'], ['msg', 'send_followup'], ['withdraw', 'withdraw_request']], [['invite', 'msg', 'accepted'], ['invite', 'withdraw', 'not-accepted']]);
    const v2 = plan([['invite', 'send_connection_request'], ['msg', 'send_followup'], ['withdraw', 'withdraw_request'], ['hook', 'webhook']], [['invite', 'msg', 'accepted'], ['invite', 'withdraw', 'not-accepted'], ['msg', 'hook']]);
    const accepted = lead({ next: 'msg', at: 'invite', reached: ['invite'], invited: true, connected: true, branches: { invite: 'accepted' } });
    assert.deepEqual(decideVersionMove(old, v2, accepted), { move: true });
    // The same node id placed under the other branch in the new version.
    const swapped = plan([['invite', 'send_connection_request'], ['msg', 'send_followup'], ['withdraw', 'withdraw_request']], [['invite', 'withdraw', 'accepted'], ['invite', 'msg', 'not-accepted']]);
    assert.deepEqual(decideVersionMove(old, swapped, accepted), { move: false, reason: 'branch_not_taken' });
  });

  it('keeps the version when either version runs branches in parallel', () => {
    const parallel = plan([['visit', 'profile_visit'], ['msg', 'send_followup'], ['hook', 'webhook']], [['visit', 'msg'], ['visit', 'hook']]);
    assert.deepEqual(decideVersionMove(V1, parallel, lead({ next: 'msg', at: 'visit', reached: ['visit'], connected: true })), { move: false, reason: 'parallel_branches' });
    assert.deepEqual(decideVersionMove(parallel, V1, lead({ next: 'msg', at: 'visit', reached: ['visit'], connected: true })), { move: false, reason: 'parallel_branches' });
  });

  it('moves a lead before its first step when the entry is unchanged', () => {
    const v2 = plan([['visit', 'profile_visit'], ['like', 'like_post']], [['visit', 'like']]);
    assert.deepEqual(decideVersionMove(V1, v2, lead({ next: 'visit' })), { move: true });
  });
});
