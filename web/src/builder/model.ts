/**
 * The sequence builder's model: the editor's JSON itself, changed by small pure edits. Nothing is
 * normalised on load and nothing the builder does not edit is rewritten (unknown keys, `measured`,
 * string or number positions and delays, `addStep` placeholders stay as they were), so a definition
 * saved by the existing front end comes back unchanged and one saved here opens there.
 *
 * The branch rules follow the compiler (src/domain/workflow-definition/branches.ts): the edges
 * leaving a connection request are `conditional` with `isPositive`; the editor also marks the later
 * edges inside a branch that way, and the nodes with `data.pathType`. Pure: no DOM, no React.
 */

export type Branch = 'accepted' | 'not-accepted';
export type DelayUnit = 's' | 'm' | 'h' | 'd' | 'w';
export const DELAY_UNITS: ReadonlyArray<{ unit: DelayUnit; label: string }> = [
  { unit: 'm', label: 'minutes' },
  { unit: 'h', label: 'hours' },
  { unit: 'd', label: 'days' },
  { unit: 'w', label: 'weeks' },
  { unit: 's', label: 'seconds' },
];

type Json = Record<string, unknown>;
export interface EditorNode {
  id: string;
  type: string;
  position?: { x: number | string; y: number | string };
  data?: { type?: string; label?: string; isConfigured?: boolean; pathType?: Branch; config?: Json } & Json;
  [key: string]: unknown;
}
export interface EditorEdge {
  id: string;
  source: string;
  target: string;
  type?: string;
  data?: { delay?: string; delayData?: { delay: number | string; unit: string }; isPositive?: boolean; isConditionalPath?: boolean } & Json;
  [key: string]: unknown;
}
export interface Definition {
  nodes: EditorNode[];
  edges: EditorEdge[];
  timestamp?: string;
  [key: string]: unknown;
}

/** The step kinds (src/domain/workflow-definition/plan.ts STEP_KINDS) and the editor's default labels. */
export const STEP_KINDS = [
  { kind: 'profile_visit', label: 'Visit Profile', short: 'Visit profile' },
  { kind: 'like_post', label: 'Like Post', short: 'Like posts' },
  { kind: 'comment_post', label: 'Comment on Post', short: 'Comment' },
  { kind: 'send_connection_request', label: 'Connection Request', short: 'Invitation' },
  { kind: 'send_followup', label: 'Send Message', short: 'Message' },
  { kind: 'send_inmail', label: 'Send InMail', short: 'InMail' },
  { kind: 'withdraw_request', label: 'Withdraw Request', short: 'Withdraw' },
  { kind: 'webhook', label: 'Webhook', short: 'Webhook' },
] as const;
export type StepKind = (typeof STEP_KINDS)[number]['kind'];

const ALIASES: Record<string, StepKind> = { send_invite: 'send_connection_request', send_invitation: 'send_connection_request', send_message: 'send_followup', notify_webhook: 'webhook' };

/** The canonical kind of a node's `data.type` (aliases resolved, as the compiler does); undefined when unknown. */
export function kindOf(node: EditorNode | undefined): StepKind | undefined {
  const raw = typeof node?.data?.type === 'string' ? node.data.type.trim().toLowerCase() : '';
  return STEP_KINDS.find((k) => k.kind === raw)?.kind ?? ALIASES[raw];
}

export const isAction = (node: EditorNode): boolean => node.type === 'action';
export const decidesBranch = (node: EditorNode | undefined): boolean => kindOf(node) === 'send_connection_request';

/** Reads any JSON as a definition to edit; a value without node and edge arrays starts an empty one. */
export function loadDefinition(json: unknown): Definition {
  const d = json as Partial<Definition> | null;
  if (d && typeof d === 'object' && Array.isArray(d.nodes) && Array.isArray(d.edges)) return structuredClone(d as Definition);
  return { nodes: [], edges: [] };
}

/** What is saved: the definition, its timestamp set when it was edited (the editor does the same). */
export function saveDefinition(def: Definition, loaded: Definition, now: Date): Definition {
  return sameDefinition(def, loaded) ? def : { ...def, timestamp: now.toISOString() };
}

export const sameDefinition = (a: Definition, b: Definition): boolean => JSON.stringify(a) === JSON.stringify(b);

const num = (v: number | string | undefined): number => (typeof v === 'number' ? v : Number(v ?? 0) || 0);
export const positionOf = (node: EditorNode): { x: number; y: number } => ({ x: num(node.position?.x), y: num(node.position?.y) });

/** Which branch an edge belongs to: its own isPositive when it is conditional. */
export function edgeBranch(edge: EditorEdge): Branch | undefined {
  const conditional = edge.type === 'conditional' || edge.data?.isConditionalPath === true;
  if (!conditional || typeof edge.data?.isPositive !== 'boolean') return undefined;
  return edge.data.isPositive ? 'accepted' : 'not-accepted';
}

const UNIT_OF = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/i;

/** The edge's delay as the compiler reads it: delayData wins over the compact string; null = no wait. */
export function readDelay(edge: EditorEdge): { amount: number; unit: DelayUnit } | null {
  const dd = edge.data?.delayData;
  if (dd && dd.unit && String(dd.delay).trim() !== '') {
    const amount = Number(dd.delay);
    return Number.isFinite(amount) && amount > 0 ? { amount, unit: dd.unit as DelayUnit } : null;
  }
  const m = UNIT_OF.exec(edge.data?.delay ?? '');
  return m && Number(m[1]) > 0 ? { amount: Number(m[1]), unit: m[2]!.toLowerCase() as DelayUnit } : null;
}

export function formatDelay(delay: { amount: number; unit: DelayUnit } | null): string {
  if (!delay) return 'at once';
  const unit = DELAY_UNITS.find((u) => u.unit === delay.unit)?.label ?? delay.unit;
  return `after ${delay.amount} ${delay.amount === 1 ? unit.replace(/s$/, '') : unit}`;
}

const mapNode = (def: Definition, id: string, f: (n: EditorNode) => EditorNode): Definition => ({ ...def, nodes: def.nodes.map((n) => (n.id === id ? f(n) : n)) });
const mapEdge = (def: Definition, id: string, f: (e: EditorEdge) => EditorEdge): Definition => ({ ...def, edges: def.edges.map((e) => (e.id === id ? f(e) : e)) });

/** A fresh id in the editor's style (`send_followup-1741803242094`), unique in the definition. */
function freshId(def: Definition, prefix: string, now: number): string {
  const taken = new Set([...def.nodes.map((n) => n.id), ...def.edges.map((e) => e.id)]);
  let t = now;
  while (taken.has(`${prefix}-${t}`)) t++;
  return `${prefix}-${t}`;
}

/**
 * The edge from `source` to `target` the way the editor draws it: a connection request's out-edges are
 * its branches; inside a branch the edges carry that branch's side; elsewhere a plain edge.
 */
function newEdge(def: Definition, source: EditorNode, target: string, branch: Branch | undefined, now: number): EditorEdge {
  const side = decidesBranch(source) ? branch : source.data?.pathType;
  const id = freshId(def, 'edge', now);
  if (!side) return { id, source: source.id, target, type: 'buttonedge', data: {} };
  return { id, source: source.id, target, type: 'conditional', data: { isPositive: side === 'accepted', isConditionalPath: true } };
}

/**
 * Adds a step of `kind`: after `after` when given (on `branch` when `after` is a connection request),
 * placed under it beside its other children; else under the lowest step.
 */
export function addStep(def: Definition, kind: StepKind, opts: { after?: string; branch?: Branch; now: number }): { def: Definition; id: string } {
  const id = freshId(def, kind, opts.now);
  const parent = def.nodes.find((n) => n.id === opts.after);
  const label = STEP_KINDS.find((k) => k.kind === kind)!.label;
  let position: { x: number; y: number };
  let pathType: Branch | undefined;
  if (parent) {
    const p = positionOf(parent);
    pathType = decidesBranch(parent) ? opts.branch : parent.data?.pathType;
    const siblings = def.edges.filter((e) => e.source === parent.id).length;
    const dx = decidesBranch(parent) && opts.branch ? (opts.branch === 'accepted' ? 220 : -220) : siblings * 300;
    position = { x: p.x + dx, y: p.y + 170 };
  } else {
    const lowest = Math.max(-170, ...def.nodes.map((n) => positionOf(n).y));
    position = { x: 0, y: lowest + 170 };
  }
  const node: EditorNode = { id, type: 'action', position, data: { type: kind, label, isConfigured: true, ...(pathType ? { pathType } : {}), config: {} } };
  let next: Definition = { ...def, nodes: [...def.nodes, node] };
  if (parent) next = { ...next, edges: [...next.edges, newEdge(next, parent, id, opts.branch, opts.now)] };
  return { def: next, id };
}

/** Connects two steps (a second edge between the same two, or to itself, is refused: null). */
export function connect(def: Definition, source: string, target: string, opts: { branch?: Branch; now: number }): Definition | null {
  const from = def.nodes.find((n) => n.id === source);
  if (!from || source === target || !def.nodes.some((n) => n.id === target)) return null;
  if (def.edges.some((e) => e.source === source && e.target === target)) return null;
  return { ...def, edges: [...def.edges, newEdge(def, from, target, opts.branch, opts.now)] };
}

export function removeNode(def: Definition, id: string): Definition {
  return { ...def, nodes: def.nodes.filter((n) => n.id !== id), edges: def.edges.filter((e) => e.source !== id && e.target !== id) };
}

export function removeEdge(def: Definition, id: string): Definition {
  return { ...def, edges: def.edges.filter((e) => e.id !== id) };
}

/** Moves a node, writing the position in the type it had (numbers in older saves, strings in newer). */
export function moveNode(def: Definition, id: string, to: { x: number; y: number }): Definition {
  return mapNode(def, id, (n) => {
    const x = Math.round(to.x);
    const y = Math.round(to.y);
    const old = n.position;
    if (old && num(old.x) === x && num(old.y) === y) return n;
    const asString = typeof old?.x === 'string';
    return { ...n, position: { ...old, x: asString ? String(x) : x, y: asString ? String(y) : y } };
  });
}

/** Sets the edge's delay (null: no wait), in both forms the editor writes, keeping delayData's number/string style. */
export function setDelay(def: Definition, id: string, delay: { amount: number; unit: DelayUnit } | null): Definition {
  return mapEdge(def, id, (e) => {
    const { delay: _d, delayData: _dd, ...rest } = e.data ?? {};
    if (!delay) return { ...e, data: rest };
    const asString = typeof e.data?.delayData?.delay === 'string';
    return { ...e, data: { ...rest, delay: `${delay.amount}${delay.unit}`, delayData: { delay: asString ? String(delay.amount) : delay.amount, unit: delay.unit } } };
  });
}

/** Sets one config key (undefined removes it); other keys, known or not, are kept. */
export function setConfig(def: Definition, id: string, key: string, value: unknown): Definition {
  return mapNode(def, id, (n) => {
    const config = { ...(n.data?.config ?? {}) };
    if (value === undefined) delete config[key];
    else config[key] = value;
    return { ...n, data: { ...n.data, config } };
  });
}

export function setLabel(def: Definition, id: string, label: string): Definition {
  return mapNode(def, id, (n) => ({ ...n, data: { ...n.data, label } }));
}

/**
 * The config key a text field edits: the first of `keys` holding text (the one the step sends, as
 * config-checks readText picks it), else the first present, else the first. The editor writes the same
 * text under `message` or `customMessage` depending on its version.
 */
export function textKey(config: Json | undefined, keys: readonly string[]): string {
  const c = config ?? {};
  return keys.find((k) => typeof c[k] === 'string' && c[k].trim() !== '') ?? keys.find((k) => k in c) ?? keys[0]!;
}

/** The steps a node may connect to: every other action node not already its target and not leading back to it. */
export function connectableTargets(def: Definition, source: string): EditorNode[] {
  const reaches = (from: string, to: string): boolean => {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length) {
      const id = stack.pop()!;
      if (id === to) return true;
      if (seen.has(id)) continue;
      seen.add(id);
      for (const e of def.edges) if (e.source === id) stack.push(e.target);
    }
    return false;
  };
  const targets = new Set(def.edges.filter((e) => e.source === source).map((e) => e.target));
  return def.nodes.filter((n) => isAction(n) && n.id !== source && !targets.has(n.id) && !reaches(n.id, source));
}

/** The template variables (src/domain/templates.ts TEMPLATE_VARIABLES). */
export const TEMPLATE_VARIABLES = ['first_name', 'last_name', 'full_name', 'company', 'title', 'headline'] as const;
