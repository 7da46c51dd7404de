import { useEffect, useRef, useState } from 'react';
import { api, unwrap, type Analytics, type Execution, type ExecutionStatus, type WaitReason } from '../api';
import { ErrorState, Loading, Modal, StatusBadge, WAIT_LABELS, formatDate, useLoad } from './common';

const STATUSES: ExecutionStatus[] = ['pending', 'in_progress', 'completed', 'failed', 'stopped', 'skipped'];
const REASONS: WaitReason[] = ['edge_delay', 'acceptance_window', 'quota', 'rate_limited', 'retry_wait', 'paused'];
const PAGE = 25;

/** The campaign's leads, filtered and paginated by the server (cursor pages: fast at 100,000 leads). */
export function LeadsTable({ campaignId, analytics, version }: { campaignId: string; analytics: Analytics | undefined; version: number }) {
  const [status, setStatus] = useState<ExecutionStatus | ''>('');
  const [stepId, setStepId] = useState('');
  const [waitReason, setWaitReason] = useState<WaitReason | ''>('');
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [open, setOpen] = useState<Execution | null>(null);
  const cursor = cursors[cursors.length - 1];

  useEffect(() => {
    const t = setTimeout(() => setQ(search.trim()), 250);
    return () => clearTimeout(t);
  }, [search]);
  useEffect(() => setCursors([undefined]), [status, stepId, waitReason, q]);

  const { data, error, loading, reload } = useLoad(
    () =>
      unwrap(
        api.GET('/api/campaigns/{id}/executions', {
          params: {
            path: { id: campaignId },
            query: { limit: PAGE, ...(cursor ? { cursor } : {}), ...(status ? { status } : {}), ...(stepId ? { stepId } : {}), ...(waitReason ? { waitReason } : {}), ...(q ? { q } : {}) },
          },
        }),
      ),
    [campaignId, cursor, status, stepId, waitReason, q],
  );
  // Live: the first page follows the counters (one page read per change, not one per lead). The
  // first version seen is the one the page was loaded at: no second read for it.
  const seenVersion = useRef<number | null>(null);
  useEffect(() => {
    if (version === 0) return;
    if (seenVersion.current === null || version <= seenVersion.current) {
      seenVersion.current ??= version;
      return;
    }
    seenVersion.current = version;
    if (cursors.length === 1) void reload();
  }, [version, cursors.length, reload]);

  const stepLabel = (id: string | null) => (id ? (analytics?.nodes.find((n) => n.id === id)?.label ?? id) : '—');
  return (
    <section className="card" aria-labelledby="leads-title">
      <div className="section-head">
        <h2 id="leads-title">Leads</h2>
        <div className="filters">
          <label>
            <span className="visually-hidden">Search by name</span>
            <input type="search" placeholder="Search by name" value={search} onChange={(e) => setSearch(e.target.value)} />
          </label>
          <label>
            <span className="visually-hidden">State</span>
            <select value={status} onChange={(e) => setStatus(e.target.value as ExecutionStatus | '')} aria-label="Filter by state">
              <option value="">All states</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s.replace('_', ' ')}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span className="visually-hidden">Step</span>
            <select value={stepId} onChange={(e) => setStepId(e.target.value)} aria-label="Filter by step">
              <option value="">All steps</option>
              {(analytics?.nodes ?? []).map((n) => (
                <option key={n.id} value={n.id}>
                  {n.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span className="visually-hidden">Wait reason</span>
            <select value={waitReason} onChange={(e) => setWaitReason(e.target.value as WaitReason | '')} aria-label="Filter by wait reason">
              <option value="">Any wait</option>
              {REASONS.map((r) => (
                <option key={r} value={r}>
                  waits for {WAIT_LABELS[r]}
                </option>
              ))}
            </select>
          </label>
        </div>
      </div>
      {error !== undefined && <ErrorState error={error} retry={() => void reload()} />}
      {loading && !data && <Loading what="leads" />}
      {data && data.items.length === 0 && <p className="muted pad">No lead matches these filters.</p>}
      {data && data.items.length > 0 && (
        <table className="table" data-testid="leads-table">
          <thead>
            <tr>
              <th scope="col">Lead</th>
              <th scope="col">State</th>
              <th scope="col">Current step</th>
              <th scope="col">Waiting</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((e) => (
              <tr key={e.id} className="clickable" onClick={() => setOpen(e)}>
                <td>
                  <button type="button" className="link-button" onClick={() => setOpen(e)}>
                    {e.lead.fullName ?? e.lead.linkedinUrl ?? e.lead.id}
                  </button>
                </td>
                <td>
                  <StatusBadge status={e.status} />
                </td>
                <td>{stepLabel(e.currentStepId)}</td>
                <td>{e.wait ? `waits for ${WAIT_LABELS[e.wait.reason] ?? e.wait.reason}${e.wait.until ? ` until ${formatDate(e.wait.until)}` : ''}` : <span className="muted">—</span>}</td>
                <td className="muted">{formatDate(e.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="pager">
        <button type="button" className="button small" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous
        </button>
        <span className="muted">Page {cursors.length}</span>
        <button type="button" className="button small" disabled={!data?.nextCursor} onClick={() => data?.nextCursor && setCursors([...cursors, data.nextCursor])}>
          Next
        </button>
      </div>
      {open && <Timeline campaignId={campaignId} execution={open} stepLabel={stepLabel} onClose={() => setOpen(null)} />}
    </section>
  );
}

const ENTRY_LABELS: Record<string, string> = {
  lead_started: 'Started',
  step_started: 'Step started',
  step_completed: 'Step done',
  step_skipped: 'Step skipped',
  step_failed: 'Step failed',
  wait: 'Waits (delay)',
  quota_wait: 'Waits for the quota',
  rate_limited: 'Rate limited by LinkedIn',
  retry_wait: 'Waits to retry',
  acceptance_wait: 'Waits for acceptance',
  branch: 'Branch decided',
  paused: 'Paused',
  resumed: 'Resumed',
  reply_received: 'Replied',
  stopped: 'Stopped',
  version_moved: 'Moved to the new sequence version',
  version_kept: 'Kept its sequence version',
  lead_completed: 'Completed',
  lead_failed: 'Failed',
};

function Timeline({ campaignId, execution, stepLabel, onClose }: { campaignId: string; execution: Execution; stepLabel: (id: string | null) => string; onClose: () => void }) {
  const { data, error, loading } = useLoad(
    () => unwrap(api.GET('/api/campaigns/{id}/executions/{leadId}', { params: { path: { id: campaignId, leadId: execution.lead.id } } })),
    [campaignId, execution.lead.id],
  );
  return (
    <Modal title={`Timeline: ${execution.lead.fullName ?? execution.lead.id}`} onClose={onClose}>
      {loading && <Loading what="timeline" />}
      {error !== undefined && <ErrorState error={error} />}
      {data && (
        <ol className="timeline" data-testid="timeline">
          {data.timeline.map((t, i) => (
            <li key={i} className={`tl-${t.type}`}>
                      <time dateTime={t.at}>{formatTime(t.at)}</time>
              <div>
                <strong>{ENTRY_LABELS[t.type] ?? t.type}</strong>
                {t.stepId && <span> · {stepLabel(t.stepId)}</span>}
                {t.branch && <span> · {t.branch}</span>}
                {t.reason && <span className="muted"> · {t.reason}</span>}
                {t.until && <span className="muted"> · until {formatDate(t.until)}</span>}
                {(t.type === 'version_moved' || t.type === 'version_kept') && t.detail && (
                  <span className="muted">
                    {' '}· v{String(t.detail.fromVersion)} → v{String(t.detail.toVersion)}
                  </span>
                )}
              </div>
            </li>
          ))}
        </ol>
      )}
      <div className="modal-actions">
        <button type="button" className="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Modal>
  );
}

function formatTime(iso: string): string {
  return new Date(iso).toLocaleString('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}
