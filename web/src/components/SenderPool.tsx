import { useState } from 'react';
import { api, errorMessage, unwrap, type Campaign } from '../api';
import { ErrorState, Loading, formatNumber, formatPercent, useLoad } from './common';

/**
 * The campaign's sender pool: each sender's leads, invitations, acceptance and reply rates (GET
 * /api/campaigns/:id/senders), and adding or removing senders, also while the campaign runs. A removed
 * sender stays listed: the leads it already contacted finish on it. `progress` changes with the campaign's
 * counters (statuses and rates) and asks for fresh figures.
 */
export function SenderPool({ campaign, onChanged, progress }: { campaign: Campaign; onChanged: () => void; progress: string | null }) {
  const senders = useLoad(() => unwrap(api.GET('/api/campaigns/{id}/senders', { params: { path: { id: campaign.id } } })), [campaign.id, campaign.updatedAt, progress]);
  const accounts = useLoad(() => unwrap(api.GET('/api/accounts', { params: { query: { limit: 100 } } })), []);
  const [adding, setAdding] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  const change = async (call: () => Promise<unknown>) => {
    setBusy(true);
    setMessage(null);
    try {
      await call();
      setAdding('');
      onChanged();
      await senders.reload();
    } catch (err) {
      setMessage(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const add = () => change(() => unwrap(api.POST('/api/campaigns/{id}/senders', { params: { path: { id: campaign.id } }, body: { accountId: adding } })));
  const remove = (accountId: string) =>
    change(() => unwrap(api.DELETE('/api/campaigns/{id}/senders/{accountId}', { params: { path: { id: campaign.id, accountId } } })));

  if (senders.error !== undefined) return <ErrorState error={senders.error} retry={() => void senders.reload()} />;
  if (!senders.data) return <Loading what="the senders" />;
  const rows = senders.data.items;
  const activeCount = rows.filter((s) => s.active).length;
  const inPool = new Set(rows.filter((s) => s.active).map((s) => s.accountId));
  const candidates = (accounts.data?.items ?? []).filter((a) => !inPool.has(a.id) && a.status === 'connected');
  const finished = campaign.status === 'completed' || campaign.status === 'stopped' || campaign.status === 'failed';

  return (
    <div className="sender-pool">
      {message && (
        <p className="form-error" role="alert">
          {message}
        </p>
      )}
      <table className="table" data-testid="sender-pool">
        <thead>
          <tr>
            <th scope="col">Sender</th>
            <th scope="col">Leads</th>
            <th scope="col">Invited</th>
            <th scope="col">Acceptance</th>
            <th scope="col">Reply rate</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((s) => {
            const name = s.displayName ?? s.accountId;
            return (
              <tr key={s.accountId} className={s.active ? undefined : 'removed'}>
                <td>
                  <strong>{name}</strong>
                  <div className="muted small">
                    {s.accountStatus}
                    {!s.active && ' · removed: its contacted leads finish on it'}
                  </div>
                </td>
                <td>{formatNumber(s.leads.total)}</td>
                <td>{formatNumber(s.invited)}</td>
                <td title={`${formatNumber(s.accepted)} of ${formatNumber(s.invited)} invited`}>{formatPercent(s.acceptanceRate)}</td>
                <td title={`${formatNumber(s.replied)} of ${formatNumber(s.contacted)} contacted`}>{formatPercent(s.replyRate)}</td>
                <td className="actions">
                  {s.active && !finished && (
                    <button
                      type="button"
                      className="button small danger"
                      disabled={busy || activeCount <= 1}
                      title={activeCount <= 1 ? 'The last sender: add another before removing it' : undefined}
                      onClick={() => void remove(s.accountId)}
                      aria-label={`Remove ${name} from the pool`}
                    >
                      Remove
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {!finished && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void add();
          }}
        >
          <label htmlFor="add-sender">Add a sender</label>
          <select id="add-sender" value={adding} onChange={(e) => setAdding(e.target.value)} disabled={candidates.length === 0}>
            <option value="">{candidates.length === 0 ? 'No other connected account' : 'Choose an account…'}</option>
            {candidates.map((a) => (
              <option key={a.id} value={a.id}>
                {a.displayName ?? a.providerAccountId}
              </option>
            ))}
          </select>
          <button type="submit" className="button small" disabled={busy || !adding}>
            Add
          </button>
          <span className="muted small">Leads that start from now on may get it; leads keep the sender that contacted them.</span>
        </form>
      )}
    </div>
  );
}
