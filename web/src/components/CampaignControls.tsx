import { useState } from 'react';
import { api, errorMessage, unwrap } from '../api';
import { Modal } from './common';

/** Start / pause / resume / stop, each as the status allows; stop asks for confirmation and a reason. */
export function CampaignControls({ id, name, status, onChanged }: { id: string; name: string; status: string; onChanged: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [stopping, setStopping] = useState(false);
  const [reason, setReason] = useState('');

  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      onChanged();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const organizationId = sessionStorage.getItem('clento.organizationId') ?? '';
  const start = () => run(() => unwrap(api.POST('/api/campaigns/start', { body: { campaignId: id, organizationId } })));
  const pause = () => run(() => unwrap(api.POST('/api/campaigns/pause', { body: { campaignId: id, reason: 'paused from the dashboard' } })));
  const resume = () => run(() => unwrap(api.POST('/api/campaigns/resume', { body: { campaignId: id } })));
  const stop = () =>
    run(async () => {
      await unwrap(api.POST('/api/campaigns/stop', { body: { campaignId: id, ...(reason.trim() ? { reason: reason.trim() } : {}) } }));
      setStopping(false);
      setReason('');
    });

  const canStart = ['draft', 'stopped', 'completed', 'failed'].includes(status);
  const running = status === 'in_progress' || status === 'scheduled';
  return (
    <div className="controls">
      {canStart && (
        <button type="button" className="button primary small" disabled={busy} onClick={() => void start()} aria-label={`Start ${name}`}>
          Start
        </button>
      )}
      {running && (
        <button type="button" className="button small" disabled={busy} onClick={() => void pause()} aria-label={`Pause ${name}`}>
          Pause
        </button>
      )}
      {status === 'paused' && (
        <button type="button" className="button primary small" disabled={busy} onClick={() => void resume()} aria-label={`Resume ${name}`}>
          Resume
        </button>
      )}
      {(running || status === 'paused') && (
        <button type="button" className="button danger small" disabled={busy} onClick={() => setStopping(true)} aria-label={`Stop ${name}`}>
          Stop
        </button>
      )}
      {error && (
        <span className="inline-error" role="alert">
          {error}
        </span>
      )}
      {stopping && (
        <Modal title={`Stop “${name}”?`} onClose={() => setStopping(false)}>
          <p>Every lead ends where it is. Starting the campaign again later skips the steps already done.</p>
          <label htmlFor={`stop-reason-${id}`}>Reason (kept with the campaign)</label>
          <input id={`stop-reason-${id}`} value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} placeholder="e.g. wrong audience" />
          <div className="modal-actions">
            <button type="button" className="button" onClick={() => setStopping(false)}>
              Cancel
            </button>
            <button type="button" className="button danger" disabled={busy} onClick={() => void stop()}>
              Stop campaign
            </button>
          </div>
        </Modal>
      )}
    </div>
  );
}
