import { useState, type FormEvent } from 'react';
import { api, errorMessage, unwrap, type Account, type Activity, type Settings, type Usage } from '../api';
import { Empty, ErrorState, KIND_LABELS, Loading, StatusBadge, formatDate, useLoad } from '../components/common';

const KINDS = ['invitation', 'profile_visit', 'message', 'inmail', 'comment', 'reaction', 'withdrawal'] as const;
const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

export function AccountsPage() {
  const { data, error, loading, reload } = useLoad(() => unwrap(api.GET('/api/accounts', { params: { query: { limit: 100 } } })), []);
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Sender accounts</h1>
          <p className="muted">What each LinkedIn account may still do today and over the last 7 days (LinkedIn's rolling week), and the rules that keep it safe.</p>
        </div>
      </div>
      {error !== undefined && <ErrorState error={error} retry={() => void reload()} />}
      {loading && !data && <Loading what="accounts" />}
      {data && data.items.length === 0 && (
        <Empty title="No sender account yet">
          <p>Connect a LinkedIn account through the API (POST /api/accounts) to send from it.</p>
        </Empty>
      )}
      {data?.items.map((a) => <AccountCard key={a.id} account={a} />)}
    </>
  );
}

function AccountCard({ account }: { account: Account }) {
  const { data, error, reload } = useLoad(async () => {
    const params = { params: { path: { id: account.id } } };
    const [usage, settings, activity] = await Promise.all([unwrap(api.GET('/api/accounts/{id}/usage', params)), unwrap(api.GET('/api/accounts/{id}/settings', params)), unwrap(api.GET('/api/accounts/{id}/activity', params))]);
    return { usage, settings, activity };
  }, [account.id]);
  const [editing, setEditing] = useState(false);
  const name = account.displayName ?? account.providerAccountId;
  return (
    <section className="card account" aria-labelledby={`acc-${account.id}`}>
      <div className="section-head">
        <div>
          <h2 id={`acc-${account.id}`}>{name}</h2>
          <div className="head-meta">
            <StatusBadge status={account.status} />
            {account.status !== 'connected' && account.statusReason && <span className="inline-error">{account.statusReason}</span>}
            <span className="muted small">Unipile {account.providerAccountId}</span>
          </div>
        </div>
        <button type="button" className="button" onClick={() => setEditing(!editing)} aria-expanded={editing}>
          {editing ? 'Close settings' : 'Edit settings'}
        </button>
      </div>
      {error !== undefined && <ErrorState error={error} retry={() => void reload()} />}
      {!data && error === undefined && <Loading what="usage" />}
      {data && <UsageView usage={data.usage} settings={data.settings} activity={data.activity} />}
      {data && editing && (
        <SettingsForm
          accountId={account.id}
          settings={data.settings}
          onSaved={() => {
            setEditing(false);
            void reload();
          }}
        />
      )}
    </section>
  );
}

function Gauge({ label, used, limit }: { label: string; used: number; limit: number | null }) {
  const pct = limit ? Math.min(100, Math.round((used / limit) * 100)) : 0;
  const level = pct >= 90 ? 'high' : pct >= 60 ? 'mid' : 'low';
  return (
    <div className="gauge">
      <div className="gauge-head">
        <span>{label}</span>
        <span className="muted small">
          {used} / {limit ?? '∞'}
        </span>
      </div>
      <div className={`gauge-track ${level}`} role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={limit ?? used} aria-valuenow={used}>
        <div style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}

function UsageView({ usage, settings, activity }: { usage: Usage; settings: Settings; activity: Activity }) {
  const wh = settings.workingHours;
  const days = wh.days.map((d) => (typeof d === 'number' ? DAY_NAMES[d - 1] : d)).join(', ');
  return (
    <div className="account-body">
      <div className="facts">
        <div>
          <div className="fact-label">Working hours</div>
          <div>
            {days} · {wh.start}–{wh.end} <span className="muted">({usage.timezone})</span>
          </div>
        </div>
        <div>
          <div className="fact-label">Now</div>
          <div>{usage.withinWorkingHours ? 'Inside working hours' : `Outside; next window ${formatDate(usage.nextWindowOpensAt)}`}</div>
        </div>
        <div>
          <div className="fact-label">Warm-up</div>
          <div>
            day {usage.warmup.day} · {Math.round(usage.warmup.factor * 100)}% of limits
          </div>
        </div>
        <div>
          <div className="fact-label">Provider blocks</div>
          <div>{usage.blocks.length === 0 ? 'None' : usage.blocks.map((b) => `${b.kind} until ${formatDate(b.until)} (${b.reason})`).join('; ')}</div>
        </div>
      </div>
      <div className="gauges">
        <h3>Today ({usage.today.date})</h3>
        <h3>Last 7 days (since {formatDate(usage.week.since)})</h3>
        {KINDS.map((k) => (
          <div className="gauge-row" key={k}>
            <Gauge label={`${KIND_LABELS[k] ?? k} today`} used={usage.today.perKind[k].used} limit={usage.today.perKind[k].limit} />
            <Gauge label={`${KIND_LABELS[k] ?? k} last 7 days`} used={usage.week.perKind[k].used} limit={usage.week.perKind[k].limit} />
          </div>
        ))}
      </div>
      <ActivityStrip activity={activity} />
    </div>
  );
}

function ActivityStrip({ activity }: { activity: Activity }) {
  const totals = activity.days.map((d) => Object.values(d.perKind).reduce((a, b) => a + b, 0));
  const max = Math.max(1, ...totals);
  return (
    <div className="strip">
      <div className="fact-label">Actions per day, last 30 days</div>
      <svg viewBox="0 0 300 40" role="img" aria-label="Actions per day over the last 30 days">
        {totals.map((t, i) => (
          <rect key={activity.days[i]!.date} x={i * 10} y={40 - (t / max) * 38} width={8} height={(t / max) * 38 + 0.5} rx={1.5} fill="#6366f1">
            <title>{`${activity.days[i]!.date}: ${t} actions (invitation limit ${activity.limits.invitation?.daily ?? '—'}/day)`}</title>
          </rect>
        ))}
      </svg>
    </div>
  );
}

type FieldErrors = Record<string, string>;

function fieldErrors(err: unknown): { fields: FieldErrors; message: string } {
  const body = err as { error?: { code?: string; message?: string; details?: Array<{ path?: string; message?: string }> } };
  const fields: FieldErrors = {};
  for (const d of body.error?.details ?? []) {
    const path = (d.path ?? '').replace(/^\/?body[./]?/, '').replace(/\//g, '.');
    fields[path] = d.message ?? 'invalid';
  }
  return { fields, message: errorMessage(err) };
}

function SettingsForm({ accountId, settings, onSaved }: { accountId: string; settings: Settings; onSaved: () => void }) {
  const [timezone, setTimezone] = useState(settings.timezone);
  const [start, setStart] = useState(settings.workingHours.start);
  const [end, setEnd] = useState(settings.workingHours.end);
  const [days, setDays] = useState<number[]>(settings.workingHours.days.map((d) => Number(d)).filter((d) => !Number.isNaN(d)));
  const [limits, setLimits] = useState<Record<string, string>>(Object.fromEntries(KINDS.map((k) => [k, String(settings.effectiveLimits[k].daily)])));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setMessage(null);
    const limitOverrides = Object.fromEntries(KINDS.map((k) => [k, { daily: Number(limits[k]) }]));
    const { error } = await api.PATCH('/api/accounts/{id}/settings', {
      params: { path: { id: accountId } },
      body: { timezone, workingHours: { days, start, end }, limits: limitOverrides },
    });
    setBusy(false);
    if (error) {
      const { fields, message: m } = fieldErrors(error);
      setErrors(fields);
      setMessage(m);
      return;
    }
    onSaved();
  };
  const err = (path: string) => errors[path] ?? Object.entries(errors).find(([p]) => p.startsWith(`${path}.`))?.[1];
  const field = (id: string, label: string, path: string, input: React.ReactNode) => (
    <div className={err(path) ? 'field has-error' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {input}
      {err(path) && (
        <p className="field-error" id={`${id}-error`} role="alert">
          {err(path)}
        </p>
      )}
    </div>
  );
  const described = (id: string, path: string) => (err(path) ? { 'aria-invalid': true, 'aria-describedby': `${id}-error` } : {});
  return (
    <form className="settings" onSubmit={(e) => void submit(e)} aria-label="Account settings">
      <h3>Settings</h3>
      {message && (
        <p className="form-error" role="alert">
          {message}
        </p>
      )}
      <div className="form-grid">
        {field(`tz-${accountId}`, 'Time zone (IANA)', 'timezone', <input id={`tz-${accountId}`} value={timezone} onChange={(e) => setTimezone(e.target.value)} {...described(`tz-${accountId}`, 'timezone')} />)}
        {field(`start-${accountId}`, 'Working hours start', 'workingHours.start', <input id={`start-${accountId}`} value={start} onChange={(e) => setStart(e.target.value)} {...described(`start-${accountId}`, 'workingHours.start')} />)}
        {field(`end-${accountId}`, 'Working hours end', 'workingHours.end', <input id={`end-${accountId}`} value={end} onChange={(e) => setEnd(e.target.value)} {...described(`end-${accountId}`, 'workingHours.end')} />)}
      </div>
      <fieldset className="days">
        <legend>Working days</legend>
        {DAY_NAMES.map((d, i) => (
          <label key={d} className="check">
            <input type="checkbox" checked={days.includes(i + 1)} onChange={(e) => setDays(e.target.checked ? [...days, i + 1].sort() : days.filter((x) => x !== i + 1))} /> {d}
          </label>
        ))}
        {err('workingHours.days') && <p className="field-error">{err('workingHours.days')}</p>}
      </fieldset>
      <div className="form-grid">
        {KINDS.map((k) =>
          field(
            `limit-${k}-${accountId}`,
            `${KIND_LABELS[k] ?? k} per day`,
            `limits.${k}`,
            <input id={`limit-${k}-${accountId}`} inputMode="numeric" value={limits[k] ?? ''} onChange={(e) => setLimits({ ...limits, [k]: e.target.value })} {...described(`limit-${k}-${accountId}`, `limits.${k}`)} />,
          ),
        )}
      </div>
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save settings'}
        </button>
      </div>
    </form>
  );
}
