/**
 * How long a lead spends in a compiled plan around its (first) invitation, read from the edge delays
 * and acceptance windows alone: what the forecast needs to turn invitation slots into lead end dates.
 * Quota waits are not in here (the forecast takes them from the quota schedule); steps are assumed to
 * take no time of their own. Pure, sandbox-safe.
 */
import type { CampaignPlan } from './plan';

export interface PlanTimeline {
  /** The invitation step the forecast follows (the first one a lead reaches); null: none. */
  inviteStepId: string | null;
  /** Campaign time from the lead's start to its invitation request; null: the plan sends none. */
  inviteAfterMs: number | null;
  /** After the invitation is sent: the acceptance window (not accepted: the not-accepted branch starts then). */
  acceptanceWindowMs: number;
  /** After acceptance: the accepted branch to its end (its edge delay included); 0 without one. */
  acceptedTailMs: number;
  /** After the window elapsed: the not-accepted branch to its end; 0 without one. */
  notAcceptedTailMs: number;
  /** After the invitation: the plain edges leaving it, run in parallel with the branch. */
  plainTailMs: number;
  /** No invitation: from start to the end of the longest path. */
  totalMs: number;
}

/**
 * The lead walks every plain edge in parallel and ends when all have ended, so a node's tail is its
 * longest path. A connection-request step deeper in the graph counts with its full window (the slow
 * side). A node reached by two paths runs once, when the first reaches it: arrival is the earliest.
 */
export function planTimeline(plan: CampaignPlan): PlanTimeline {
  const out = new Map<string, CampaignPlan['edges']>();
  for (const e of plan.edges) out.set(e.from, [...(out.get(e.from) ?? []), e]);
  const tails = new Map<string, number>();

  const branchTail = (id: string): { plain: number; accepted: number; notAccepted: number } => {
    let plain = 0;
    let accepted = 0;
    let notAccepted = 0;
    for (const e of out.get(id) ?? []) {
      const t = e.delayMs + tail(e.to);
      if (e.branch === 'accepted') accepted = Math.max(accepted, t);
      else if (e.branch === 'not-accepted') notAccepted = Math.max(notAccepted, t);
      else plain = Math.max(plain, t);
    }
    return { plain, accepted, notAccepted };
  };

  // Compiled plans are acyclic, so the recursion ends; memoised, each node is walked once.
  function tail(id: string): number {
    const known = tails.get(id);
    if (known !== undefined) return known;
    const step = plan.steps[id];
    const b = branchTail(id);
    const t = step?.acceptance ? Math.max(b.plain, step.acceptance.windowMs + Math.max(b.accepted, b.notAccepted)) : b.plain;
    tails.set(id, t);
    return t;
  }

  // Earliest arrival at every node (Dijkstra on small graphs: a linear scan is enough).
  const arrival = new Map<string, number>([[plan.entry, 0]]);
  const done = new Set<string>();
  for (;;) {
    let next: string | null = null;
    for (const [id, t] of arrival) if (!done.has(id) && (next === null || t < arrival.get(next)!)) next = id;
    if (next === null) break;
    done.add(next);
    const at = arrival.get(next)!;
    if (plan.steps[next]?.kind === 'send_connection_request') continue;
    for (const e of out.get(next) ?? []) {
      if (!arrival.has(e.to) || arrival.get(e.to)! > at + e.delayMs) arrival.set(e.to, at + e.delayMs);
    }
  }
  const invites = [...arrival].filter(([id]) => plan.steps[id]?.kind === 'send_connection_request').sort((a, b) => a[1] - b[1]);
  const first = invites[0];
  if (!first) return { inviteStepId: null, inviteAfterMs: null, acceptanceWindowMs: 0, acceptedTailMs: 0, notAcceptedTailMs: 0, plainTailMs: 0, totalMs: tail(plan.entry) };
  const b = branchTail(first[0]);
  return {
    inviteStepId: first[0],
    inviteAfterMs: first[1],
    acceptanceWindowMs: plan.steps[first[0]]!.acceptance?.windowMs ?? 0,
    acceptedTailMs: b.accepted,
    notAcceptedTailMs: b.notAccepted,
    plainTailMs: b.plain,
    totalMs: tail(plan.entry),
  };
}
