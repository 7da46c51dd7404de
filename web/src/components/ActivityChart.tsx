import type { Analytics } from '../api';
import { KIND_LABELS } from './common';

const COLORS: Record<string, string> = {
  profile_visit: '#60a5fa',
  like_post: '#a78bfa',
  comment_post: '#f472b6',
  send_connection_request: '#4f46e5',
  send_followup: '#10b981',
  send_inmail: '#f59e0b',
  withdraw_request: '#94a3b8',
  webhook: '#64748b',
};

/** Actions done per day (the sender's days), stacked by kind: a small SVG, no chart library. */
export function ActivityChart({ daily, timeZone }: { daily: Analytics['daily']; timeZone: string }) {
  const done = daily.filter((d) => d.outcome === 'done');
  if (done.length === 0) return <p className="muted">No actions yet. Days are counted in {timeZone}.</p>;
  const days = [...new Set(done.map((d) => d.date))].sort().slice(-30);
  const kinds = [...new Set(done.map((d) => d.kind))];
  const total = (day: string) => done.filter((d) => d.date === day).reduce((n, d) => n + d.count, 0);
  const max = Math.max(1, ...days.map(total));
  const W = 640;
  const H = 180;
  const barW = Math.min(40, (W - 40) / days.length - 6);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H + 30}`} role="img" aria-label={`Actions per day in ${timeZone}`}>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line x1={36} x2={W} y1={H - f * H + 4} y2={H - f * H + 4} stroke="#e5e7eb" />
            <text x={30} y={H - f * H + 8} textAnchor="end" className="axis">
              {Math.round(f * max)}
            </text>
          </g>
        ))}
        {days.map((day, i) => {
          const x = 44 + i * ((W - 44) / days.length);
          let y = H + 4;
          return (
            <g key={day}>
              {kinds.map((k) => {
                const n = done.find((d) => d.date === day && d.kind === k)?.count ?? 0;
                const h = (n / max) * H;
                y -= h;
                return n > 0 ? (
                  <rect key={k} x={x} y={y} width={barW} height={h} rx={2} fill={COLORS[k] ?? '#64748b'}>
                    <title>{`${day}: ${n} ${KIND_LABELS[k] ?? k}`}</title>
                  </rect>
                ) : null;
              })}
              <text x={x + barW / 2} y={H + 22} textAnchor="middle" className="axis">
                {day.slice(5)}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption className="legend">
        {kinds.map((k) => (
          <span key={k}>
            <i style={{ background: COLORS[k] ?? '#64748b' }} aria-hidden="true" /> {KIND_LABELS[k] ?? k}
          </span>
        ))}
        <span className="muted">days in {timeZone}</span>
      </figcaption>
    </figure>
  );
}
