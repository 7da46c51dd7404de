/**
 * First pass of the compiler: reads the editor's JSON as saved (layout fields and unknown keys ignored,
 * config kept), checks each node and edge on its own, and keeps only what the graph checks need: action
 * nodes and the edges between them. `addStep` placeholders and the edges touching them are dropped
 * here, unchecked: they have no behaviour.
 */
import { parseEdgeDelay } from '../delay';
import { resolveStepKind, stepDefinition } from '../steps/registry';
import type { BranchPath, DefinitionProblem, StepKind } from './plan';

export interface ActionNode {
  index: number;
  id: string;
  /** `nodes[i]` */
  path: string;
  /** Undefined when data.type is unknown (already reported). */
  kind: StepKind | undefined;
  label: string;
  config: Record<string, unknown>;
  pathType: BranchPath | undefined;
}

export interface GraphEdge {
  index: number;
  id: string;
  /** `edges[j]` */
  path: string;
  from: string;
  to: string;
  delayMs: number;
  /** `type: "conditional"` or `data.isConditionalPath: true`. */
  conditional: boolean;
  isPositive: boolean | undefined;
}

export interface ReadDefinition {
  actions: ActionNode[];
  /** Between two distinct action nodes (self-loops are reported as cycles and left out). */
  edges: GraphEdge[];
}

export interface Findings {
  problems: DefinitionProblem[];
  warnings: DefinitionProblem[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is string => typeof v === 'string' && v !== '';

function readPathType(data: Record<string, unknown>, node: { id: string; path: string }, findings: Findings): BranchPath | undefined {
  const value = data.pathType;
  if (value === undefined || value === null || value === '') return undefined;
  if (value === 'accepted' || value === 'not-accepted') return value;
  findings.problems.push({
    code: 'invalid_path_type',
    message: `pathType must be "accepted" or "not-accepted" (got ${JSON.stringify(value)})`,
    nodeId: node.id,
    path: `${node.path}.data.pathType`,
  });
  return undefined;
}

function readAction(raw: Record<string, unknown>, id: string, index: number, findings: Findings): ActionNode {
  const path = `nodes[${index}]`;
  const at = { nodeId: id };
  const data = isRecord(raw.data) ? raw.data : {};
  if (!isRecord(raw.data)) findings.problems.push({ code: 'malformed_node', message: `action node ${id} has no data object`, ...at, path: `${path}.data` });

  const kind = resolveStepKind(data.type);
  if (!kind) {
    findings.problems.push({
      code: 'unknown_step_kind',
      message: `node ${id}: unknown step kind ${JSON.stringify(data.type ?? null)}`,
      ...at,
      path: `${path}.data.type`,
    });
  }
  const label = typeof data.label === 'string' && data.label.trim() !== '' ? data.label : kind ? stepDefinition(kind).defaultLabel : id;
  if (data.isConfigured === false) {
    findings.problems.push({ code: 'unconfigured_node', message: `step "${label}" (${id}) is not configured yet`, ...at, path: `${path}.data.isConfigured` });
  }

  let config: Record<string, unknown> = {};
  if (isRecord(data.config)) config = { ...data.config };
  else if (data.config !== undefined && data.config !== null) {
    findings.problems.push({ code: 'malformed_node', message: `node ${id}: config must be an object`, ...at, path: `${path}.data.config` });
  }
  if (kind) {
    for (const p of stepDefinition(kind).validateConfig(config, `${path}.data.config`)) {
      findings.problems.push({ ...p, message: `step "${label}" (${id}): ${p.message}`, nodeId: id });
    }
  }
  return { index, id, path, kind, label, config, pathType: readPathType(data, { id, path }, findings) };
}

export function readDefinition(json: unknown, findings: Findings): ReadDefinition | undefined {
  const { problems } = findings;
  if (!isRecord(json)) {
    problems.push({ code: 'malformed_definition', message: 'the workflow definition must be an object { nodes, edges }' });
    return undefined;
  }
  if (!Array.isArray(json.nodes)) problems.push({ code: 'malformed_definition', message: 'nodes must be an array', path: 'nodes' });
  if (!Array.isArray(json.edges)) problems.push({ code: 'malformed_definition', message: 'edges must be an array', path: 'edges' });
  if (!Array.isArray(json.nodes) || !Array.isArray(json.edges)) return undefined;

  // Maps, not objects: ids come from the user and may be `__proto__` or `constructor`.
  const nodeTypes = new Map<string, 'action' | 'addStep' | 'other'>();
  const actions: ActionNode[] = [];
  json.nodes.forEach((raw: unknown, index) => {
    const path = `nodes[${index}]`;
    if (!isRecord(raw) || !isId(raw.id)) {
      problems.push({ code: 'malformed_node', message: `node ${index + 1} must be an object with a string id`, path: isRecord(raw) ? `${path}.id` : path });
      return;
    }
    const id = raw.id;
    if (nodeTypes.has(id)) {
      problems.push({ code: 'duplicate_node_id', message: `node id ${id} is used more than once`, nodeId: id, path: `${path}.id` });
      return;
    }
    if (raw.type === 'action') {
      nodeTypes.set(id, 'action');
      actions.push(readAction(raw, id, index, findings));
    } else if (raw.type === 'addStep') {
      nodeTypes.set(id, 'addStep');
    } else {
      nodeTypes.set(id, 'other');
      problems.push({ code: 'unknown_node_type', message: `node ${id}: unknown node type ${JSON.stringify(raw.type ?? null)} (expected "action" or "addStep")`, nodeId: id, path: `${path}.type` });
    }
  });

  const edgeIds = new Set<string>();
  const edges: GraphEdge[] = [];
  json.edges.forEach((raw: unknown, index) => {
    const path = `edges[${index}]`;
    if (!isRecord(raw) || !isId(raw.id)) {
      problems.push({ code: 'malformed_edge', message: `edge ${index + 1} must be an object with a string id`, path: isRecord(raw) ? `${path}.id` : path });
      return;
    }
    const id = raw.id;
    if (edgeIds.has(id)) {
      problems.push({ code: 'duplicate_edge_id', message: `edge id ${id} is used more than once`, edgeId: id, path: `${path}.id` });
      return;
    }
    edgeIds.add(id);
    let endpointsOk = true;
    for (const end of ['source', 'target'] as const) {
      const ref = raw[end];
      if (!isId(ref)) {
        problems.push({ code: 'malformed_edge', message: `edge ${id}: ${end} must be a node id`, edgeId: id, path: `${path}.${end}` });
        endpointsOk = false;
      } else if (!nodeTypes.has(ref)) {
        problems.push({ code: 'edge_unknown_node', message: `edge ${id}: ${end} ${ref} is not a node of this workflow`, edgeId: id, path: `${path}.${end}` });
        endpointsOk = false;
      }
    }
    if (!endpointsOk) return;
    const from = raw.source as string;
    const to = raw.target as string;
    if (nodeTypes.get(from) !== 'action' || nodeTypes.get(to) !== 'action') return; // placeholder, or a node already refused

    if (from === to) {
      problems.push({ code: 'cycle', message: `edge ${id} loops from step ${from} back to itself`, edgeId: id, nodeId: from, nodeIds: [from], path });
      return;
    }
    const data = isRecord(raw.data) ? raw.data : undefined;
    const delay = parseEdgeDelay(raw.data, `${path}.data`);
    if (!delay.ok) problems.push({ ...delay.problem, message: `edge ${id}: ${delay.problem.message}`, edgeId: id });
    else if (delay.disagreement) findings.warnings.push({ ...delay.disagreement, message: `edge ${id}: ${delay.disagreement.message}`, edgeId: id });
    edges.push({
      index,
      id,
      path,
      from,
      to,
      delayMs: delay.ok ? delay.ms : 0,
      conditional: raw.type === 'conditional' || data?.isConditionalPath === true,
      isPositive: typeof data?.isPositive === 'boolean' ? data.isPositive : undefined,
    });
  });
  return { actions, edges };
}
