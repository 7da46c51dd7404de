import { api, unwrap, type Analytics } from '../api';
import { CampaignControls } from '../components/CampaignControls';
import { Empty, ErrorState, Loading, ProgressBar, StatusBadge, formatNumber, useLoad } from '../components/common';
import { Link } from '../router';

const FINISHED = ['completed', 'failed', 'stopped', 'skipped'];

export function CampaignsPage() {
  const { data, error, loading, reload } = useLoad(async () => {
    const [campaigns, accounts] = await Promise.all([unwrap(api.GET('/api/campaigns', { params: { query: { limit: 100 } } })), unwrap(api.GET('/api/accounts', { params: { query: { limit: 100 } } }))]);
    // Each campaign's counters are O(1) to read, whatever its size.
    const analytics = await Promise.all(
      campaigns.items.map((c) => unwrap(api.GET('/api/campaigns/{id}/analytics', { params: { path: { id: c.id } } })).catch(() => undefined)),
    );
    const senders = new Map(accounts.items.map((a) => [a.id, a.displayName ?? a.providerAccountId]));
    return campaigns.items.map((c, i) => ({ campaign: c, analytics: analytics[i], sender: c.senderAccountId ? (senders.get(c.senderAccountId) ?? '—') : '—' }));
  }, []);

  return (
    <>
      <div className="page-head">
        <div>
          <h1>Campaigns</h1>
          <p className="muted">Every campaign, where its leads are, and its controls.</p>
        </div>
        <Link to="/campaigns/new" className="button primary">
          New campaign
        </Link>
      </div>
      {error !== undefined && <ErrorState error={error} retry={() => void reload()} />}
      {loading && !data && <Loading what="campaigns" />}
      {data && data.length === 0 && (
        <Empty title="No campaigns yet">
          <p>Upload a lead list, pick a sender and a sequence: the first campaign takes a minute.</p>
          <Link to="/campaigns/new" className="button primary">
            Create a campaign
          </Link>
        </Empty>
      )}
      {data && data.length > 0 && (
        <div className="card table-card">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Campaign</th>
                <th scope="col">Status</th>
                <th scope="col">Progress</th>
                <th scope="col">Leads by state</th>
                <th scope="col">Sender</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.map(({ campaign, analytics, sender }) => (
                <tr key={campaign.id}>
                  <td>
                    <Link to={`/campaigns/${campaign.id}`} className="strong-link">
                      {campaign.name}
                    </Link>
                    {campaign.statusReason && <div className="muted small">{campaign.statusReason}</div>}
                  </td>
                  <td>
                    <StatusBadge status={campaign.status} />
                  </td>
                  <td className="progress-cell">
                    <Progress analytics={analytics} name={campaign.name} />
                  </td>
                  <td>
                    <LeadStates analytics={analytics} />
                  </td>
                  <td>{sender}</td>
                  <td>
                    <CampaignControls id={campaign.id} name={campaign.name} status={campaign.status} onChanged={() => void reload()} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function Progress({ analytics, name }: { analytics: Analytics | undefined; name: string }) {
  if (!analytics) return <span className="muted">—</span>;
  const finished = FINISHED.reduce((n, s) => n + (analytics.leads.byStatus[s] ?? 0), 0);
  return (
    <>
      <ProgressBar value={finished} max={analytics.leads.total} label={`${name}: leads finished`} />
      <div className="muted small">
        {formatNumber(finished)} of {formatNumber(analytics.leads.total)} finished
      </div>
    </>
  );
}

export function LeadStates({ analytics }: { analytics: Analytics | undefined }) {
  if (!analytics) return <span className="muted">—</span>;
  const entries = Object.entries(analytics.leads.byStatus).filter(([, n]) => n > 0);
  if (entries.length === 0) return <span className="muted">not started</span>;
  return (
    <div className="chips">
      {entries.map(([state, n]) => (
        <span key={state} className={`chip chip-${state}`}>
          {state.replace('_', ' ')} <b>{formatNumber(n)}</b>
        </span>
      ))}
    </div>
  );
}
