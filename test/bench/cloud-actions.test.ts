// The Cloud-actions counter on real recorded histories (the example flow's orchestrator and its two
// leads: one accepted, one polled through the 14-day window), the numbers counted by hand from the
// events, and on a constructed history for what the recordings lack (retried activities, a rejected
// workflow task, continue-as-new).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import proto from '@temporalio/proto';
import { countActions, countAllActions, workflowTaskFacts } from '../../bench/cloud-actions';
import { loadHistory } from '../support/histories';

const orchestrator = loadHistory('orchestrator-example-flow-v4');
const accepted = loadHistory('lead-example-flow-1-v4');
const neverAccepted = loadHistory('lead-example-flow-2-v4');

describe('Cloud actions from histories', () => {
  it('counts a lead workflow: activities, one per workflow task of local activities, timers, its signal, its upsert', () => {
    // 4 activities, local activities in 7 distinct workflow tasks, 3 timers, leadFinished sent to a
    // workflow not counted here, 1 upsert; its start is its parent's child start.
    assert.deepEqual(countActions(accepted.history), {
      workflowStarts: 0, childStarts: 0, activityAttempts: 4, localActivityTasks: 7, timers: 3, signals: 1, continueAsNew: 0, searchAttributeUpserts: 1, queries: 0, total: 16,
    });
  });

  it('counts the orchestrator: its start, child starts at 2, activities, received signals, upserts', () => {
    assert.deepEqual(countActions(orchestrator.history), {
      workflowStarts: 1, childStarts: 2, activityAttempts: 3, localActivityTasks: 0, timers: 0, signals: 2, continueAsNew: 0, searchAttributeUpserts: 2, queries: 0, total: 12,
    });
  });

  it('counts a signal between two counted workflows once, and adds the queries made', () => {
    const all = countAllActions([orchestrator, accepted, neverAccepted], 3);
    // The never-accepted lead: 62 activities (visit, invite, 58 acceptance polls, withdraw...), 60 timers,
    // local activities in 6 workflow tasks, 1 upsert = 129 once its signal is counted at the orchestrator.
    assert.equal(countActions(neverAccepted.history, new Set([orchestrator.workflowId])).total, 129);
    assert.equal(all.signals, 2);
    assert.equal(all.queries, 3);
    assert.equal(all.total, 12 + 15 + 129 + 3);
  });

  it('counts every attempt of a retried activity, continue-as-new, and reports a rejected closing task', () => {
    const T = proto.temporal.api.enums.v1.EventType;
    const at = (s: number) => ({ seconds: 1_700_000_000 + s, nanos: 0 });
    const history = proto.temporal.api.history.v1.History.fromObject({
      events: [
        { eventId: 1, eventType: T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, eventTime: at(0), workflowExecutionStartedEventAttributes: { continuedExecutionRunId: 'previous-run' } },
        { eventId: 2, eventType: T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, eventTime: at(0), workflowTaskScheduledEventAttributes: {} },
        { eventId: 3, eventType: T.EVENT_TYPE_WORKFLOW_TASK_STARTED, eventTime: at(0), workflowTaskStartedEventAttributes: { scheduledEventId: 2 } },
        { eventId: 4, eventType: T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, eventTime: at(0), workflowTaskCompletedEventAttributes: { scheduledEventId: 2, startedEventId: 3 } },
        { eventId: 5, eventType: T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, eventTime: at(0), activityTaskScheduledEventAttributes: {} },
        { eventId: 6, eventType: T.EVENT_TYPE_ACTIVITY_TASK_STARTED, eventTime: at(5), activityTaskStartedEventAttributes: { scheduledEventId: 5, attempt: 3 } },
        { eventId: 7, eventType: T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, eventTime: at(6), activityTaskCompletedEventAttributes: { scheduledEventId: 5, startedEventId: 6 } },
        { eventId: 8, eventType: T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, eventTime: at(6), workflowTaskScheduledEventAttributes: {} },
        { eventId: 9, eventType: T.EVENT_TYPE_WORKFLOW_TASK_STARTED, eventTime: at(7), workflowTaskStartedEventAttributes: { scheduledEventId: 8 } },
        { eventId: 10, eventType: T.EVENT_TYPE_WORKFLOW_TASK_FAILED, eventTime: at(8), workflowTaskFailedEventAttributes: { scheduledEventId: 8, startedEventId: 9, cause: proto.temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND } },
        { eventId: 11, eventType: T.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, eventTime: at(8), workflowExecutionSignaledEventAttributes: { signalName: 'leadFinished' } },
        { eventId: 12, eventType: T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, eventTime: at(8), workflowTaskScheduledEventAttributes: {} },
        { eventId: 13, eventType: T.EVENT_TYPE_WORKFLOW_TASK_STARTED, eventTime: at(20), workflowTaskStartedEventAttributes: { scheduledEventId: 12 } },
        { eventId: 14, eventType: T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, eventTime: at(21), workflowTaskCompletedEventAttributes: { scheduledEventId: 12, startedEventId: 13 } },
        { eventId: 15, eventType: T.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW, eventTime: at(21), workflowExecutionContinuedAsNewEventAttributes: {} },
      ],
    });
    const c = countActions(history);
    assert.equal(c.workflowStarts, 0, 'a continued run was started by the previous run');
    assert.equal(c.activityAttempts, 3);
    assert.equal(c.continueAsNew, 1);
    assert.equal(c.total, 3 + 1 + 1);
    const facts = workflowTaskFacts(history);
    assert.deepEqual(facts.failed, [{ eventId: 10, cause: 'WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND' }]);
    assert.equal(facts.closingMs, 15_000, 'from the rejected attempt being scheduled to the closing completion');
    assert.equal(facts.longestMs, 1_000);
    assert.equal(facts.slow, 1);
  });

  it('finds nothing rejected in the recorded orchestrator run', () => {
    const facts = workflowTaskFacts(orchestrator.history);
    assert.deepEqual(facts.failed, []);
    assert.ok(facts.closingMs !== null && facts.closingMs >= 0);
  });
});
