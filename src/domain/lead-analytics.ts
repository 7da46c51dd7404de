import type { ExecutionData, TimelineEntry } from './timeline';

/**
 * What one lead contributes to its campaign's analytics, derived from its timeline alone. The
 * recorder subtracts the lead's contribution before a progress update and adds it after, in the
 * same transaction, so the campaign's counters always equal the sum over its leads without ever
 * scanning them; a retried update changes nothing (same timeline, zero difference).
 * Pure: the timeline, the campaign's edges and the sender's time zone in, counter keys out.
 */

export interface AnalyticsEdge {
  id: string;
  from: string;
  to: string;
  branch?: 'accepted' | 'not-accepted';
}

/** Why a lead waits, as the dashboard filters it. */
export const WAIT_REASONS = ['edge_delay', 'acceptance_window', 'quota', 'rate_limited', 'retry_wait', 'paused'] as const;
export type WaitReason = (typeof WAIT_REASONS)[number];

export interface CurrentWait {
  stepId: string | null;
  reason: WaitReason;
  /** The quota's own reason code (daily_limit, outside_working_hours, spacing...) or the pause reason. */
  detail?: string;
  until: string | null;
}

const STEP_KINDS_THAT_CONTACT = new Set(['send_connection_request', 'send_followup', 'send_inmail', 'comment_post']);
const FINAL_STATUSES = new Set(['completed', 'failed', 'stopped', 'skipped']);

/**
 * Log-scale buckets for durations: bucket b holds [2^(b/4), 2^((b+1)/4)) seconds, so a percentile
 * read from them is within 19% of the true value, from a bounded number of counters.
 */
export function durationBucket(ms: number): number {
  const seconds = Math.max(1, ms / 1000);
  return Math.floor(Math.log2(seconds) * 4);
}

/** The geometric middle of a bucket, in milliseconds. */
export function bucketMidpointMs(bucket: number): number {
  return Math.round(2 ** ((bucket + 0.5) / 4) * 1000);
}

/** The calendar day of an instant in an IANA zone, YYYY-MM-DD (UTC when the zone is unknown). */
export function localDay(iso: string, timeZone: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return 'unknown';
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
  } catch {
    return at.toISOString().slice(0, 10);
  }
}

/** The waits a lead is in right now (several when parallel branches wait at once); none once it ended. */
export function currentWaits(timeline: TimelineEntry[], status: string): CurrentWait[] {
  if (FINAL_STATUSES.has(status)) return [];
  const waits = new Map<string, CurrentWait>();
  let paused: string | null = null;
  let lastStep: string | null = null;
  for (const e of timeline) {
    const key = e.stepId ?? '';
    switch (e.type) {
      case 'wait':
        waits.set(key, { stepId: e.stepId ?? null, reason: 'edge_delay', until: e.until ?? null });
        break;
      case 'acceptance_wait':
        waits.set(key, { stepId: e.stepId ?? null, reason: 'acceptance_window', until: e.until ?? null });
        break;
      case 'quota_wait':
        waits.set(key, { stepId: e.stepId ?? null, reason: 'quota', detail: e.reason, until: e.until ?? null });
        break;
      case 'rate_limited':
        waits.set(key, { stepId: e.stepId ?? null, reason: 'rate_limited', detail: e.reason, until: e.until ?? null });
        break;
      case 'retry_wait':
        waits.set(key, { stepId: e.stepId ?? null, reason: 'retry_wait', detail: e.reason, until: e.until ?? null });
        break;
      case 'step_started':
      case 'step_completed':
      case 'step_skipped':
      case 'step_failed':
        waits.delete(key);
        lastStep = e.stepId ?? lastStep;
        break;
      case 'branch':
        // The acceptance wait of this step is over, whichever way it went.
        if (waits.get(key)?.reason === 'acceptance_window') waits.delete(key);
        break;
      case 'paused':
        paused = e.reason ?? 'campaign_paused';
        break;
      case 'resumed':
        paused = null;
        break;
      case 'stopped':
      case 'lead_completed':
      case 'lead_failed':
      case 'reply_received':
        return [];
      default:
        break;
    }
  }
  if (paused !== null) {
    const at = [...waits.values()][0]?.stepId ?? lastStep;
    return [{ stepId: at, reason: 'paused', detail: paused, until: null }];
  }
  return [...waits.values()];
}

/** The step a lead is at: the one running, else the one it waits for, else the last one it finished. */
export function currentStepId(data: ExecutionData, waits: CurrentWait[]): string | null {
  const steps = Object.entries(data.steps ?? {});
  const running = steps.find(([, s]) => s.state === 'running');
  if (running) return running[0];
  if (waits[0]?.stepId) return waits[0].stepId;
  const last = steps.sort(([, a], [, b]) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)).pop();
  return last?.[0] ?? null;
}

function add(into: Map<string, number>, key: string, n = 1): void {
  into.set(key, (into.get(key) ?? 0) + n);
}

/**
 * The counter keys one lead adds to its campaign, with their amounts.
 * - `leads:<status>` one per lead; `node:<id>:reached|done|failed|running`, `node:<id>:skipped:<reason>`,
 *   `node:<id>:waiting:<reason>` (quota waits as `quota:<code>`); `edge:<id>` when the lead went along it;
 * - `rate:invited|accepted|contacted|replied` (the bases of the rates);
 * - `hist:accept:<bucket>`, `hist:reply:<bucket>` (time from invitation to acceptance, first contact to reply);
 * - `day:<local day>:<step kind>:<done|skipped|failed>` (the sender's time zone).
 */
export function leadContribution(
  data: ExecutionData | null,
  status: string | null,
  edges: AnalyticsEdge[],
  timeZone: string,
): Map<string, number> {
  const out = new Map<string, number>();
  if (!data || !status) return out;
  add(out, `leads:${status}`);
  const steps = data.steps ?? {};
  const timeline = data.timeline ?? [];

  const reached = new Set<string>();
  for (const [id, s] of Object.entries(steps)) {
    reached.add(id);
    if (s.state === 'skipped') add(out, `node:${id}:skipped:${s.reason ?? 'unknown'}`);
    else add(out, `node:${id}:${s.state}`);
    if (s.state !== 'running') add(out, `day:${localDay(s.at, timeZone)}:${s.kind}:${s.state}`);
  }
  const waits = currentWaits(timeline, status);
  for (const w of waits) {
    if (w.stepId) {
      reached.add(w.stepId);
      add(out, `node:${w.stepId}:waiting:${w.reason === 'quota' ? `quota:${w.detail ?? 'unknown'}` : w.reason}`);
    }
  }
  for (const id of reached) add(out, `node:${id}:reached`);

  // Edge delays name the step they lead to: a lead waiting on an edge has taken it.
  const branches = new Map<string, 'accepted' | 'not-accepted'>();
  let invitedAt: string | null = null;
  let acceptedAt: string | null = null;
  let firstContactAt: string | null = null;
  let repliedAt: string | null = null;
  // An acceptance that arrives by webhook names no step: it decides the invitation the lead waits on.
  let acceptanceStep: string | null = null;
  for (const e of timeline) {
    if (e.stepId && (e.type === 'acceptance_wait' || (e.type === 'step_started' && e.kind === 'send_connection_request'))) acceptanceStep = e.stepId;
    const branchStep = e.stepId ?? acceptanceStep;
    if (e.type === 'branch' && branchStep && e.branch && !branches.has(branchStep)) branches.set(branchStep, e.branch);
    if (e.type === 'branch' && e.branch === 'accepted') acceptedAt ??= e.at;
    if (e.type === 'step_completed' && e.kind === 'send_connection_request' && !e.detail?.doneInEarlierRun) invitedAt ??= e.at;
    if (e.type === 'step_completed' && e.kind && STEP_KINDS_THAT_CONTACT.has(e.kind)) firstContactAt ??= e.at;
    if (e.type === 'reply_received') repliedAt ??= e.at;
  }
  for (const edge of edges) {
    const from = steps[edge.from];
    if (!from || from.state === 'running' || !reached.has(edge.to)) continue;
    if (edge.branch && branches.get(edge.from) !== edge.branch) continue;
    add(out, `edge:${edge.id}`);
  }

  if (invitedAt) add(out, 'rate:invited');
  if (invitedAt && acceptedAt) {
    add(out, 'rate:accepted');
    add(out, `hist:accept:${durationBucket(Date.parse(acceptedAt) - Date.parse(invitedAt))}`);
  }
  if (firstContactAt) add(out, 'rate:contacted');
  if (firstContactAt && repliedAt) {
    add(out, 'rate:replied');
    add(out, `hist:reply:${durationBucket(Date.parse(repliedAt) - Date.parse(firstContactAt))}`);
  }
  return out;
}

/**
 * The same lead counted for its sender (sender pools): `sender:<accountId>:leads:<status>`,
 * `sender:<accountId>:rate:<base>` and `sender:<accountId>:done:<step kind>` (its LinkedIn actions).
 */
export function senderContribution(contribution: Map<string, number>, data: ExecutionData | null, senderId: string | null | undefined): Map<string, number> {
  const out = new Map<string, number>();
  if (!senderId || !data) return out;
  for (const [k, v] of contribution) if (k.startsWith('leads:') || k.startsWith('rate:')) out.set(`sender:${senderId}:${k}`, v);
  for (const s of Object.values(data.steps ?? {})) if (s.state === 'done') add(out, `sender:${senderId}:done:${s.kind}`);
  return out;
}

/** after − before, without the keys that did not change. */
export function contributionDelta(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const delta = new Map<string, number>();
  for (const [k, v] of after) delta.set(k, v - (before.get(k) ?? 0));
  for (const [k, v] of before) if (!after.has(k)) delta.set(k, -v);
  for (const [k, v] of delta) if (v === 0) delta.delete(k);
  return delta;
}

/** The percentile (0..1) of a histogram held as `bucket → count`, as the bucket's midpoint; null when empty. */
export function histogramPercentile(buckets: Map<number, number>, p: number): number | null {
  const total = [...buckets.values()].reduce((a, b) => a + b, 0);
  if (total <= 0) return null;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (const b of [...buckets.keys()].sort((x, y) => x - y)) {
    seen += buckets.get(b)!;
    if (seen >= rank) return bucketMidpointMs(b);
  }
  return null;
}
