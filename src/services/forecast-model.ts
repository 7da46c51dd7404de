/**
 * The campaign forecast as a simulation of what the engine does: the orchestrator's lead starts
 * (concurrency, leads_per_day, the stagger), each lead's walk to its invitation (edge delays), the
 * sender's invitation slots (quota/invitation-slots: the reservation's own rules), then acceptance
 * (random, at the sender's rate) and the rest of the plan. Acceptance is random, so the campaign runs
 * `runs` times with a seeded generator and the dates are read as p50 / p90 over the runs. Pure and
 * deterministic for a seed.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { PlanTimeline } from '../domain/workflow-definition/plan-timeline';
import { InvitationSlots, SenderCalendar, type SenderModel } from '../quota/invitation-slots';
import { seededRandom } from '../domain/seeded-random';

export interface ForecastSender extends SenderModel {
  /** Share (0-1) of this sender's invitations that will be accepted. */
  acceptanceRate: number;
}

export interface ForecastModelInput {
  now: Date;
  /** Leads still to start (a running campaign: those not started yet). */
  leads: number;
  /** Leads already running that have still to send their invitation: they ask from `now`. */
  waitingForInvitation?: number;
  timeline: PlanTimeline;
  campaignSchedule: unknown;
  leadsPerDay: number | null;
  maxConcurrentLeads: number;
  leadProcessingDelayMs: number;
  /** Leads go to the senders in turn (a pool of one: the campaign's sender). */
  senders: ForecastSender[];
  runs: number;
  seed: number;
  /** Nothing is forecast further out than this. */
  horizonMs?: number;
}

export interface ForecastDates {
  p50: Date | null;
  p90: Date | null;
}

export interface ForecastModelResult {
  allStarted: ForecastDates;
  allInvited: ForecastDates;
  ends: ForecastDates;
  /** Invitations the forecast expects (leads × the plan's invitation step). */
  invitations: number;
  /** Some dates fell past the horizon (a limit at 0, no working day): they are null. */
  beyondHorizon: boolean;
}

const DAY_MS = 86_400_000;
export const FORECAST_HORIZON_MS = 20 * 366 * DAY_MS;
/** People who accept mostly do so within days: exponential with this mean, cut at the window. */
export const MEAN_ACCEPT_DELAY_MS = 2 * DAY_MS;


/** A binary min-heap of lead end times: which running lead frees its slot first. */
class MinHeap {
  private readonly a: number[] = [];
  get size(): number {
    return this.a.length;
  }
  // Sift with a hole rather than swapping pairs: a 100,000-lead forecast pops 1.5 million times.
  push(v: number): void {
    const a = this.a;
    let i = a.length;
    a.push(v);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]! <= v) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = v;
  }
  // Floyd's pop: the hole goes down to a leaf along the smaller children (one comparison a level),
  // then the last element rises from there. The last element is a late end, so it rarely rises far;
  // sifting it down from the root took two comparisons a level, the model's hottest line.
  pop(): number {
    const a = this.a;
    const top = a[0]!;
    const last = a.pop()!;
    const n = a.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const m = r < n && a[r]! < a[l]! ? r : l;
        a[i] = a[m]!;
        i = m;
      }
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (a[p]! <= last) break;
        a[i] = a[p]!;
        i = p;
      }
      a[i] = last;
    }
    return top;
  }
}

interface RunResult {
  allStarted: number;
  allInvited: number;
  ends: number;
}

function leadEnd(t: PlanTimeline, invitedAt: number, accepted: boolean, random: () => number): number {
  if (!accepted) return invitedAt + Math.max(t.plainTailMs, t.acceptanceWindowMs + t.notAcceptedTailMs);
  // Inverse CDF of the exponential, cut at the window (past it the lead took the not-accepted side).
  const delay = Math.min(t.acceptanceWindowMs, -Math.log(1 - random()) * MEAN_ACCEPT_DELAY_MS);
  return invitedAt + Math.max(t.plainTailMs, delay + t.acceptedTailMs);
}

function runOnce(input: ForecastModelInput, calendars: SenderCalendar[], random: () => number): RunResult {
  const now = input.now.getTime();
  const t = input.timeline;
  const slots = calendars.map((c) => new InvitationSlots(c, random));
  const running = new MinHeap();
  let next = 0;
  let lastInvite = -Infinity;
  let lastEnd = now;
  let lastStart = now;

  const walk = (startAt: number): number => {
    const sender = next++ % input.senders.length;
    if (t.inviteAfterMs === null) return startAt + t.totalMs;
    const invitedAt = slots[sender]!.grant(startAt + t.inviteAfterMs);
    lastInvite = Math.max(lastInvite, invitedAt);
    return leadEnd(t, invitedAt, random() < input.senders[sender]!.acceptanceRate, random);
  };

  // Running leads still before their invitation ask first, from now.
  for (let i = 0; i < (input.waitingForInvitation ?? 0); i++) {
    const end = walk(now - (t.inviteAfterMs ?? 0));
    lastEnd = Math.max(lastEnd, end);
    running.push(end);
  }

  // The orchestrator: one start after another, gated by free slots and the 24 h leads_per_day window.
  let clock = now;
  let windowStart = now;
  let startedInWindow = 0;
  for (let i = 0; i < input.leads; i++) {
    if (i > 0) clock += input.leadProcessingDelayMs;
    while (running.size >= input.maxConcurrentLeads) clock = Math.max(clock, running.pop());
    if (input.leadsPerDay !== null) {
      if (clock - windowStart >= DAY_MS) {
        windowStart = clock;
        startedInWindow = 0;
      }
      if (startedInWindow >= input.leadsPerDay) {
        clock = Math.max(clock, windowStart + DAY_MS);
        windowStart = clock;
        startedInWindow = 0;
      }
      startedInWindow++;
    }
    if (!Number.isFinite(clock)) return { allStarted: Infinity, allInvited: Infinity, ends: Infinity };
    lastStart = clock;
    const end = walk(clock);
    lastEnd = Math.max(lastEnd, end);
    running.push(end);
  }
  return { allStarted: lastStart, allInvited: lastInvite, ends: lastEnd };
}

/** The value under which `share` of the sorted runs fall (nearest rank). */
function percentile(sorted: number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1))]!;
}

function calendarsOf(input: ForecastModelInput): SenderCalendar[] {
  const horizon = input.horizonMs ?? FORECAST_HORIZON_MS;
  return input.senders.map((s) => new SenderCalendar(s, input.campaignSchedule, input.now, horizon));
}

const runCount = (input: ForecastModelInput) => Math.max(1, input.runs);
const runSeed = (input: ForecastModelInput, i: number) => input.seed + i * 7919;

export function simulateForecast(input: ForecastModelInput): ForecastModelResult {
  const calendars = calendarsOf(input);
  const runs = Array.from({ length: runCount(input) }, (_, i) => runOnce(input, calendars, seededRandom(runSeed(input, i))));
  return summarize(input, runs);
}

/**
 * simulateForecast, giving the event loop a turn between two runs: the route's 15 runs of a
 * 100,000-lead forecast take a few hundred milliseconds, which would otherwise hold every other
 * request of the process (and /health) for the whole computation. Same runs, same results.
 */
export async function simulateForecastYielding(input: ForecastModelInput): Promise<ForecastModelResult> {
  const calendars = calendarsOf(input);
  const runs: RunResult[] = [];
  for (let i = 0; i < runCount(input); i++) {
    if (i > 0) await yieldToLoop();
    runs.push(runOnce(input, calendars, seededRandom(runSeed(input, i))));
  }
  return summarize(input, runs);
}

function summarize(input: ForecastModelInput, runs: RunResult[]): ForecastModelResult {
  const limit = input.now.getTime() + (input.horizonMs ?? FORECAST_HORIZON_MS);
  let beyondHorizon = false;
  const dates = (pick: (r: RunResult) => number, none: boolean): ForecastDates => {
    if (none) return { p50: null, p90: null };
    const sorted = runs.map(pick).sort((a, b) => a - b);
    const at = (v: number): Date | null => {
      if (!Number.isFinite(v) || v > limit) {
        beyondHorizon = true;
        return null;
      }
      return new Date(v);
    };
    return { p50: at(percentile(sorted, 0.5)), p90: at(percentile(sorted, 0.9)) };
  };
  const total = input.leads + (input.waitingForInvitation ?? 0);
  const hasInvites = input.timeline.inviteAfterMs !== null && total > 0;
  return {
    allStarted: dates((r) => r.allStarted, input.leads === 0),
    allInvited: dates((r) => r.allInvited, !hasInvites),
    ends: dates((r) => r.ends, total === 0),
    invitations: hasInvites ? total : 0,
    beyondHorizon,
  };
}
