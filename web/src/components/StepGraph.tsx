import { useMemo } from 'react';
import { Background, Controls, Handle, MarkerType, Position, ReactFlow, type Edge, type Node, type NodeProps } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import type { Analytics } from '../api';
import { KIND_LABELS, formatNumber } from './common';

/** The campaign's step graph at the editor's saved positions, with live counts on every node and edge. */

interface EditorNode {
  id: string;
  type?: string;
  position?: { x: number; y: number };
  data?: { type?: string; label?: string };
}
interface EditorEdge {
  id: string;
  source: string;
  target: string;
  data?: { delay?: string; isPositive?: boolean; isConditionalPath?: boolean };
}

type StepData = { label: string; kind: string; counts: Analytics['nodes'][number] | undefined };

function StepNode({ id, data }: NodeProps<Node<StepData>>) {
  const c = data.counts;
  const cell = (label: string, n: number | undefined, cls: string) => (
    <div className={`count ${cls}`}>
      <b>{formatNumber(n ?? 0)}</b>
      <span>{label}</span>
    </div>
  );
  return (
    <div className="step-node" data-testid={`step-${id}`} data-done={c?.done ?? 0} data-reached={c?.reached ?? 0}>
      <Handle type="target" position={Position.Top} />
      <div className="step-kind">{KIND_LABELS[data.kind] ?? data.kind}</div>
      <div className="step-label">{data.label}</div>
      <div className="step-counts">
        {cell('running', c?.running, 'running')}
        {cell('waiting', c?.waiting, 'waiting')}
        {cell('done', c?.done, 'done')}
        {cell('skipped', c?.skipped, 'skipped')}
        {cell('failed', c?.failed, 'failed')}
      </div>
      <Handle type="source" position={Position.Bottom} />
    </div>
  );
}

const nodeTypes = { step: StepNode };

export function StepGraph({ definition, analytics }: { definition: unknown; analytics: Analytics | undefined }) {
  const def = (definition ?? {}) as { nodes?: EditorNode[]; edges?: EditorEdge[] };
  const counts = useMemo(() => new Map((analytics?.nodes ?? []).map((n) => [n.id, n])), [analytics]);
  const edgeCounts = useMemo(() => new Map((analytics?.edges ?? []).map((e) => [e.id, e.leads])), [analytics]);
  const steps = (def.nodes ?? []).filter((n) => n.type !== 'addStep');
  const ids = new Set(steps.map((n) => n.id));
  const nodes: Array<Node<StepData>> = steps.map((n) => ({
    id: n.id,
    type: 'step',
    position: { x: (n.position?.x ?? 0) * 1.25, y: (n.position?.y ?? 0) * 1.25 },
    data: { label: n.data?.label ?? n.id, kind: counts.get(n.id)?.kind ?? n.data?.type ?? '', counts: counts.get(n.id) },
    draggable: false,
    connectable: false,
  }));
  const edges: Edge[] = (def.edges ?? [])
    .filter((e) => ids.has(e.source) && ids.has(e.target))
    .map((e) => {
      const branch = e.data?.isConditionalPath ? (e.data.isPositive ? 'accepted' : 'not accepted') : null;
      const leads = edgeCounts.get(e.id) ?? 0;
      const label = [branch, e.data?.delay ? `after ${e.data.delay}` : null, `${formatNumber(leads)} leads`].filter(Boolean).join(' · ');
      return {
        id: e.id,
        source: e.source,
        target: e.target,
        label,
        animated: leads > 0 && analytics !== undefined,
        className: branch === 'not accepted' ? 'edge-negative' : branch ? 'edge-positive' : '',
        markerEnd: { type: MarkerType.ArrowClosed },
        labelBgPadding: [6, 3] as [number, number],
        labelBgBorderRadius: 4,
      };
    });
  return (
    <div className="graph" data-testid="step-graph">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        fitView
        fitViewOptions={{ padding: 0.2 }}
        nodesDraggable={false}
        nodesConnectable={false}
        proOptions={{ hideAttribution: true }}
        minZoom={0.2}
      >
        <Background gap={20} color="#e5e7eb" />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
