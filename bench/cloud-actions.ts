/**
 * What a run would cost on Temporal Cloud, counted from its histories by Cloud's billing rules, and
 * how the workflow tasks of a run went (rejections, slow tasks, the continue-as-new stall). Pure:
 * histories in, figures out; the benches fetch the histories, the unit test feeds recorded ones.
 *
 * The rules (issue 12, after Cloud's pricing page): a workflow start 1, a child workflow start 2 (the
 * child's own start event then counts nothing), each activity attempt 1, all the local activities of
 * one workflow task together 1, each timer 1, each signal 1, continue-as-new 1 (the next run's start
 * counts nothing), each search-attribute upsert 1, each query 1. A signal is counted once, where it
 * arrives (WorkflowExecutionSignaled): one sent by a workflow to a workflow outside the counted set
 * (SignalExternalWorkflowExecution to a history not given) counts at the sender instead. Queries and
 * activity heartbeats leave no trace in a history: the caller adds the queries it made.
 */
import proto, { type temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface ActionCounts {
  workflowStarts: number;
  childStarts: number;
  activityAttempts: number;
  localActivityTasks: number;
  timers: number;
  signals: number;
  continueAsNew: number;
  searchAttributeUpserts: number;
  queries: number;
  total: number;
}

const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

export function emptyCounts(): ActionCounts {
  return { workflowStarts: 0, childStarts: 0, activityAttempts: 0, localActivityTasks: 0, timers: 0, signals: 0, continueAsNew: 0, searchAttributeUpserts: 0, queries: 0, total: 0 };
}

function withTotal(c: Omit<ActionCounts, 'total'>): ActionCounts {
  const total = c.workflowStarts + 2 * c.childStarts + c.activityAttempts + c.localActivityTasks + c.timers + c.signals + c.continueAsNew + c.searchAttributeUpserts + c.queries;
  return { ...c, total };
}

/**
 * The actions of one run's history. `counted` names the workflow ids whose histories are counted too
 * (a signal sent to one of them is counted where it arrives); empty: every sent signal counts here.
 */
export function countActions(history: History, counted: ReadonlySet<string> = new Set()): ActionCounts {
  const events: HistoryEvent[] = history.events ?? [];
  const c = emptyCounts();
  const attempts = new Map<string, number>();
  const localActivityTasks = new Set<string>();
  for (const e of events) {
    const started = e.workflowExecutionStartedEventAttributes;
    // A child's start is its parent's action (2); a continued run's start is the previous run's (1).
    if (started && !started.parentWorkflowExecution && !started.continuedExecutionRunId) c.workflowStarts += 1;
    if (e.startChildWorkflowExecutionInitiatedEventAttributes) c.childStarts += 1;
    if (e.activityTaskScheduledEventAttributes) attempts.set(String(e.eventId), 1);
    const activityStarted = e.activityTaskStartedEventAttributes;
    // Retries happen inside the server: only the last attempt's start is written, with its number.
    if (activityStarted) attempts.set(String(activityStarted.scheduledEventId), Math.max(1, activityStarted.attempt ?? 1));
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName === LOCAL_ACTIVITY_MARKER) localActivityTasks.add(String(marker.workflowTaskCompletedEventId));
    if (e.timerStartedEventAttributes) c.timers += 1;
    if (e.workflowExecutionSignaledEventAttributes) c.signals += 1;
    const sent = e.signalExternalWorkflowExecutionInitiatedEventAttributes;
    if (sent && !counted.has(sent.workflowExecution?.workflowId ?? '')) c.signals += 1;
    if (e.workflowExecutionContinuedAsNewEventAttributes) c.continueAsNew += 1;
    if (e.upsertWorkflowSearchAttributesEventAttributes) c.searchAttributeUpserts += 1;
  }
  c.activityAttempts = [...attempts.values()].reduce((a, b) => a + b, 0);
  c.localActivityTasks = localActivityTasks.size;
  return withTotal(c);
}

/** Sum of the actions of a set of histories (every run of every workflow of one campaign, say), plus `queries`. */
export function countAllActions(histories: Array<{ workflowId: string; history: History }>, queries = 0): ActionCounts {
  const counted = new Set(histories.map((h) => h.workflowId));
  const sum = emptyCounts();
  for (const { history } of histories) {
    const c = countActions(history, counted);
    for (const k of Object.keys(sum) as Array<keyof ActionCounts>) sum[k] += c[k];
  }
  sum.queries += queries;
  return withTotal(sum);
}

export function perLead(c: ActionCounts, leads: number): ActionCounts {
  const out = emptyCounts();
  for (const k of Object.keys(out) as Array<keyof ActionCounts>) out[k] = c[k] / leads;
  return out;
}

export function formatCounts(c: ActionCounts, digits = 1): string {
  const f = (n: number) => n.toFixed(digits).replace(/\.0+$/, '');
  return `${f(c.total)} (starts ${f(c.workflowStarts)}, child starts ${f(c.childStarts)}×2, activity attempts ${f(c.activityAttempts)}, local activity tasks ${f(c.localActivityTasks)}, timers ${f(c.timers)}, signals ${f(c.signals)}, continue-as-new ${f(c.continueAsNew)}, upserts ${f(c.searchAttributeUpserts)}, queries ${f(c.queries)})`;
}

export interface WorkflowTaskFacts {
  /** Workflow tasks the server rejected or that failed (WorkflowTaskFailed), with their causes. */
  failed: Array<{ eventId: number; cause: string }>;
  /** The longest workflow task, from its start to its completion (worker time). */
  longestMs: number;
  /** The task that closed the run (continue-as-new or completion): from scheduled to completed (queue wait, retries and worker time). */
  closingMs: number | null;
  /** Every workflow task slower than `slowMs` (scheduled → completed). */
  slow: number;
}

const ms = (t: temporal.api.history.v1.IHistoryEvent['eventTime']) => (t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0);

/** How the workflow tasks of one run went. */
export function workflowTaskFacts(history: History, slowMs = 1000): WorkflowTaskFacts {
  const events: HistoryEvent[] = history.events ?? [];
  const byId = new Map(events.map((e) => [Number(e.eventId), e]));
  const failed: WorkflowTaskFacts['failed'] = [];
  let longestMs = 0;
  let slow = 0;
  let closingMs: number | null = null;
  let lastWaited: number | null = null;
  // A rejected task is scheduled again: the closing stall runs from the first schedule after the last completed task.
  let firstScheduled: HistoryEvent | undefined;
  for (const e of events) {
    if (e.workflowTaskScheduledEventAttributes && !firstScheduled) firstScheduled = e;
    const f = e.workflowTaskFailedEventAttributes;
    if (f) failed.push({ eventId: Number(e.eventId), cause: proto.temporal.api.enums.v1.WorkflowTaskFailedCause[f.cause ?? 0] ?? String(f.cause) });
    const done = e.workflowTaskCompletedEventAttributes;
    if (done) {
      const started = byId.get(Number(done.startedEventId));
      longestMs = Math.max(longestMs, ms(e.eventTime) - ms(started?.eventTime));
      const waited = ms(e.eventTime) - ms(firstScheduled?.eventTime ?? started?.eventTime);
      if (waited > slowMs) slow += 1;
      lastWaited = waited;
      firstScheduled = undefined;
    }
    if (e.workflowExecutionContinuedAsNewEventAttributes || e.workflowExecutionCompletedEventAttributes) closingMs = lastWaited;
  }
  return { failed, longestMs, closingMs, slow };
}
