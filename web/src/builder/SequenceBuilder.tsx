import { useEffect, useRef, useState } from 'react';
import {
  Background,
  Controls,
  Handle,
  MarkerType,
  Position,
  ReactFlow,
  useReactFlow,
  type Connection,
  type Edge,
  type EdgeChange,
  type Node,
  type NodeChange,
  type NodeProps,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { KIND_LABELS } from '../components/common';
import { useValidation, type Problem } from './live-checks';
import { EdgeInspector, NodeInspector, type InspectorContext, type LeadChoice } from './StepInspector';
import {
  STEP_KINDS,
  addStep,
  connect,
  decidesBranch,
  edgeBranch,
  formatDelay,
  isAction,
  kindOf,
  moveNode,
  positionOf,
  readDelay,
  removeEdge,
  removeNode,
  setConfig,
  setDelay,
  setLabel,
  textKey,
  type Branch,
  type Definition,
  type EditorNode,
} from './model';

/**
 * The campaign's step graph, editable: steps added after a step (on a branch after an invitation),
 * connected by dragging a handle or from the side panel, removed with Delete or a button, moved by
 * dragging or the arrow keys; each step's settings and each connection's delay in the side panel.
 * The save compiler checks the graph as you edit and every problem shows on the step or connection it names.
 */

type StepData = { node: EditorNode; problems: number; warnings: number; branchSource: boolean };

const scalar = (v: unknown): string => (typeof v === 'number' || typeof v === 'string' ? String(v) : '');

function summary(node: EditorNode): string {
  const config = node.data?.config ?? {};
  const text = (keys: readonly string[]) => {
    const v = config[textKey(config, keys)];
    return typeof v === 'string' && v.trim() ? `“${v.length > 60 ? `${v.slice(0, 60)}…` : v}”` : '';
  };
  switch (kindOf(node)) {
    case 'send_connection_request':
      return text(['message', 'customMessage']) || 'No note';
    case 'send_followup':
    case 'send_inmail':
      return text(['message', 'customMessage']) || 'No message yet';
    case 'comment_post':
      return text(['customComment']) || 'No comment yet';
    case 'like_post':
      return `${scalar(config.numberOfPosts) || '1'} post(s)${scalar(config.recentPostDays) ? `, last ${scalar(config.recentPostDays)} days` : ''}`;
    case 'webhook':
      return config.webhookId ? 'One endpoint' : 'Every endpoint';
    default:
      return '';
  }
}

function BuilderNode({ data, selected }: NodeProps<Node<StepData>>) {
  const { node, problems, warnings, branchSource } = data;
  const kind = kindOf(node);
  return (
    <div
      className={`step-node builder-node${selected ? ' selected' : ''}${problems ? ' has-problem' : ''}`}
      data-testid={`builder-step-${node.id}`}
      data-problems={problems}
      aria-label={`${node.data?.label ?? node.id}${problems ? `, ${problems} problem${problems > 1 ? 's' : ''}` : ''}`}
    >
      <Handle type="target" position={Position.Top} />
      <div className="builder-node-head">
        <span className="step-kind">{kind ? KIND_LABELS[kind] : (node.data?.type ?? '?')}</span>
        {problems > 0 && <span className="problem-badge" title={`${problems} problem(s)`}>{problems}</span>}
        {problems === 0 && warnings > 0 && <span className="warning-badge">{warnings}</span>}
      </div>
      <div className="step-label">{node.data?.label || node.id}</div>
      <div className="step-summary">{summary(node)}</div>
      {branchSource ? (
        <>
          <Handle type="source" id="not-accepted" position={Position.Bottom} className="handle-not-accepted" style={{ left: '25%' }} />
          <Handle type="source" id="accepted" position={Position.Bottom} className="handle-accepted" style={{ left: '75%' }} />
          <div className="handle-labels" aria-hidden="true">
            <span>not accepted</span>
            <span>accepted</span>
          </div>
        </>
      ) : (
        <Handle type="source" position={Position.Bottom} />
      )}
    </div>
  );
}

const nodeTypes = { builderStep: BuilderNode };

/** Keeps every step in view when one is added or removed (dragging and zooming are left alone). */
function FitOnCountChange({ count }: { count: number }) {
  const flow = useReactFlow();
  const seen = useRef(count);
  useEffect(() => {
    if (seen.current === count) return undefined;
    seen.current = count;
    const t = setTimeout(() => void flow.fitView({ padding: 0.25, maxZoom: 1, duration: 200 }), 50);
    return () => clearTimeout(t);
  }, [count, flow]);
  return null;
}
type Selection = { type: 'node' | 'edge'; id: string } | null;

/**
 * The same object as last render when nothing about the node or edge changed. React Flow keeps a node's
 * measured size with the object it was given: a new object for an unchanged step makes it measure again,
 * and a step whose size did not change may then stay hidden (seen with every edit re-creating every step).
 */
function stable<T extends { id: string }>(cache: Map<string, { key: string; item: T }>, item: T): T {
  const key = JSON.stringify(item);
  const hit = cache.get(item.id);
  if (hit && hit.key === key) return hit.item;
  cache.set(item.id, { key, item });
  return item;
}

export interface SequenceBuilderProps {
  def: Definition;
  /** Edits as updaters of the latest definition: two edits in one frame never drop each other. */
  onChange: (edit: (def: Definition) => Definition) => void;
  leadListId: string | null;
  leads: LeadChoice[];
  webhooks: InspectorContext['webhooks'];
  /** Problems the API gave on save (the same compiler), shown until the next check answers. */
  saveProblems?: Problem[];
}

export function SequenceBuilder({ def, onChange, leadListId, leads, webhooks, saveProblems }: SequenceBuilderProps) {
  const [selection, setSelection] = useState<Selection>(null);
  const nodeCache = useRef(new Map<string, { key: string; item: Node<StepData> }>());
  /** Each step's measured size, handed back with its node so a re-created node object keeps it. */
  const [measured, setMeasured] = useState<Record<string, { width: number; height: number }>>({});
  const edgeCache = useRef(new Map<string, { key: string; item: Edge }>());
  const validation = useValidation(def);
  const problems = validation.result?.problems ?? saveProblems ?? [];
  const warnings = validation.result?.warnings ?? [];
  const now = () => Date.now();

  const countFor = (list: Problem[], id: string) => list.filter((p) => p.nodeId === id || p.nodeIds?.includes(id)).length;
  const actions = def.nodes.filter(isAction);
  const nodes: Array<Node<StepData>> = actions.map((n) =>
    stable(nodeCache.current, {
      id: n.id,
      type: 'builderStep',
      position: positionOf(n),
      selected: selection?.type === 'node' && selection.id === n.id,
      data: { node: n, problems: countFor(problems, n.id), warnings: countFor(warnings, n.id), branchSource: decidesBranch(n) },
      ariaLabel: `Step ${n.data?.label ?? n.id}`,
      ...(measured[n.id] ? { measured: measured[n.id] } : {}),
    }),
  );
  const ids = new Set(actions.map((n) => n.id));
  const edges: Edge[] = def.edges
    .filter((e) => ids.has(e.source) && ids.has(e.target))
    .map((e) => {
      const branch = edgeBranch(e);
      const isBranchEdge = decidesBranch(def.nodes.find((n) => n.id === e.source));
      const bad = problems.some((p) => p.edgeId === e.id);
      const delay = readDelay(e);
      const label = [isBranchEdge && branch ? (branch === 'accepted' ? 'accepted' : 'not accepted') : null, isBranchEdge && branch === 'not-accepted' ? (delay ? `within ${formatDelay(delay).replace('after ', '')}` : 'within 10 days') : formatDelay(delay)]
        .filter(Boolean)
        .join(' · ');
      return stable(edgeCache.current, {
        id: e.id,
        source: e.source,
        target: e.target,
        sourceHandle: isBranchEdge && branch ? branch : null,
        label: bad ? `⚠ ${label}` : label,
        selected: selection?.type === 'edge' && selection.id === e.id,
        className: [branch === 'not-accepted' ? 'edge-negative' : branch ? 'edge-positive' : '', bad ? 'edge-problem' : ''].join(' '),
        markerEnd: { type: MarkerType.ArrowClosed },
        labelBgPadding: [6, 3] as [number, number],
        labelBgBorderRadius: 4,
        ariaLabel: `Connection ${e.source} to ${e.target}, ${label}`,
      });
    });

  const onNodesChange = (changes: NodeChange[]) => {
    for (const c of changes) if (c.type === 'select' && c.selected) setSelection({ type: 'node', id: c.id });
    const sized = changes.flatMap((c) => (c.type === 'dimensions' && c.dimensions ? [[c.id, c.dimensions] as const] : []));
    if (sized.length > 0) {
      setMeasured((m) => {
        const changed = sized.filter(([id, d]) => m[id]?.width !== d.width || m[id]?.height !== d.height);
        return changed.length === 0 ? m : { ...m, ...Object.fromEntries(changed) };
      });
    }
    const edits = changes.filter((c) => (c.type === 'position' && c.position) || c.type === 'remove');
    if (edits.length === 0) return;
    onChange((d) => edits.reduce((next, c) => (c.type === 'position' && c.position ? moveNode(next, c.id, c.position) : c.type === 'remove' ? removeNode(next, c.id) : next), d));
  };
  const onEdgesChange = (changes: EdgeChange[]) => {
    for (const c of changes) if (c.type === 'select' && c.selected) setSelection({ type: 'edge', id: c.id });
    const removed = changes.filter((c) => c.type === 'remove').map((c) => c.id);
    if (removed.length) onChange((d) => removed.reduce(removeEdge, d));
  };
  const onConnect = (c: Connection) => {
    const t = now();
    onChange((d) => connect(d, c.source, c.target, { branch: (c.sourceHandle as Branch | null) ?? undefined, now: t }) ?? d);
  };

  const selectedNode = selection?.type === 'node' ? def.nodes.find((n) => n.id === selection.id) : undefined;
  const selectedEdge = selection?.type === 'edge' ? def.edges.find((e) => e.id === selection.id) : undefined;
  const ctx = (id: string, kind: 'node' | 'edge'): InspectorContext => ({
    def,
    problems,
    warnings,
    leadListId,
    leads,
    webhooks,
    onConfig: (key, value) => onChange((d) => setConfig(d, id, key, value)),
    onLabel: (label) => onChange((d) => setLabel(d, id, label)),
    onAdd: (stepKind, branch) => {
      const added = addStep(def, stepKind, { after: id, branch, now: now() });
      onChange((d) => (d === def ? added.def : addStep(d, stepKind, { after: id, branch, now: Number(added.id.slice(added.id.lastIndexOf('-') + 1)) }).def));
      setSelection({ type: 'node', id: added.id });
    },
    onConnect: (target, branch) => {
      const t = now();
      onChange((d) => connect(d, id, target, { branch, now: t }) ?? d);
    },
    onRemove: () => {
      onChange((d) => (kind === 'node' ? removeNode(d, id) : removeEdge(d, id)));
      setSelection(null);
    },
  });
  const addFirst = (stepKind: (typeof STEP_KINDS)[number]['kind']) => {
    const added = addStep(def, stepKind, { now: now() });
    onChange((d) => (d === def ? added.def : addStep(d, stepKind, { now: Number(added.id.slice(added.id.lastIndexOf('-') + 1)) }).def));
    setSelection({ type: 'node', id: added.id });
  };
  const locate = (p: Problem) => {
    if (p.edgeId) setSelection({ type: 'edge', id: p.edgeId });
    else if (p.nodeId) setSelection({ type: 'node', id: p.nodeId });
  };
  const status = validation.error
    ? { cls: 'warn', text: validation.error }
    : !validation.result && !saveProblems
      ? { cls: '', text: 'Checking…' }
      : problems.length > 0
        ? { cls: 'bad', text: `${problems.length} problem${problems.length > 1 ? 's' : ''} to fix before saving` }
        : { cls: 'good', text: warnings.length ? `Valid, ${warnings.length} warning(s)` : 'Valid: ready to save' };

  return (
    <div className="builder" data-testid="sequence-builder">
      <div className="builder-canvas">
        <div className="graph builder-graph" data-testid="builder-graph">
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={onConnect}
            onPaneClick={() => setSelection(null)}
            fitView
            fitViewOptions={{ padding: 0.25, maxZoom: 1 }}
            proOptions={{ hideAttribution: true }}
            minZoom={0.2}
            deleteKeyCode={['Delete', 'Backspace']}
            ariaLabelConfig={{ 'node.a11yDescription.default': 'Press Enter to select this step; the arrow keys move it; Delete removes it.' }}
          >
            <Background gap={20} color="#e5e7eb" />
            <Controls showInteractive={false} />
            <FitOnCountChange count={nodes.length} />
          </ReactFlow>
        </div>
        <p className="muted small builder-help">
          Select a step to edit it and add the next one. Drag from a step's bottom handle to another step to connect them (an invitation has two: not accepted, accepted). Delete removes what is selected.
        </p>
      </div>
      <aside className="builder-side" aria-label="Sequence settings">
        <div className={`check-status ${status.cls}`} role="status" data-testid="validation-status">
          {status.text}
          {validation.checking && validation.result && <span className="muted small"> · checking…</span>}
        </div>
        {selectedNode ? (
          <NodeInspector key={selectedNode.id} node={selectedNode} ctx={ctx(selectedNode.id, 'node')} />
        ) : selectedEdge ? (
          <EdgeInspector key={selectedEdge.id} edge={selectedEdge} ctx={ctx(selectedEdge.id, 'edge')} onDelay={(delay) => onChange((d) => setDelay(d, selectedEdge.id, delay))} />
        ) : (
          <div className="inspector">
            <h3>{actions.length ? 'Add a step' : 'Add the first step'}</h3>
            <div className="kind-buttons" role="group" aria-label="Add a step">
              {STEP_KINDS.map((k) => (
                <button key={k.kind} type="button" className="button small" onClick={() => addFirst(k.kind)}>
                  + {k.short}
                </button>
              ))}
            </div>
            {actions.length > 0 && (
              <>
                <h3>Steps</h3>
                <ul className="outline">
                  {actions.map((n) => (
                    <li key={n.id}>
                      <button type="button" className="link-button" onClick={() => setSelection({ type: 'node', id: n.id })}>
                        {n.data?.label || n.id}
                      </button>{' '}
                      <span className="muted small">{kindOf(n) ? KIND_LABELS[kindOf(n)!] : n.data?.type}</span>
                      {countFor(problems, n.id) > 0 && <span className="problem-badge">{countFor(problems, n.id)}</span>}
                    </li>
                  ))}
                </ul>
              </>
            )}
          </div>
        )}
        {problems.length > 0 && (
          <section className="all-problems" aria-label="Problems">
            <h3>Problems</h3>
            <ul className="problem-list error">
              {problems.map((p, i) => (
                <li key={i} data-code={p.code}>
                  {p.nodeId || p.edgeId ? (
                    <button type="button" className="link-button" onClick={() => locate(p)}>
                      {p.message}
                    </button>
                  ) : (
                    p.message
                  )}
                </li>
              ))}
            </ul>
          </section>
        )}
      </aside>
    </div>
  );
}

export type { Problem };
