import { useId, useRef, useState } from 'react';
import { KIND_LABELS } from '../components/common';
import { useTemplatePreview, type Problem } from './live-checks';
import {
  DELAY_UNITS,
  STEP_KINDS,
  TEMPLATE_VARIABLES,
  connectableTargets,
  decidesBranch,
  edgeBranch,
  formatDelay,
  kindOf,
  readDelay,
  textKey,
  type Branch,
  type Definition,
  type DelayUnit,
  type EditorEdge,
  type EditorNode,
  type StepKind,
} from './model';

/** The side panel of the builder: the selected step's settings (each kind its own fields) or the selected edge's delay. */

export interface LeadChoice {
  id: string;
  name: string;
}

export interface InspectorContext {
  def: Definition;
  problems: Problem[];
  warnings: Problem[];
  leadListId: string | null;
  leads: LeadChoice[];
  webhooks: Array<{ id: string; name: string | null; url: string }>;
  onConfig: (key: string, value: unknown) => void;
  onLabel: (label: string) => void;
  onAdd: (kind: StepKind, branch?: Branch) => void;
  onConnect: (target: string, branch?: Branch) => void;
  onRemove: () => void;
}

const fieldProblems = (problems: Problem[], key: string) => problems.filter((p) => p.path?.endsWith(`.data.config.${key}`));

function ProblemList({ problems, kind = 'error' }: { problems: Problem[]; kind?: 'error' | 'warning' }) {
  if (problems.length === 0) return null;
  return (
    <ul className={`problem-list ${kind}`}>
      {problems.map((p, i) => (
        <li key={i} data-code={p.code}>
          {/* On the step's own panel the compiler's 'step "X" (id): ' prefix says nothing new. */}
          {p.message.replace(/^step ".*?" \([^)]*\): /, '')}
        </li>
      ))}
    </ul>
  );
}

function NumberField({ label, value, onChange, problems, max, hint }: { label: string; value: unknown; onChange: (v: unknown) => void; problems: Problem[]; max?: number; hint?: string }) {
  const id = useId();
  const shown = typeof value === 'number' || typeof value === 'string' ? String(value) : '';
  return (
    <div className={`field${problems.length ? ' has-error' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        min={1}
        max={max}
        value={shown}
        aria-invalid={problems.length > 0}
        onChange={(e) => {
          const raw = e.target.value;
          // Numbers stay numbers and numeric strings stay strings (the editor wrote both).
          onChange(raw === '' ? undefined : typeof value === 'string' ? raw : Number(raw));
        }}
      />
      {hint && <span className="muted small">{hint}</span>}
      <ProblemList problems={problems} />
    </div>
  );
}

function TemplateField(props: { label: string; value: string; onChange: (v: string) => void; problems: Problem[]; limit?: number; ctx: InspectorContext; stepKind: StepKind; hint?: string; rows?: number }) {
  const id = useId();
  const area = useRef<HTMLTextAreaElement>(null);
  const [leadId, setLeadId] = useState<string | null>(null);
  const { preview, error, stale } = useTemplatePreview({ template: props.value, leadListId: props.ctx.leadListId, leadId, stepKind: props.stepKind });
  const insert = (variable: string) => {
    const el = area.current;
    const token = `[${variable}]`;
    const start = el?.selectionStart ?? props.value.length;
    const end = el?.selectionEnd ?? props.value.length;
    props.onChange(props.value.slice(0, start) + token + props.value.slice(end));
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(start + token.length, start + token.length);
    });
  };
  return (
    <div className={`field template-field${props.problems.length ? ' has-error' : ''}`}>
      <label htmlFor={id}>{props.label}</label>
      <textarea id={id} ref={area} rows={props.rows ?? 4} value={props.value} aria-invalid={props.problems.length > 0} onChange={(e) => props.onChange(e.target.value)} />
      <div className="template-tools">
        <span className="muted small" id={`${id}-vars`}>
          Insert
        </span>
        {TEMPLATE_VARIABLES.map((v) => (
          <button key={v} type="button" className="var-chip" aria-describedby={`${id}-vars`} onClick={() => insert(v)}>
            [{v}]
          </button>
        ))}
        {props.limit !== undefined && (
          <span className={`counter${props.value.length > props.limit ? ' over' : ''}`}>
            {props.value.length}/{props.limit}
          </span>
        )}
      </div>
      <span className="muted small">{props.hint ?? 'A fallback after a bar: [first_name|there]. Without one, a lead missing the value is skipped.'}</span>
      <ProblemList problems={props.problems} />
      <div className="preview" aria-live="polite" data-testid="template-preview" data-stale={stale}>
        <div className="preview-head">
          <span className="preview-title">Preview</span>
          {props.ctx.leads.length > 0 && (
            <select aria-label="Preview for lead" value={leadId ?? preview?.lead?.id ?? ''} onChange={(e) => setLeadId(e.target.value || null)}>
              {props.ctx.leads.map((l) => (
                <option key={l.id} value={l.id}>
                  {l.name}
                </option>
              ))}
            </select>
          )}
        </div>
        {!props.ctx.leadListId ? (
          <p className="muted small">No lead list: nothing to preview.</p>
        ) : error ? (
          <p className="inline-error">{error}</p>
        ) : !preview ? (
          <p className="muted small">Rendering…</p>
        ) : (
          <>
            {preview.text !== null && <p className="preview-text">{preview.text || <span className="muted">(empty)</span>}</p>}
            {preview.problem && preview.problem.code !== 'unknown_template_variable' && <p className={preview.problem.code === 'no_leads' ? 'muted small' : 'preview-problem'}>{preview.problem.message}</p>}
            {preview.lead && preview.text !== null && (
              <p className="muted small">
                As {preview.lead.name ?? 'this lead'} would receive it · {preview.length} characters
              </p>
            )}
          </>
        )}
      </div>
    </div>
  );
}

function AddNext({ ctx, node }: { ctx: InspectorContext; node: EditorNode }) {
  const id = useId();
  const [target, setTarget] = useState('');
  const [branch, setBranch] = useState<Branch>('accepted');
  const branches = decidesBranch(node);
  const targets = connectableTargets(ctx.def, node.id);
  const taken = new Set(ctx.def.edges.filter((e) => e.source === node.id).map((e) => edgeBranch(e)));
  const menu = (b?: Branch) => (
    <div className="add-next" key={b ?? 'next'}>
      <span className={`add-next-title ${b ?? ''}`}>{b === 'accepted' ? 'If accepted' : b === 'not-accepted' ? 'If not accepted' : 'Then'}</span>
      <div className="kind-buttons" role="group" aria-label={b === 'accepted' ? 'Add a step if accepted' : b === 'not-accepted' ? 'Add a step if not accepted' : 'Add the next step'}>
        {STEP_KINDS.map((k) => (
          <button key={k.kind} type="button" className="button small" disabled={b !== undefined && taken.has(b)} onClick={() => ctx.onAdd(k.kind, b)}>
            + {k.short}
          </button>
        ))}
      </div>
      {b && taken.has(b) && <span className="muted small">This branch has its first step; add to that step.</span>}
    </div>
  );
  return (
    <section className="inspector-section" aria-label="Next steps">
      <h3>Next</h3>
      {branches ? [menu('accepted'), menu('not-accepted')] : menu()}
      {targets.length > 0 && (
        <div className="connect-row">
          <label htmlFor={id} className="small">
            Or connect to an existing step
          </label>
          <div className="inline">
            <select id={id} value={target} onChange={(e) => setTarget(e.target.value)}>
              <option value="">Choose a step…</option>
              {targets.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.data?.label ?? t.id}
                </option>
              ))}
            </select>
            {branches && (
              <select aria-label="Branch" value={branch} onChange={(e) => setBranch(e.target.value as Branch)}>
                <option value="accepted">if accepted</option>
                <option value="not-accepted">if not accepted</option>
              </select>
            )}
            <button
              type="button"
              className="button small"
              disabled={!target}
              onClick={() => {
                ctx.onConnect(target, branches ? branch : undefined);
                setTarget('');
              }}
            >
              Connect
            </button>
          </div>
        </div>
      )}
    </section>
  );
}

export function NodeInspector({ node, ctx }: { node: EditorNode; ctx: InspectorContext }) {
  const kind = kindOf(node);
  const config = node.data?.config ?? {};
  const labelId = useId();
  const mine = ctx.problems.filter((p) => p.nodeId === node.id || p.nodeIds?.includes(node.id));
  const general = mine.filter((p) => !p.path?.includes('.data.config.'));
  const text = (key: string) => {
    const v = config[key];
    return typeof v === 'string' ? v : '';
  };
  const template = (label: string, keys: readonly string[], extra: { limit?: number; hint?: string; rows?: number } = {}) => {
    const key = textKey(config, keys);
    return <TemplateField label={label} value={text(key)} onChange={(v) => ctx.onConfig(key, v)} problems={fieldProblems(mine, key)} ctx={ctx} stepKind={kind!} {...extra} />;
  };
  const number = (label: string, key: string, opts: { max?: number; hint?: string } = {}) => (
    <NumberField label={label} value={config[key]} onChange={(v) => ctx.onConfig(key, v)} problems={fieldProblems(mine, key)} {...opts} />
  );
  return (
    <div className="inspector" data-testid="node-inspector" data-node-id={node.id}>
      <div className="inspector-head">
        <span className="step-kind">{kind ? KIND_LABELS[kind] : (node.data?.type ?? 'Unknown step')}</span>
        {node.data?.pathType && <span className={`branch-tag ${node.data.pathType}`}>{node.data.pathType === 'accepted' ? 'accepted branch' : 'not-accepted branch'}</span>}
      </div>
      <div className="field">
        <label htmlFor={labelId}>Name</label>
        <input id={labelId} value={node.data?.label ?? ''} onChange={(e) => ctx.onLabel(e.target.value)} />
      </div>
      <ProblemList problems={general} />
      {kind === 'profile_visit' && <p className="muted small">Opens the lead's profile (they see a visit) and reads their name, company and headline for later templates.</p>}
      {kind === 'like_post' && (
        <>
          {number('Posts to like', 'numberOfPosts', { max: 10, hint: 'At most 10' })}
          {number('From the last … days', 'recentPostDays')}
        </>
      )}
      {kind === 'comment_post' && (
        <>
          {template('Comment', ['customComment'])}
          {number('Posts to comment on', 'postCount', { max: 10 })}
          {number('From the last … days', 'recentPostWithin')}
        </>
      )}
      {kind === 'send_connection_request' && (
        <>
          {template('Invitation note (optional)', ['message', 'customMessage'], { limit: 300, hint: 'Empty: the invitation goes without a note. A fallback after a bar: [first_name|there].' })}
          <div className="field">
            <label htmlFor={`${labelId}-budget`}>When the account's monthly notes are used up</label>
            <select id={`${labelId}-budget`} value={typeof config.noteOverBudget === 'string' ? config.noteOverBudget : 'drop'} onChange={(e) => ctx.onConfig('noteOverBudget', e.target.value === 'drop' && config.noteOverBudget === undefined ? undefined : e.target.value)}>
              <option value="drop">Send without the note</option>
              <option value="wait">Wait until a note is available</option>
            </select>
          </div>
          <p className="muted small">The not-accepted connection's delay is how long to wait for acceptance.</p>
        </>
      )}
      {kind === 'send_followup' && template('Message', ['message', 'customMessage'], { rows: 6 })}
      {kind === 'send_inmail' && (
        <>
          {template('Subject', ['subject'], { rows: 1 })}
          {template('Message', ['message', 'customMessage'], { rows: 6 })}
        </>
      )}
      {kind === 'withdraw_request' && <p className="muted small">Withdraws the invitation sent earlier to this lead.</p>}
      {kind === 'webhook' && (
        <div className={`field${fieldProblems(mine, 'webhookId').length ? ' has-error' : ''}`}>
          <label htmlFor={`${labelId}-hook`}>Endpoint</label>
          <select id={`${labelId}-hook`} value={typeof config.webhookId === 'string' ? config.webhookId : ''} onChange={(e) => ctx.onConfig('webhookId', e.target.value || undefined)}>
            <option value="">Every endpoint of the organization</option>
            {typeof config.webhookId === 'string' && config.webhookId && !ctx.webhooks.some((w) => w.id === config.webhookId) && <option value={config.webhookId}>{config.webhookId} (not found)</option>}
            {ctx.webhooks.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name ?? w.url}
              </option>
            ))}
          </select>
          <ProblemList problems={fieldProblems(mine, 'webhookId')} />
        </div>
      )}
      <AddNext ctx={ctx} node={node} />
      <div className="inspector-foot">
        <button type="button" className="button danger small" onClick={ctx.onRemove}>
          Remove step
        </button>
      </div>
    </div>
  );
}

export function EdgeInspector({ edge, ctx, onDelay }: { edge: EditorEdge; ctx: InspectorContext; onDelay: (d: { amount: number; unit: DelayUnit } | null) => void }) {
  const id = useId();
  const delay = readDelay(edge);
  const source = ctx.def.nodes.find((n) => n.id === edge.source);
  const target = ctx.def.nodes.find((n) => n.id === edge.target);
  const branch = edgeBranch(edge);
  const isWindow = decidesBranch(source) && branch === 'not-accepted';
  const mine = ctx.problems.filter((p) => p.edgeId === edge.id);
  const warnings = ctx.warnings.filter((p) => p.edgeId === edge.id);
  const [amount, setAmount] = useState(delay ? String(delay.amount) : '');
  const [unit, setUnit] = useState<DelayUnit>(delay?.unit ?? 'd');
  const apply = (a: string, u: DelayUnit) => {
    setAmount(a);
    setUnit(u);
    const n = Number(a);
    onDelay(a.trim() === '' || !Number.isFinite(n) || n <= 0 ? null : { amount: n, unit: u });
  };
  return (
    <div className="inspector" data-testid="edge-inspector" data-edge-id={edge.id}>
      <div className="inspector-head">
        <span className="step-kind">Connection</span>
        {branch && <span className={`branch-tag ${branch}`}>{branch === 'accepted' ? 'if accepted' : 'if not accepted'}</span>}
      </div>
      <p>
        <strong>{source?.data?.label ?? edge.source}</strong> → <strong>{target?.data?.label ?? edge.target}</strong>
      </p>
      <fieldset className="delay-fields">
        <legend>{isWindow ? 'Wait for acceptance' : 'Wait before the next step'}</legend>
        <div className="inline">
          <input id={id} type="number" min={0} aria-label="Delay" placeholder="0" value={amount} onChange={(e) => apply(e.target.value, unit)} />
          <select aria-label="Delay unit" value={unit} onChange={(e) => apply(amount, e.target.value as DelayUnit)}>
            {DELAY_UNITS.map((u) => (
              <option key={u.unit} value={u.unit}>
                {u.label}
              </option>
            ))}
          </select>
        </div>
        <span className="muted small">
          {isWindow
            ? delay
              ? `If the invitation is not accepted within ${formatDelay(delay).replace('after ', '')}, this branch runs.`
              : 'No window set: 10 days.'
            : `The next step runs ${formatDelay(delay)}.`}
        </span>
      </fieldset>
      <ProblemList problems={mine} />
      <ProblemList problems={warnings} kind="warning" />
      <div className="inspector-foot">
        <button type="button" className="button danger small" onClick={ctx.onRemove}>
          Remove connection
        </button>
      </div>
    </div>
  );
}
