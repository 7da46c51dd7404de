/**
 * The accepted / not-accepted rules. Only the conditional edges leaving a connection request decide a
 * branch ("branch edges"); the editor also marks the later edges inside a branch conditional, with the
 * branch's isPositive: those run as plain edges and must agree with the branch they lie in, as must a
 * node's data.pathType.
 *
 * Which branch a node lies in is the side of the nearest branch edge above it; a node reachable several
 * ways collects every side (and `none` when some path to it crosses no branch edge at all).
 */
import { stepDefinition } from '../steps/registry';
import type { BranchPath, DefinitionProblem } from './plan';
import type { ActionNode, GraphEdge } from './read-definition';

type Context = BranchPath | 'none';

const sideOf = (isPositive: boolean): BranchPath => (isPositive ? 'accepted' : 'not-accepted');
const opposite = (side: BranchPath): BranchPath => (side === 'accepted' ? 'not-accepted' : 'accepted');

export interface BranchAnalysis {
  problems: DefinitionProblem[];
  /** The branch edges, with their side: PlanEdge.branch (a plan is only built when there are no problems). */
  branchEdges: Map<string, BranchPath>;
}

export function analyseBranches(actions: readonly ActionNode[], edges: readonly GraphEdge[]): BranchAnalysis {
  const problems: DefinitionProblem[] = [];
  const branchEdges = new Map<string, BranchPath>();
  const byId = new Map(actions.map((node) => [node.id, node]));
  const decides = (id: string): boolean => {
    const kind = byId.get(id)?.kind;
    return kind !== undefined && stepDefinition(kind).decidesAcceptanceBranch;
  };

  // The edges leaving each connection request: at most one per side, and not mixed with plain edges.
  for (const request of actions.filter((node) => decides(node.id))) {
    const leaving = edges.filter((edge) => edge.from === request.id);
    const seen = new Map<BranchPath, string>();
    for (const edge of leaving.filter((e) => e.conditional)) {
      if (edge.isPositive === undefined) {
        problems.push({
          code: 'missing_branch_side',
          message: `edge ${edge.id} leaves connection request ${request.id} as a branch but does not say which (isPositive true or false)`,
          edgeId: edge.id,
          nodeId: request.id,
          path: `${edge.path}.data.isPositive`,
        });
        continue;
      }
      const side = sideOf(edge.isPositive);
      const first = seen.get(side);
      if (first !== undefined) {
        problems.push({
          code: 'duplicate_branch_edge',
          message: `connection request ${request.id} already has a ${side} edge (${first}); edge ${edge.id} is a second one`,
          edgeId: edge.id,
          nodeId: request.id,
          path: `${edge.path}.data.isPositive`,
        });
        // Still the side it says: the steps under it are in that branch, whatever else is wrong.
        branchEdges.set(edge.id, side);
        continue;
      }
      seen.set(side, edge.id);
      branchEdges.set(edge.id, side);
    }
    if (seen.size > 0) {
      for (const edge of leaving.filter((e) => !e.conditional)) {
        problems.push({
          code: 'mixed_request_edges',
          message: `connection request ${request.id} has accepted / not-accepted edges and also a plain edge ${edge.id}; put the step under one of the branches`,
          edgeId: edge.id,
          nodeId: request.id,
          path: edge.path,
        });
      }
    }
  }

  // Which branch reaches each node: a worklist over the edges (each node's set only grows, at most 3 times).
  const contexts = new Map<string, Set<Context>>(actions.map((node) => [node.id, new Set<Context>()]));
  const leavingFrom = new Map<string, GraphEdge[]>(actions.map((node) => [node.id, []]));
  const hasIncoming = new Set<string>();
  for (const edge of edges) {
    leavingFrom.get(edge.from)?.push(edge);
    hasIncoming.add(edge.to);
  }
  const work: string[] = [];
  for (const node of actions) {
    if (!hasIncoming.has(node.id)) {
      contexts.get(node.id)?.add('none');
      work.push(node.id);
    }
  }
  while (work.length > 0) {
    const id = work.pop()!;
    const from = contexts.get(id)!;
    for (const edge of leavingFrom.get(id) ?? []) {
      const side = branchEdges.get(edge.id);
      const carried: Iterable<Context> = side ? [side] : from;
      const into = contexts.get(edge.to)!;
      const before = into.size;
      for (const c of carried) into.add(c);
      if (into.size !== before) work.push(edge.to);
    }
  }

  const check = (claimed: BranchPath | undefined, reached: Set<Context>, at: Omit<DefinitionProblem, 'code' | 'message'>, what: string): void => {
    if (reached.size === 0) return; // only on a cycle, reported as such
    if (!reached.has('accepted') && !reached.has('not-accepted')) {
      problems.push({
        code: 'branch_without_connection_request',
        message: `${what} is ${claimed ? `on the ${claimed} branch` : 'marked as a branch'} but no connection request comes before it`,
        ...at,
      });
    } else if (claimed && reached.has(opposite(claimed))) {
      problems.push({ code: 'branch_mismatch', message: `${what} says ${claimed} but lies on the ${opposite(claimed)} branch`, ...at });
    }
  };

  for (const edge of edges) {
    if (!edge.conditional || decides(edge.from)) continue;
    check(edge.isPositive === undefined ? undefined : sideOf(edge.isPositive), contexts.get(edge.from)!, { edgeId: edge.id, path: `${edge.path}.data.isPositive` }, `edge ${edge.id}`);
  }
  for (const node of actions) {
    if (!node.pathType) continue;
    check(node.pathType, contexts.get(node.id)!, { nodeId: node.id, path: `${node.path}.data.pathType` }, `step "${node.label}" (${node.id})`);
  }
  return { problems, branchEdges };
}
