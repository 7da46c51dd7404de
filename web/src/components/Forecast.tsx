import { useEffect, useRef, useState } from 'react';
import { api, errorMessage, unwrap, type Campaign, type Forecast } from '../api';
import { formatNumber, formatPercent } from './common';

/**
 * When the campaign will be done (GET /api/campaigns/:id/forecast), beside its start button: for a
 * draft the three dates (p50 and p90), for a running campaign "at this pace, last invitation on …".
 * Dates are in the reader's locale and time zone, with the zone named.
 */

// dateStyle cannot be combined with timeZoneName: the fields one by one.
const dateFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });

export function formatForecastDate(iso: string | null, beyondHorizon: boolean): string {
  if (iso) return dateFormat.format(new Date(iso));
  return beyondHorizon ? 'not within 20 years' : 'nothing to wait for';
}

/** The p90 is shown when it reads differently from the p50 (to the minute). */
function p90Differs(d: Forecast['lastInvitation'], beyond: boolean): boolean {
  return formatForecastDate(d.p90, beyond) !== formatForecastDate(d.p50, beyond);
}

/** What the forecast depends on, as the campaign row shows it: any change asks for a new one. */
function campaignKey(c: Campaign): string {
  return JSON.stringify([c.updatedAt, c.status, c.leadListId, c.senderAccountId, c.leadsPerDay, c.schedule, c.workflowDefinition]);
}

/**
 * Loads the forecast, again when the campaign's settings, sender, list or sequence change
 * (`campaignKey`), when `progress` changes (a running campaign's lead counts; at most once a minute: each costs the API 1 to 2 s of CPU at 100,000 leads),
 * when the tab comes back into view (the sender's limits or the list may have been edited
 * elsewhere), and when `version` is bumped (a setting saved on this page).
 */
export function useForecast(campaign: Campaign, progress: string | null, version: number) {
  const [forecast, setForecast] = useState<Forecast | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const [visible, setVisible] = useState(0);
  const [throttledProgress, setThrottledProgress] = useState(progress);
  const lastProgressAt = useRef(0);
  const seq = useRef(0);
  const key = campaignKey(campaign);

  useEffect(() => {
    const onVisible = () => document.visibilityState === 'visible' && setVisible((v) => v + 1);
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, []);

  useEffect(() => {
    const wait = Math.max(0, lastProgressAt.current + 60_000 - Date.now());
    const timer = setTimeout(() => {
      lastProgressAt.current = Date.now();
      setThrottledProgress(progress);
    }, wait);
    return () => clearTimeout(timer);
  }, [progress]);

  // A running campaign's forecast waits for the page's own reads (its counters, then a moment for the
  // leads table): the API computes it on its event loop (1 to 2 s for 100,000 leads), which would hold
  // them up. A draft's forecast is what the page is for: at once.
  const draft = campaign.status === 'draft';
  const [deferred, setDeferred] = useState(!draft);
  useEffect(() => {
    if (!deferred || progress === null) return;
    const timer = setTimeout(() => setDeferred(false), 1_500);
    return () => clearTimeout(timer);
  }, [deferred, progress]);

  const id = campaign.id;
  useEffect(() => {
    if (deferred) return;
    const mine = ++seq.current;
    setLoading(true);
    unwrap(api.GET('/api/campaigns/{id}/forecast', { params: { path: { id } } }))
      .then((f) => {
        if (mine !== seq.current) return;
        setForecast(f);
        setError(undefined);
      })
      .catch((err: unknown) => {
        if (mine !== seq.current) return;
        setError(err);
      })
      .finally(() => {
        if (mine === seq.current) setLoading(false);
      });
  }, [id, key, throttledProgress, visible, version, deferred]);

  return { forecast, error, loading, retry: () => setVisible((v) => v + 1) };
}

function Dates({ label, dates, beyond, testId }: { label: string; dates: Forecast['lastInvitation']; beyond: boolean; testId: string }) {
  return (
    <div className="forecast-row" data-testid={testId}>
      <dt>{label}</dt>
      <dd>
        <span className="forecast-p50">{formatForecastDate(dates.p50, beyond)}</span>
        {p90Differs(dates, beyond) && <span className="muted small forecast-p90">p90 {formatForecastDate(dates.p90, beyond)}</span>}
      </dd>
    </div>
  );
}

function Basis({ f }: { f: Forecast }) {
  const rates = f.senders.map((s) => `${formatPercent(s.acceptanceRate)}${s.acceptanceSource === 'default' ? ' (default)' : s.acceptanceSource === 'account' ? ' (account’s own)' : ''}`);
  return (
    <p className="muted small forecast-basis">
      {formatNumber(f.leads.toStart)} leads to start · {formatNumber(f.invitations)} invitations · {f.senders.length === 1 ? '1 sender' : `${f.senders.length} senders`} · acceptance {rates.join(', ')}
    </p>
  );
}

/** Drafts and campaigns still running (or paused) have something to forecast; finished ones not. */
export function ForecastPanel(props: { campaign: Campaign; progress: string | null; version: number }) {
  const s = props.campaign.status;
  if (s !== 'draft' && s !== 'in_progress' && s !== 'scheduled' && s !== 'paused') return null;
  return <ForecastCard {...props} />;
}

function ForecastCard({ campaign, progress, version }: { campaign: Campaign; progress: string | null; version: number }) {
  const { forecast: f, error, loading, retry } = useForecast(campaign, progress, version);
  const draft = campaign.status === 'draft';
  const running = !draft;
  const busy = loading && (
    <span className="spinner forecast-spinner" aria-hidden="true" />
  );
  return (
    <section className="forecast card" aria-labelledby="forecast-title" aria-busy={loading} data-testid="forecast">
      <h2 id="forecast-title">
        {draft ? 'If you start now' : 'Forecast'} {busy}
      </h2>
      {error !== undefined && (
        <div className="forecast-error" role="alert">
          <span>No forecast: {errorMessage(error, 'it could not be computed')}</span>
          <button type="button" className="link-button small" onClick={retry}>
            Retry
          </button>
        </div>
      )}
      {error === undefined && !f && (
        <p className="muted small" role="status">
          Forecasting…
        </p>
      )}
      {error === undefined && f && draft && (
        <>
          <dl className="forecast-dates">
            <Dates label="All leads started" dates={f.allLeadsStarted} beyond={f.beyondHorizon} testId="forecast-all-started" />
            <Dates label="All invitations sent" dates={f.lastInvitation} beyond={f.beyondHorizon} testId="forecast-last-invitation" />
            <Dates label="Campaign ends" dates={f.campaignEnds} beyond={f.beyondHorizon} testId="forecast-campaign-ends" />
          </dl>
          <Basis f={f} />
        </>
      )}
      {error === undefined && f && running && (
        <>
          <p className="forecast-pace" data-testid="forecast-pace">
            {f.invitations === 0 ? (
              'Every invitation has been sent.'
            ) : (
              <>
                {campaign.status === 'paused' ? 'If resumed now, last invitation on' : 'At this pace, last invitation on'} <strong>{formatForecastDate(f.lastInvitation.p50, f.beyondHorizon)}</strong>
                {p90Differs(f.lastInvitation, f.beyondHorizon) && <span className="muted small"> (p90 {formatForecastDate(f.lastInvitation.p90, f.beyondHorizon)})</span>}
              </>
            )}
          </p>
          <p className="muted small" data-testid="forecast-pace-end">
            Campaign ends {formatForecastDate(f.campaignEnds.p50, f.beyondHorizon)}
            {' '}· {formatNumber(f.invitations)} invitations to send
          </p>
        </>
      )}
    </section>
  );
}
