/**
 * Editor JSON → CampaignPlan. Collects every problem it can find in one pass (so the editor can show
 * them all at once) and produces a plan only when there are none.
 *
 * Decisions the format leaves open, made here:
 * - A connection request with branch edges gets `acceptance`: the not-accepted edge's delay is the
 *   window (that PlanEdge's delayMs is then 0: it is taken at once when the window passes); with no
 *   not-accepted edge the window is DEFAULT_ACCEPTANCE_WINDOW_MS and the lead ends when it passes.
 * - A connection request with only plain out-edges has no `acceptance`: nothing depends on the answer,
 *   so its next steps run after it (after their own delays) without waiting for acceptance.
 * - Plain edges next to branch edges on one request are refused (`mixed_request_edges`): whether they
 *   should wait for the answer is anyone's guess.
 */
import { findCycles, topologicalOrder } from './graph';
import { analyseBranches } from './branches';
import { readDefinition, type Findings } from './read-definition';
import {
  DEFAULT_ACCEPTANCE_WINDOW_MS,
  STEP_KINDS,
  type CampaignPlan,
  type CompileResult,
  type PlanEdge,
  type PlanStep,
  type StepKind,
} from './plan';

/** A hand-drawn sequence is a few dozen steps; far beyond that the input is a mistake or an attack. */
export const MAX_DEFINITION_ITEMS = 1000;

export function compileWorkflowDefinition(json: unknown): CompileResult {
  const findings: Findings = { problems: [], warnings: [] };
  const { problems } = findings;
  if (typeof json === 'object' && json !== null) {
    const { nodes, edges } = json as { nodes?: unknown; edges?: unknown };
    for (const [key, list] of [['nodes', nodes], ['edges', edges]] as const) {
      if (Array.isArray(list) && list.length > MAX_DEFINITION_ITEMS) {
        return { ok: false, problems: [{ code: 'malformed_definition', message: `more than ${MAX_DEFINITION_ITEMS} ${key}`, path: key }] };
      }
    }
  }
  const read = readDefinition(json, findings);
  if (!read) return { ok: false, problems };
  const { actions, edges } = read;

  if (actions.length === 0) {
    problems.push({ code: 'empty_workflow', message: 'the workflow has no steps', path: 'nodes' });
  } else {
    const targets = new Set(edges.map((edge) => edge.to));
    const entries = actions.filter((node) => !targets.has(node.id));
    if (entries.length === 0) {
      problems.push({ code: 'no_entry_node', message: 'every step has an incoming edge: there is no first step', path: 'edges' });
    } else if (entries.length > 1) {
      const ids = entries.map((node) => node.id);
      // The first one listed is usually the intended start; point at the next one.
      const second = entries[1]!;
      problems.push({
        code: 'multiple_entry_nodes',
        message: `the workflow must have one first step; ${ids.length} steps have no incoming edge: ${ids.join(', ')}`,
        nodeId: second.id,
        nodeIds: ids,
        path: second.path,
      });
    }
  }

  const ids = actions.map((node) => node.id);
  for (const cycle of findCycles(ids, edges)) {
    const edge = edges.find((e) => e.id === cycle.edgeId);
    problems.push({
      code: 'cycle',
      message: `the steps loop: ${[...cycle.nodeIds, cycle.nodeIds[0]].join(' → ')} (closed by edge ${cycle.edgeId})`,
      edgeId: cycle.edgeId,
      nodeId: cycle.nodeIds[0],
      nodeIds: cycle.nodeIds,
      ...(edge ? { path: edge.path } : {}),
    });
  }

  const branches = analyseBranches(actions, edges);
  problems.push(...branches.problems);
  if (problems.length > 0) return { ok: false, problems };

  const planEdges: PlanEdge[] = edges.map((edge) => {
    const branch = branches.branchEdges.get(edge.id);
    return {
      id: edge.id,
      from: edge.from,
      to: edge.to,
      delayMs: branch === 'not-accepted' ? 0 : edge.delayMs,
      ...(branch ? { branch } : {}),
    };
  });
  const steps = actions.map((node): PlanStep => {
    const step: PlanStep = { id: node.id, kind: node.kind!, label: node.label, config: node.config };
    const leaving = edges.filter((edge) => edge.from === node.id && branches.branchEdges.has(edge.id));
    if (leaving.length > 0) {
      const notAccepted = leaving.find((edge) => branches.branchEdges.get(edge.id) === 'not-accepted');
      step.acceptance = notAccepted
        ? { windowMs: notAccepted.delayMs, hasNotAcceptedEdge: true }
        : { windowMs: DEFAULT_ACCEPTANCE_WINDOW_MS, hasNotAcceptedEdge: false };
    }
    return step;
  });
  const plan: CampaignPlan = {
    version: 1,
    entry: actions.find((node) => !edges.some((edge) => edge.to === node.id))!.id,
    // fromEntries defines own properties, so even an id like `__proto__` stays an ordinary key.
    steps: Object.fromEntries(steps.map((step) => [step.id, step])),
    edges: planEdges,
  };
  return findings.warnings.length > 0 ? { ok: true, plan, warnings: findings.warnings } : { ok: true, plan };
}

export interface PlanSummary {
  totalSteps: number;
  /** How many steps of each kind (kinds absent from the plan are left out). */
  kinds: Partial<Record<StepKind, number>>;
}

export function summarizePlan(plan: CampaignPlan): PlanSummary {
  const kinds: Partial<Record<StepKind, number>> = {};
  const steps = Object.values(plan.steps);
  // Counted in STEP_KINDS order so the summary reads the same for every plan.
  for (const kind of STEP_KINDS) {
    const n = steps.filter((step) => step.kind === kind).length;
    if (n > 0) kinds[kind] = n;
  }
  return { totalSteps: steps.length, kinds };
}

/**
 * The steps in an order where every step comes after the steps leading to it, starting at the entry;
 * ties (parallel branches) in the editor's node order. `index + 1` is a step's `current_step` number.
 */
export function planStepOrder(plan: CampaignPlan): string[] {
  return topologicalOrder(Object.keys(plan.steps), plan.edges);
}
