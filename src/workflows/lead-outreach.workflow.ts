/**
 * LeadOutreachWorkflow: one per (campaign, lead). Walks the campaign's compiled step graph: each step
 * through its activity, delays on edges, the accepted / not-accepted branch with its acceptance window,
 * stop on reply, pause / resume (remaining waits preserved) and stop. Progress goes to
 * campaign_executions through an activity, idempotently.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { ACCOUNT_STOP_FAILURES, FAILURE_TYPES, NON_RETRYABLE_FAILURES } from '../domain/failure-types';
import { CONVERSATION_STOP_REASONS, type LeadResume, type LeadSnapshot, type StepActivityInput, type StepOutcome } from '../domain/step-outcome';
import { stepDefinition } from '../domain/steps/registry';
import type { StepState, TimelineEntry } from '../domain/timeline';
import type { BranchPath, CampaignPlan, PlanEdge, PlanStep } from '../domain/workflow-definition/plan';
import { decideVersionMove } from '../domain/workflow-definition/version-move';
import type { QuotaKind } from '../quota/limits';
import type * as activityTypes from '../activities/types';
import {
  invitationAcceptedSignal,
  leadFinishedSignal,
  leadStatusQuery,
  pauseSignal,
  planChangedSignal,
  replyReceivedSignal,
  resumeSignal,
  stopSignal,
  type LeadFinalStatus,
} from './definitions';

export interface LeadOutreachInput {
  campaignId: string;
  organizationId: string;
  /**
   * connected_accounts.id of the campaign's first sender. With 'sender-pools' the lead takes its own
   * sender from the campaign's pool when it starts (assignLeadSender) and this is only the fallback.
   */
  accountId: string;
  lead: LeadSnapshot;
  plan: CampaignPlan;
  /** The definition version `plan` comes from (absent: started before versions). */
  definitionVersion?: number;
  campaignSchedule: unknown;
  /** The orchestrator to tell when this lead is done (by workflow id, so it reaches the current run). */
  parentWorkflowId: string | null;
  startPaused?: boolean;
  /** Steps this lead completed in an earlier run of the campaign: never done twice. */
  doneSteps?: string[];
  /** Where an earlier run of the campaign stopped this lead: acceptance and the waits' remainders. */
  resume?: LeadResume;
}

export interface LeadOutreachResult {
  status: LeadFinalStatus;
  reason: string | null;
  completedSteps: string[];
}

/** The design's retry policy for LinkedIn actions. */
const linkedin = proxyActivities<activityTypes.LinkedInActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '60 seconds',
    maximumAttempts: 3,
    nonRetryableErrorTypes: [...NON_RETRYABLE_FAILURES],
  },
});

type Bookkeeping = activityTypes.CampaignActivities & activityTypes.QuotaActivities;
const BOOKKEEPING_RETRY = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 } as const;

/** Executions started before 'local-bookkeeping' write their progress through regular activities. */
const remoteBookkeeping = proxyActivities<Bookkeeping>({ startToCloseTimeout: '1 minute', retry: BOOKKEEPING_RETRY });

/**
 * Progress records, quota reservations and control reads are short database calls made by the worker
 * that runs the workflow: as local activities they cost one marker event each instead of three events
 * and a task-queue round trip, which is most of a lead's history and latency.
 */
const localBookkeeping = proxyLocalActivities<Bookkeeping>({
  startToCloseTimeout: '1 minute',
  localRetryThreshold: '10 seconds',
  retry: BOOKKEEPING_RETRY,
});

/** While paused (or waiting for acceptance), look at the database this often in case a signal was missed. */
const CONTROL_POLL_MS = 6 * 60 * 60 * 1000;
/** Acceptance polling fallback: every 4 to 8 hours, never at a fixed interval (Unipile's guidance). */
const ACCEPTANCE_POLL_MIN_MS = 4 * 60 * 60 * 1000;
const ACCEPTANCE_POLL_SPREAD_MS = 4 * 60 * 60 * 1000;
/** Skip reasons after which a connection request still counts as pending (someone already invited them). */
const STILL_PENDING_SKIPS = new Set(['already_invited_recently', 'cannot_resend_yet', 'action_already_performed']);
const RATE_LIMIT_MAX_WAITS = 20;
/** After the activity's own retries: 5, 10, 20, 40 minutes more before the step counts as failed. */
const TRANSIENT_FIRST_WAIT_MS = 5 * 60 * 1000;
const TRANSIENT_MAX_WAITS = 4;

/** A step that contacts the person: after it the conversation belongs to the sender that did it. */
function isContact(step: PlanStep | undefined): boolean {
  const kind = step ? stepDefinition(step.kind).quotaKind : null;
  return kind === 'invitation' || kind === 'message' || kind === 'inmail';
}

/** The plan's first write along its paths from the entry (breadth first): what a sender's room is measured for. */
function firstWriteOf(plan: CampaignPlan): { kind: QuotaKind; stepId: string } | null {
  const queue = [plan.entry];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const step = plan.steps[id];
    const kind = step ? stepDefinition(step.kind).quotaKind : null;
    if (kind && kind !== 'profile_visit') return { kind, stepId: id };
    for (const e of plan.edges) if (e.from === id) queue.push(e.to);
  }
  return null;
}

class LeadHalt extends Error {
  constructor(readonly status: LeadFinalStatus, readonly reason: string) {
    super(reason);
  }
}

export async function LeadOutreachWorkflow(input: LeadOutreachInput): Promise<LeadOutreachResult> {
  const { lead } = input;
  /** The plan the lead walks: its version's, until it moves to a newer one (plan-version-moves). */
  let plan = input.plan;
  const info = workflowInfo();
  const bookkeeping = patched('local-bookkeeping') ? localBookkeeping : remoteBookkeeping;
  const state = {
    paused: input.startPaused ?? false,
    pauseReason: null as string | null,
    stop: null as null | { reason: string; completeCurrent: boolean },
    accepted: false,
    replied: false,
    /** A skip reason from CONVERSATION_STOP_REASONS: the conversation says stop. */
    conversationStop: null as string | null,
    providerId: lead.providerId,
  };
  if (input.resume?.accepted) state.accepted = true;
  /** Waits in progress (key → ms left, and since when the clock runs; null while paused): kept for a restart. */
  const openWaits = new Map<string, { remaining: number; since: number | null }>();
  const completedSteps: string[] = [];
  const runningSteps = new Set<string>();
  const stepStates: Record<string, { kind: PlanStep['kind']; state: StepState; at: string; reason?: string }> = {};
  let pending: Array<TimelineEntry & { seq: number }> = [];
  let seq = 0;
  const walkScope = new CancellationScope();
  /** Sender pools: the lead's sender is chosen from the campaign's pool once, after its first record. */
  const pools = patched('sender-pools');
  let senderId = input.accountId;
  /** Once its sender has contacted the lead (a write done), the lead stays with that sender. */
  let contacted = (input.doneSteps ?? []).some((id) => isContact(plan.steps[id]));
  /** Versions: a planChanged signal is noted, and decided at the next step boundary. */
  const moves = patched('plan-version-moves');
  let version = input.definitionVersion ?? 0;
  let askedVersion = 0;
  let invited = false;
  const branchesTaken: Record<string, BranchPath> = {};

  const now = () => new Date(Date.now()).toISOString();
  const note = (entry: Omit<TimelineEntry, 'at'>) => pending.push({ at: now(), ...entry, seq: ++seq });
  const halted = () => state.replied || state.stop !== null || state.conversationStop !== null;

  setHandler(pauseSignal, ({ reason }) => {
    if (!state.paused) note({ type: 'paused', reason: reason ?? 'campaign_paused' });
    state.paused = true;
    state.pauseReason = reason ?? null;
  });
  setHandler(resumeSignal, () => {
    if (state.paused) note({ type: 'resumed' });
    state.paused = false;
  });
  setHandler(stopSignal, ({ reason, completeCurrentExecutions }) => {
    if (state.stop) return;
    state.stop = { reason: reason ?? 'campaign_stopped', completeCurrent: completeCurrentExecutions ?? false };
    note({ type: 'stopped', reason: state.stop.reason });
    if (!state.stop.completeCurrent) walkScope.cancel();
  });
  setHandler(invitationAcceptedSignal, ({ source }) => {
    if (!state.accepted) note({ type: 'branch', branch: 'accepted', reason: `accepted_via_${source}` });
    state.accepted = true;
  });
  setHandler(replyReceivedSignal, () => {
    if (state.replied) return;
    state.replied = true;
    note({ type: 'reply_received', reason: 'stop_on_reply' });
    walkScope.cancel();
  });
  setHandler(planChangedSignal, ({ version: asked }) => {
    if (moves) askedVersion = Math.max(askedVersion, asked);
  });
  setHandler(leadStatusQuery, () => ({
    leadId: lead.id,
    paused: state.paused,
    stopped: state.stop !== null,
    accepted: state.accepted,
    replied: state.replied,
    completedSteps: [...completedSteps],
    runningSteps: [...runningSteps],
    ...(moves && version > 0 ? { definitionVersion: version } : {}),
  }));

  async function flush(extra: { status?: 'in_progress' | LeadFinalStatus; final?: boolean } = {}): Promise<void> {
    const entries = pending;
    pending = [];
    await bookkeeping.recordLeadProgress({
      campaignId: input.campaignId,
      leadId: lead.id,
      workflowId: info.workflowId,
      runId: info.runId,
      status: extra.status,
      currentStep: completedSteps.length,
      totalSteps: Object.keys(plan.steps).length,
      entries,
      steps: stepStates,
      final: extra.final ?? false,
      ...(extra.status === 'stopped' ? { resume: { accepted: state.accepted, waits: waitsLeft() } } : {}),
      ...(moves && version > 0 ? { definitionVersion: version } : {}),
    });
  }

  function waitsLeft(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, w] of openWaits) out[key] = Math.max(0, w.remaining - (w.since === null ? 0 : Date.now() - w.since));
    return out;
  }

  function checkHalt(): void {
    if (state.replied) throw new LeadHalt('completed', 'replied');
    if (state.conversationStop) throw new LeadHalt('completed', state.conversationStop);
    if (state.stop) throw new LeadHalt('stopped', state.stop.reason);
  }

  /** Waits out a pause; falls back to reading the campaign's state in case a resume signal was missed. */
  async function waitWhilePaused(): Promise<void> {
    // The pause shows in the lead's timeline when it arrives, not when the wait it interrupted ends.
    if (state.paused && !halted() && pending.length > 0 && patched('pause-recorded-at-once')) await flush();
    while (state.paused && !halted()) {
      const woke = await condition(() => !state.paused || halted(), CONTROL_POLL_MS);
      if (woke) break;
      const control = await bookkeeping.getCampaignControlState({ campaignId: input.campaignId, accountId: senderId });
      if (control.campaignStatus === 'stopped') state.stop ??= { reason: 'campaign_stopped', completeCurrent: false };
      else if (control.campaignStatus === 'in_progress' && control.accountStatus === 'connected') {
        note({ type: 'resumed', reason: 'observed_in_database' });
        state.paused = false;
      }
    }
    checkHalt();
  }

  /**
   * Waits `ms` of campaign time: a pause freezes the clock, so the remaining wait is preserved.
   * Returns early (true) when `until` becomes true. With a `key`, what is left (plus `rest`) is kept
   * in `openWaits` while it runs, so a stop records it and a restart waits only the remainder.
   */
  async function wait(ms: number, until?: () => boolean, key?: string, rest = 0): Promise<boolean> {
    let remaining = ms;
    const track = (since: number | null) => key && openWaits.set(key, { remaining: remaining + rest, since });
    for (;;) {
      track(null);
      checkHalt();
      const done = until?.() ?? false;
      if (done || remaining <= 0) {
        if (key) openWaits.delete(key);
        return done;
      }
      if (state.paused) {
        await waitWhilePaused();
        continue;
      }
      const started = Date.now();
      track(started);
      await condition(() => state.paused || halted() || (until?.() ?? false), remaining);
      remaining -= Date.now() - started;
    }
  }

  async function pauseFor(reason: string): Promise<void> {
    if (!state.paused) note({ type: 'paused', reason });
    state.paused = true;
    state.pauseReason = reason;
    await flush();
    await waitWhilePaused();
  }

  /** Holds the step until the sender account's quota, working hours and spacing allow it. */
  async function reserveQuota(step: PlanStep): Promise<void> {
    const quotaKind = stepDefinition(step.kind).quotaKind;
    if (!quotaKind) return;
    for (;;) {
      checkHalt();
      if (state.paused) await waitWhilePaused();
      const grant = await bookkeeping.reserveAccountAction({
        accountId: senderId,
        kind: quotaKind,
        idempotencyKey: `${input.campaignId}:${lead.id}:${step.id}`,
        campaignSchedule: input.campaignSchedule,
        now: now(),
      });
      const until = grant.granted ? grant.at : grant.retryAt;
      const waitMs = Date.parse(until) - Date.now();
      if (waitMs > 0) {
        note({ type: 'quota_wait', stepId: step.id, kind: step.kind, reason: grant.granted ? 'spacing' : grant.reason, until });
        await flush();
        await wait(waitMs);
      }
      if (grant.granted) return;
    }
  }

  async function runStep(step: PlanStep): Promise<StepOutcome> {
    const def = stepDefinition(step.kind);
    for (let rateLimitWaits = 0, transientWaits = 0; ; ) {
      checkHalt();
      if (state.paused) await waitWhilePaused();
      // Until its sender contacts it, the lead takes (or keeps) a sender of the pool that can act before
      // each LinkedIn step: a sender removed from the pool or disconnected meanwhile is replaced.
      // No sender can act: the lead goes on with the one it has and waits like any lead of a stopped account.
      if (pools && !contacted && def.quotaKind !== null) await assignSender();
      await reserveQuota(step);
      checkHalt();
      runningSteps.add(step.id);
      stepStates[step.id] = { kind: step.kind, state: 'running', at: now() };
      note({ type: 'step_started', stepId: step.id, kind: step.kind });
      await flush();
      const activityInput: StepActivityInput = {
        organizationId: input.organizationId,
        campaignId: input.campaignId,
        accountId: senderId,
        stepId: step.id,
        config: step.config,
        lead: { ...lead, providerId: state.providerId },
      };
      try {
        const outcome = await linkedin[def.activityType](activityInput);
        runningSteps.delete(step.id);
        const providerId = outcome.status === 'done' ? outcome.detail.providerId : outcome.detail?.providerId;
        if (typeof providerId === 'string') state.providerId = providerId;
        return outcome;
      } catch (err) {
        runningSteps.delete(step.id);
        const failure = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : undefined;
        switch (failure?.type) {
          case FAILURE_TYPES.RateLimitedError: {
            if (++rateLimitWaits > RATE_LIMIT_MAX_WAITS) throw err;
            const details = failure.details?.[0] as { retryAfterMs?: number } | undefined;
            const ms = details?.retryAfterMs ?? 6 * 60 * 60 * 1000;
            note({ type: 'rate_limited', stepId: step.id, kind: step.kind, reason: 'provider_rate_limit', until: new Date(Date.now() + ms).toISOString() });
            await flush();
            await wait(ms);
            continue;
          }
          case FAILURE_TYPES.InvalidCredentialsError:
          case FAILURE_TYPES.AccountSuspendedError:
          case FAILURE_TYPES.AuthenticationError:
            // A lead its sender has not contacted yet moves to another sender of the pool that can act.
            if (pools && !contacted && (await assignSender(senderId))) continue;
            // The activity marked the account (and paused the campaign if no sender of it can act);
            // the lead waits for its sender to reconnect (its control poll sees it), or for resume.
            await pauseFor(pools ? 'sender_disconnected' : `account_${failure.type}`);
            continue;
          case FAILURE_TYPES.CampaignNotActiveError: {
            // The action guard saw the campaign paused or stopped before this signal reached us.
            const campaignStatus = (failure.details?.[0] as { campaignStatus?: string } | undefined)?.campaignStatus;
            if (campaignStatus === 'stopped') {
              state.stop ??= { reason: 'campaign_stopped', completeCurrent: false };
              checkHalt();
            }
            await pauseFor('campaign_paused');
            continue;
          }
          default: {
            // A transient failure (5xx, network, timeout) outlived the activity's 3 quick attempts:
            // wait minutes, not seconds, and try the step again (the ledger makes the retry safe).
            const transient = failure ? !failure.nonRetryable && !NON_RETRYABLE_FAILURES.includes(failure.type as never) : err instanceof ActivityFailure && !isCancellation(err);
            if (!transient || transientWaits >= TRANSIENT_MAX_WAITS || !patched('step-retry-after-transient')) throw err;
            const ms = TRANSIENT_FIRST_WAIT_MS * 2 ** transientWaits++;
            note({ type: 'retry_wait', stepId: step.id, kind: step.kind, reason: failure?.type ?? 'transient', until: new Date(Date.now() + ms).toISOString() });
            await flush();
            await wait(ms);
            continue;
          }
        }
      }
    }
  }

  const visited = new Set<string>();
  const outgoing = (id: string): PlanEdge[] => plan.edges.filter((e) => e.from === id);

  async function followAll(edges: PlanEdge[]): Promise<void> {
    // Parallel branches; wait for all of them, then report the first failure.
    const results = await Promise.allSettled(
      edges.map(async (edge) => {
        // A restarted lead walks again past the steps done before the stop: their delays are not waited
        // again, and a delay the stop interrupted waits only what was left of it.
        const key = `edge:${edge.id}`;
        const doneEarlier = edge.delayMs > 0 && (input.doneSteps?.includes(edge.to) ?? false) && patched('restart-skips-done-delays');
        const delayMs = doneEarlier ? 0 : (input.resume?.waits?.[key] ?? edge.delayMs);
        if (delayMs > 0) {
          note({ type: 'wait', stepId: edge.to, reason: input.resume?.waits?.[key] !== undefined ? 'edge_delay_remainder' : 'edge_delay', until: new Date(Date.now() + delayMs).toISOString() });
          await flush();
          await wait(delayMs, undefined, key);
        }
        await visit(edge.to, edge.from);
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * A step boundary: asked to move to a newer version, the lead moves to the same node id in it when
   * that is safe (domain/workflow-definition/version-move.ts), else stays; the timeline says which.
   */
  async function considerMove(next: string, at: string | null): Promise<void> {
    if (!moves || askedVersion <= version) return;
    const toVersion = askedVersion;
    const detail = { fromVersion: version, toVersion };
    let loaded: { version: number; plan: CampaignPlan } | null = null;
    try {
      loaded = await bookkeeping.loadPlanVersion({ campaignId: input.campaignId, version: toVersion });
    } catch (err) {
      if (isCancellation(err)) throw err;
      log.warn('definition version could not be loaded; the lead keeps its own', { leadId: lead.id, version: toVersion });
    }
    // Asked once per version: a lead that stays is not asked again at every later boundary.
    if (askedVersion === toVersion) askedVersion = version;
    const reached = [...new Set([...visited, ...(input.doneSteps ?? [])])].filter((id) => id !== next);
    const decision = loaded
      ? decideVersionMove(plan, loaded.plan, { next, at, reached, invited, connected: state.accepted, branches: branchesTaken })
      : ({ move: false, reason: 'version_not_found' } as const);
    if (decision.move && loaded) {
      plan = loaded.plan;
      version = loaded.version;
      note({ type: 'version_moved', stepId: next, detail });
    } else if (!decision.move) {
      note({ type: 'version_kept', stepId: next, reason: decision.reason, detail });
    }
    await flush();
  }

  async function visit(stepId: string, from: string | null): Promise<void> {
    // A node reached by two paths runs once, when the first path reaches it.
    if (visited.has(stepId)) return;
    visited.add(stepId);
    await considerMove(stepId, from);
    const step = plan.steps[stepId];
    if (!step) return;
    const doneEarlier = input.doneSteps?.includes(step.id) ?? false;
    const outcome: StepOutcome = doneEarlier ? { status: 'done', detail: { doneInEarlierRun: true } } : await runStep(step);
    const at = now();
    if (step.acceptance && (outcome.status === 'done' || STILL_PENDING_SKIPS.has(outcome.reason))) invited = true;
    if (outcome.status === 'done') {
      if (isContact(step)) contacted = true;
      completedSteps.push(step.id);
      stepStates[step.id] = { kind: step.kind, state: 'done', at };
      note({ type: 'step_completed', stepId: step.id, kind: step.kind, detail: outcome.detail });
    } else {
      stepStates[step.id] = { kind: step.kind, state: 'skipped', at, reason: outcome.reason };
      note({ type: 'step_skipped', stepId: step.id, kind: step.kind, reason: outcome.reason, detail: outcome.detail });
    }
    if (outcome.status === 'skipped' && CONVERSATION_STOP_REASONS.includes(outcome.reason) && patched('stop-on-conversation-read')) {
      // The conversation (read before the message) says the lead replied or a person took over: nothing more is sent.
      state.conversationStop = outcome.reason;
      if (outcome.reason === 'replied') note({ type: 'reply_received', stepId: step.id, reason: 'conversation_read' });
    }
    await flush();
    if (state.conversationStop) checkHalt();

    const edges = outgoing(step.id);
    const plain = edges.filter((e) => !e.branch);
    if (!step.acceptance) {
      // A skipped step does not stop the sequence: the lead goes on with the next steps.
      await followAll(plain);
      return;
    }
    const accepted = edges.find((e) => e.branch === 'accepted');
    const notAccepted = edges.find((e) => e.branch === 'not-accepted');
    const branch = await decideBranch(step, outcome);
    if (branch !== 'none') branchesTaken[step.id] = branch;
    const chosen = branch === 'accepted' ? accepted : branch === 'not-accepted' ? notAccepted : undefined;
    await followAll(chosen ? [...plain, chosen] : plain);
  }

  /**
   * One acceptance poll. The poll is only a fallback for the webhook: when it fails (5xx past its
   * retries, 429) the lead keeps waiting for the next poll instead of failing. An account that can no
   * longer act pauses the lead, as a step would.
   */
  async function pollInvitation(providerId: string): Promise<Awaited<ReturnType<typeof linkedin.checkInvitation>> | null> {
    try {
      return await linkedin.checkInvitation({
        organizationId: input.organizationId,
        campaignId: input.campaignId,
        accountId: senderId,
        leadId: lead.id,
        providerId,
      });
    } catch (err) {
      if (isCancellation(err)) throw err;
      const failure = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : undefined;
      if (failure && (ACCOUNT_STOP_FAILURES as readonly string[]).includes(failure.type ?? '')) {
        await pauseFor(`account_${failure.type}`);
        return null;
      }
      log.warn('acceptance poll failed; waiting for the next one', { leadId: lead.id, error: err instanceof Error ? err.message : String(err) });
      return null;
    }
  }

  async function decideBranch(step: PlanStep, outcome: StepOutcome): Promise<'accepted' | 'not-accepted' | 'none'> {
    if (outcome.status === 'skipped') {
      if (outcome.reason === 'already_connected') {
        state.accepted = true;
        note({ type: 'branch', stepId: step.id, branch: 'accepted', reason: 'already_connected' });
        return 'accepted';
      }
      if (!STILL_PENDING_SKIPS.has(outcome.reason)) {
        note({ type: 'branch', stepId: step.id, reason: `no_invitation_${outcome.reason}` });
        return 'none';
      }
    }
    if (input.resume?.accepted) {
      note({ type: 'branch', stepId: step.id, branch: 'accepted', reason: 'accepted_before_restart' });
      return 'accepted';
    }
    const key = `accept:${step.id}`;
    const windowMs = input.resume?.waits?.[key] ?? step.acceptance?.windowMs ?? 0;
    note({ type: 'acceptance_wait', stepId: step.id, until: new Date(Date.now() + windowMs).toISOString() });
    await flush();
    let remaining = windowMs;
    while (!state.accepted && remaining > 0) {
      const slice = Math.min(remaining, ACCEPTANCE_POLL_MIN_MS + Math.floor(Math.random() * ACCEPTANCE_POLL_SPREAD_MS));
      const started = Date.now();
      if (await wait(slice, () => state.accepted, key, remaining - slice)) break;
      remaining -= Date.now() - started;
      if (state.providerId) {
        const check = await pollInvitation(state.providerId);
        if (check?.state === 'accepted' && !state.accepted) {
          state.accepted = true;
          note({ type: 'branch', stepId: step.id, branch: 'accepted', reason: 'accepted_via_polling' });
        }
      }
    }
    if (state.accepted) return 'accepted';
    note({ type: 'branch', stepId: step.id, branch: 'not-accepted', reason: 'window_elapsed' });
    if (!step.acceptance?.hasNotAcceptedEdge) note({ type: 'lead_completed', reason: 'acceptance_window_elapsed' });
    return 'not-accepted';
  }

  /**
   * Takes the lead's sender from the campaign's pool (kept while it is in the pool and connected), or
   * with `replace` another one than that. false: no sender of the pool can act now.
   */
  async function assignSender(replace?: string): Promise<boolean> {
    const result = await bookkeeping.assignLeadSender({
      organizationId: input.organizationId,
      campaignId: input.campaignId,
      leadId: lead.id,
      firstWrite: firstWriteOf(plan),
      campaignSchedule: input.campaignSchedule,
      now: now(),
      ...(replace ? { replace } : {}),
    });
    if (result.accountId === null) return false;
    if (result.accountId !== senderId || result.reason !== 'kept' || replace) {
      note({ type: 'sender_assigned', reason: result.reason, detail: { accountId: result.accountId, ...(replace ? { previous: replace } : {}) } });
    }
    senderId = result.accountId;
    return true;
  }

  // ---- run ------------------------------------------------------------------------------------
  note({ type: 'lead_started' });
  await flush({ status: 'in_progress' });

  let status: LeadFinalStatus = 'completed';
  let reason: string | null = null;
  try {
    await walkScope.run(() => visit(plan.entry, null));
    if (state.replied) reason = 'replied';
  } catch (err) {
    if (err instanceof LeadHalt) {
      status = err.status;
      reason = err.reason;
    } else if (isCancellation(err) && (state.replied || state.stop)) {
      status = state.replied ? 'completed' : 'stopped';
      reason = state.replied ? 'replied' : (state.stop?.reason ?? 'stopped');
    } else {
      status = 'failed';
      reason = err instanceof ActivityFailure && err.cause ? err.cause.message : err instanceof Error ? err.message : 'failed';
      log.warn('lead failed', { leadId: lead.id, reason });
    }
  }
  if (status === 'completed' && completedSteps.length === 0 && Object.values(stepStates).every((s) => s.state === 'skipped')) {
    status = 'skipped';
  }
  note({ type: status === 'failed' ? 'lead_failed' : 'lead_completed', reason: reason ?? undefined });

  await CancellationScope.nonCancellable(async () => {
    await flush({ status, final: true });
    if (input.parentWorkflowId) {
      await getExternalWorkflowHandle(input.parentWorkflowId)
        .signal(leadFinishedSignal, { leadId: lead.id, status })
        .catch((err: unknown) => log.warn('could not tell the orchestrator', { error: String(err) }));
    }
  });
  return { status, reason, completedSteps };
}
