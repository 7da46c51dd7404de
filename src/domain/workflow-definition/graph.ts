/** Graph algorithms over step ids, iterative so that a huge submitted graph cannot overflow the stack. */

export interface Arc {
  id: string;
  from: string;
  to: string;
}

export interface FoundCycle {
  /** The edge that closes the cycle. */
  edgeId: string;
  /** The steps on it, in order, starting from the one the closing edge returns to. */
  nodeIds: string[];
}

function adjacency(nodeIds: readonly string[], arcs: readonly Arc[]): Map<string, Arc[]> {
  const out = new Map<string, Arc[]>(nodeIds.map((id) => [id, []]));
  for (const arc of arcs) out.get(arc.from)?.push(arc);
  return out;
}

/** One cycle per back edge of a depth-first search: breaking each named edge (or another on its cycle) removes them all. */
export function findCycles(nodeIds: readonly string[], arcs: readonly Arc[]): FoundCycle[] {
  const out = adjacency(nodeIds, arcs);
  const state = new Map<string, 'open' | 'done'>();
  const cycles: FoundCycle[] = [];
  for (const root of nodeIds) {
    if (state.has(root)) continue;
    const stack: Array<{ id: string; next: number }> = [{ id: root, next: 0 }];
    state.set(root, 'open');
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const arc = out.get(top.id)?.[top.next++];
      if (!arc) {
        state.set(top.id, 'done');
        stack.pop();
        continue;
      }
      const seen = state.get(arc.to);
      if (seen === 'open') {
        const start = stack.findIndex((frame) => frame.id === arc.to);
        cycles.push({ edgeId: arc.id, nodeIds: stack.slice(start).map((frame) => frame.id) });
      } else if (seen === undefined && out.has(arc.to)) {
        state.set(arc.to, 'open');
        stack.push({ id: arc.to, next: 0 });
      }
    }
  }
  return cycles;
}

/**
 * Kahn's algorithm; among the steps ready at once, the one listed first in `nodeIds` goes first, so the
 * order is stable for a given definition. Steps left on a cycle (none in a compiled plan) come last.
 */
export function topologicalOrder(nodeIds: readonly string[], arcs: readonly Arc[]): string[] {
  const out = adjacency(nodeIds, arcs);
  const rank = new Map(nodeIds.map((id, i) => [id, i]));
  const indegree = new Map<string, number>(nodeIds.map((id) => [id, 0]));
  for (const arc of arcs) if (indegree.has(arc.to) && out.has(arc.from)) indegree.set(arc.to, (indegree.get(arc.to) ?? 0) + 1);
  const ready = nodeIds.filter((id) => indegree.get(id) === 0);
  const order: string[] = [];
  while (ready.length > 0) {
    // Graphs drawn by hand are small: a sorted array is simpler than a heap and fast enough.
    ready.sort((a, b) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0));
    const id = ready.shift()!;
    order.push(id);
    for (const arc of out.get(id) ?? []) {
      const left = (indegree.get(arc.to) ?? 0) - 1;
      indegree.set(arc.to, left);
      if (left === 0) ready.push(arc.to);
    }
  }
  if (order.length < nodeIds.length) {
    const placed = new Set(order);
    order.push(...nodeIds.filter((id) => !placed.has(id)));
  }
  return order;
}
