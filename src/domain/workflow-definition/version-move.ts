/**
 * When may a lead in progress move to a new version of its campaign's definition? It moves at a step
 * boundary (about to run `next`, having come from `at`) to the node with the same id in the new version,
 * and only when that cannot surprise anyone:
 * - the node it is about to run, and the node it is at, exist in the new version with the same kind;
 * - no step it already reached (done, skipped or running) lies ahead of it on the new path (none runs twice);
 * - nothing it would skip is needed later: a withdrawal needs the invitation, a follow-up the connection,
 *   and a node inside a branch of a connection request needs the lead to have taken that branch;
 * - neither version runs branches in parallel (where each of them stands cannot be told apart).
 * Otherwise it stays on its version, with one of the stable reasons below. Pure and sandbox-safe.
 */
import { stepDefinition } from '../steps/registry';
import type { BranchPath, CampaignPlan } from './plan';

export const VERSION_KEPT_REASONS = [
  'version_not_found', // the version asked for could not be loaded
  'next_step_not_in_version',
  'next_step_kind_changed',
  'current_step_not_in_version',
  'current_step_kind_changed',
  'step_would_repeat',
  'withdrawal_without_invitation',
  'followup_without_connection',
  'branch_not_taken',
  'parallel_branches',
] as const;
export type VersionKeptReason = (typeof VERSION_KEPT_REASONS)[number];

export interface LeadPosition {
  /** The node the lead is about to run. */
  next: string;
  /** The node it comes from (the edge's source); null before its first step. */
  at: string | null;
  /** Every step the lead has reached so far: done, skipped or running. */
  reached: readonly string[];
  /** It has a pending (or accepted) invitation from this campaign. */
  invited: boolean;
  /** It is connected to its sender (accepted, or was already). */
  connected: boolean;
  /** The branch it took after each connection request it decided. */
  branches: Readonly<Record<string, BranchPath>>;
}

export type MoveDecision = { move: true } | { move: false; reason: VersionKeptReason };

function hasParallelBranches(plan: CampaignPlan): boolean {
  const plainOut = new Map<string, number>();
  for (const e of plan.edges) if (!e.branch) plainOut.set(e.from, (plainOut.get(e.from) ?? 0) + 1);
  // A connection request's plain edges run alongside whichever branch it takes.
  return plan.edges.some((e) => (plainOut.get(e.from) ?? 0) > 1 || (e.branch !== undefined && (plainOut.get(e.from) ?? 0) > 0));
}

/** Nodes with a path to `id` (not `id` itself). */
function ancestorsOf(plan: CampaignPlan, id: string): Set<string> {
  const out = new Set<string>();
  const queue = [id];
  while (queue.length > 0) {
    const cur = queue.pop()!;
    for (const e of plan.edges) {
      if (e.to === cur && !out.has(e.from)) {
        out.add(e.from);
        queue.push(e.from);
      }
    }
  }
  return out;
}

/** `id` and every node reachable from it. */
function reachFrom(plan: CampaignPlan, id: string): Set<string> {
  const out = new Set<string>([id]);
  const queue = [id];
  while (queue.length > 0) {
    const cur = queue.pop()!;
    for (const e of plan.edges) {
      if (e.from === cur && !out.has(e.to)) {
        out.add(e.to);
        queue.push(e.to);
      }
    }
  }
  return out;
}

export function decideVersionMove(from: CampaignPlan, to: CampaignPlan, lead: LeadPosition): MoveDecision {
  const keep = (reason: VersionKeptReason): MoveDecision => ({ move: false, reason });
  const nextNew = to.steps[lead.next];
  if (!nextNew) return keep('next_step_not_in_version');
  if (nextNew.kind !== from.steps[lead.next]?.kind) return keep('next_step_kind_changed');
  if (lead.at !== null) {
    const atNew = to.steps[lead.at];
    if (!atNew) return keep('current_step_not_in_version');
    if (atNew.kind !== from.steps[lead.at]?.kind) return keep('current_step_kind_changed');
  }
  if (hasParallelBranches(from) || hasParallelBranches(to)) return keep('parallel_branches');

  const reached = new Set(lead.reached);
  const ahead = reachFrom(to, lead.next);
  if ([...ahead].some((id) => reached.has(id))) return keep('step_would_repeat');

  // What the new version would have done before `next` that this lead never did.
  const before = ancestorsOf(to, lead.next);
  const skipped = [...before].filter((id) => !reached.has(id));
  const skipsInvitation = skipped.some((id) => stepDefinition(to.steps[id]!.kind).decidesAcceptanceBranch);
  if (skipsInvitation) {
    for (const id of ahead) {
      const needs = stepDefinition(to.steps[id]!.kind).needsEarlier;
      if (needs === 'invitation' && !lead.invited) return keep('withdrawal_without_invitation');
      if (needs === 'connection' && !lead.connected) return keep('followup_without_connection');
    }
  }
  // A node inside a branch of the new version: the lead must have taken that very branch.
  for (const e of to.edges) {
    if (e.branch && before.has(e.from) && (e.to === lead.next || before.has(e.to)) && lead.branches[e.from] !== e.branch) {
      return keep('branch_not_taken');
    }
  }
  return { move: true };
}
