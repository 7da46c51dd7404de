import { useEffect, useRef, useState } from 'react';
import { api, unwrap, type Analytics, type Campaign } from '../api';
import { ActivityChart } from '../components/ActivityChart';
import { CampaignControls } from '../components/CampaignControls';
import { DefinitionVersions } from '../components/DefinitionVersions';
import { ForecastPanel } from '../components/Forecast';
import { LaunchSettings } from '../components/LaunchSettings';
import { LeadsTable } from '../components/LeadsTable';
import { SenderPool } from '../components/SenderPool';
import { StepGraph } from '../components/StepGraph';
import { ErrorState, Loading, StatusBadge, formatDuration, formatNumber, formatPercent, useLoad } from '../components/common';
import { LeadStates } from './Campaigns';
import { Link } from '../router';

/**
 * Opens the campaign's live counters stream: a short-lived token from an authenticated call, then
 * EventSource (which cannot send the API key). On an error it asks for a fresh token and reconnects.
 */
function useLiveAnalytics(campaignId: string) {
  const [analytics, setAnalytics] = useState<Analytics | undefined>(undefined);
  const [live, setLive] = useState(false);
  useEffect(() => {
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let closed = false;
    const connect = async () => {
      try {
        const { url } = await unwrap(api.POST('/api/campaigns/{id}/stream-token', { params: { path: { id: campaignId } } }));
        if (closed) return;
        source = new EventSource(url);
        source.addEventListener('counters', (e) => {
          setAnalytics(JSON.parse((e as MessageEvent<string>).data) as Analytics);
          setLive(true);
        });
        source.onerror = () => {
          setLive(false);
          source?.close();
          if (!closed) retry = setTimeout(() => void connect(), 2_000);
        };
      } catch {
        if (!closed) retry = setTimeout(() => void connect(), 5_000);
      }
    };
    void connect();
    return () => {
      closed = true;
      clearTimeout(retry);
      source?.close();
    };
  }, [campaignId]);
  return { analytics, live };
}

export function CampaignPage({ id }: { id: string }) {
  const campaign = useLoad(() => unwrap(api.GET('/api/campaigns/{id}', { params: { path: { id } } })), [id]);
  const initial = useLoad(() => unwrap(api.GET('/api/campaigns/{id}/analytics', { params: { path: { id } } })), [id]);
  const { analytics: streamed, live } = useLiveAnalytics(id);
  const analytics = streamed ?? initial.data;
  // The status (running → completed) follows the counters: one campaign read per change, at most one a second.
  const leadStates = streamed ? JSON.stringify(streamed.leads.byStatus) : null;
  const seenStates = useRef<string | null>(null);
  const reloadCampaign = campaign.reload;
  useEffect(() => {
    if (leadStates === null) return;
    if (seenStates.current !== null && seenStates.current !== leadStates) void reloadCampaign();
    seenStates.current = leadStates;
  }, [leadStates, reloadCampaign]);

  if (campaign.error !== undefined) return <ErrorState error={campaign.error} retry={() => void campaign.reload()} />;
  const c = campaign.data;
  // The leads table loads alongside the campaign (not after it): the page is usable sooner on big campaigns.
  const leads = <LeadsTable campaignId={id} analytics={analytics} version={analytics?.version ?? 0} />;
  return (
    <>
      {!c && <Loading what="the campaign" />}
      {c && (
        <CampaignView
          campaign={c}
          analytics={analytics}
          analyticsError={analytics ? undefined : initial.error}
          live={live}
          reload={() => void campaign.reload()}
          retryAnalytics={() => void initial.reload()}
        />
      )}
      {leads}
    </>
  );
}

function CampaignView(props: {
  campaign: Campaign;
  analytics: Analytics | undefined;
  analyticsError: unknown;
  live: boolean;
  reload: () => void;
  retryAnalytics: () => void;
}) {
  const { campaign: c, analytics, live, reload } = props;
  // A setting saved on this page (the sender's limit is not on the campaign row) asks for a new forecast.
  const [settingsVersion, setSettingsVersion] = useState(0);
  const progress = analytics ? JSON.stringify(analytics.leads.byStatus) : null;
  const counts = (what: string, view: (a: Analytics) => React.ReactNode) =>
    analytics ? view(analytics) : props.analyticsError !== undefined ? <ErrorState error={props.analyticsError} retry={props.retryAnalytics} /> : <Loading what={what} />;
  return (
    <>
      <div className="page-head">
        <div>
          <h1>{c.name}</h1>
          <div className="head-meta">
            <StatusBadge status={c.status} />
            <span className={live ? 'live on' : 'live'} data-testid="live-indicator">
              {live ? 'Live' : 'Connecting…'}
            </span>
            {c.statusReason && <span className="muted">{c.statusReason}</span>}
          </div>
        </div>
        <div className="head-side">
          <CampaignControls id={c.id} name={c.name} status={c.status} onChanged={reload} />
          <ForecastPanel campaign={c} progress={progress} version={settingsVersion} />
        </div>
      </div>

      {c.status === 'draft' && (
        <section className="card" aria-labelledby="launch-title">
          <div className="section-head">
            <h2 id="launch-title">Before you start</h2>
            <span className="muted small">the list, the sender and the pace the forecast is computed from</span>
          </div>
          <LaunchSettings
            campaign={c}
            onSaved={() => {
              setSettingsVersion((v) => v + 1);
              reload();
            }}
          />
        </section>
      )}

      <div className="grid-4">
        <Stat label="Leads" value={analytics ? formatNumber(analytics.leads.total) : '—'}>
          <LeadStates analytics={analytics} />
        </Stat>
        <Stat label="Acceptance rate" value={formatPercent(analytics?.rates.acceptance.rate)} testId="acceptance-rate">
          {analytics && `${formatNumber(analytics.rates.acceptance.numerator)} ${analytics.rates.acceptance.base.replace('/', 'of')}`}
        </Stat>
        <Stat label="Reply rate" value={formatPercent(analytics?.rates.reply.rate)}>
          {analytics && `${formatNumber(analytics.rates.reply.numerator)} replied of ${formatNumber(analytics.rates.reply.denominator)} leads contacted`}
        </Stat>
        <Stat label="Time to accept · reply" value={`${formatDuration(analytics?.timings.timeToAccept.medianMs)} · ${formatDuration(analytics?.timings.timeToReply.medianMs)}`}>
          median; p90 {formatDuration(analytics?.timings.timeToAccept.p90Ms)} · {formatDuration(analytics?.timings.timeToReply.p90Ms)}
        </Stat>
      </div>

      <section className="card" aria-labelledby="senders-title">
        <div className="section-head">
          <h2 id="senders-title">Senders</h2>
          <span className="muted small">each lead keeps the sender it was given; leads spread in proportion to the senders' limits</span>
        </div>
        <SenderPool campaign={c} onChanged={reload} progress={analytics ? JSON.stringify([analytics.leads.byStatus, analytics.rates]) : null} />
      </section>

      <section className="card" aria-labelledby="graph-title">
        <div className="section-head">
          <h2 id="graph-title">Sequence</h2>
          <span className="muted small">running · waiting · done · skipped · failed, per step; leads per path</span>
          <Link to={`/campaigns/${c.id}/sequence`} className="button small">Edit sequence</Link>
        </div>
        <DefinitionVersions campaign={c} />
        <StepGraph definition={c.workflowDefinition} analytics={analytics} />
      </section>

      <div className="grid-2">
        <section className="card" aria-labelledby="funnel-title">
          <h2 id="funnel-title">Funnel</h2>
          {counts('counts', (a) => <Funnel analytics={a} />)}
        </section>
        <section className="card" aria-labelledby="activity-title">
          <h2 id="activity-title">Daily activity</h2>
          {counts('activity', (a) => <ActivityChart daily={a.daily} timeZone={a.timeZone} />)}
        </section>
      </div>

    </>
  );
}

function Stat({ label, value, children, testId }: { label: string; value: string; children?: React.ReactNode; testId?: string }) {
  return (
    <div className="card stat">
      <div className="stat-label">{label}</div>
      <div className="stat-value" data-testid={testId}>
        {value}
      </div>
      <div className="muted small">{children}</div>
    </div>
  );
}

function Funnel({ analytics }: { analytics: Analytics }) {
  const total = Math.max(1, analytics.leads.total);
  const rows = [
    ...analytics.nodes.map((n) => ({ label: n.label, value: n.reached, note: `${formatNumber(n.done)} done` })),
    { label: 'Accepted', value: analytics.rates.acceptance.numerator, note: analytics.rates.acceptance.base },
    { label: 'Replied', value: analytics.rates.reply.numerator, note: 'replied / leads contacted' },
  ];
  return (
    <ul className="funnel">
      {rows.map((r) => (
        <li key={r.label}>
          <div className="funnel-label">
            <span>{r.label}</span>
            <span className="muted small">
              {formatNumber(r.value)} · {formatPercent(r.value / total)} of leads
            </span>
          </div>
          <div className="funnel-bar">
            <div style={{ width: `${Math.round((r.value / total) * 100)}%` }} />
          </div>
        </li>
      ))}
    </ul>
  );
}
