/**
 * The product's Prometheus metrics (prom-client), one registry per process. Labels are bounded
 * enumerations only (step kind, outcome, reason, failure type, route pattern, status): never a lead,
 * campaign, organization or account id, so the series count stays flat however many campaigns run.
 *
 * Counters are incremented where things happen (step activities, quota reservations, webhook intake,
 * HTTP hooks); gauges over database state (leads by state, webhook backlog) are read at scrape time
 * by the process that registered them (the API).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import client from 'prom-client';

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });

export const linkedinActions = new client.Counter({
  name: 'clento_linkedin_actions_total',
  help: 'LinkedIn step activities by step kind and outcome (done, skipped, failed); reason is the skip reason or the failure type',
  labelNames: ['kind', 'outcome', 'reason'] as const,
  registers: [registry],
});

export const linkedinActionDuration = new client.Histogram({
  name: 'clento_linkedin_action_duration_seconds',
  help: 'Duration of one LinkedIn step activity attempt',
  labelNames: ['kind'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [registry],
});

export const quotaWaits = new client.Counter({
  name: 'clento_quota_waits_total',
  help: 'Account quota reservations that made a step wait, by quota kind and reason (spacing, daily_limit, working_hours...)',
  labelNames: ['kind', 'reason'] as const,
  registers: [registry],
});

export const unipileWebhookEvents = new client.Counter({
  name: 'clento_unipile_webhook_events_total',
  help: 'Unipile webhook events by event type and result: received (stored), duplicate, applied, failed',
  labelNames: ['event', 'result'] as const,
  registers: [registry],
});

export const outboundWebhookDeliveries = new client.Counter({
  name: 'clento_outbound_webhook_deliveries_total',
  help: "Deliveries to organizations' webhook endpoints by outcome (delivered, rejected: non-2xx, unreachable, blocked: refused by the destination policy)",
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const unipileRequests = new client.Counter({
  name: 'clento_unipile_requests_total',
  help: 'HTTP calls to Unipile by method and status class (2xx, 4xx, 5xx, network)',
  labelNames: ['method', 'status'] as const,
  registers: [registry],
});

export const httpRequests = new client.Counter({
  name: 'clento_http_requests_total',
  help: 'API requests by method, route pattern and status code',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [registry],
});

export const httpRequestDuration = new client.Histogram({
  name: 'clento_http_request_duration_seconds',
  help: 'API request latency by method, route pattern and status code',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

/** What a scrape-time gauge reads: label values → number. */
export type GaugeReading = Array<{ labels: Record<string, string>; value: number }>;

/**
 * A gauge computed at scrape time by `read` (one small database query; Prometheus scrapes every 15-60 s).
 * Registering the same name again replaces the reader (one per process: the last app built wins).
 */
export function registerScrapeGauge(opts: { name: string; help: string; labelNames: readonly string[]; read: () => Promise<GaugeReading> }): void {
  registry.removeSingleMetric(opts.name);
  new client.Gauge({
    name: opts.name,
    help: opts.help,
    labelNames: [...opts.labelNames],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        for (const { labels, value } of await opts.read()) this.set(labels, value);
      } catch {
        // The database is down: this gauge reports nothing rather than failing the whole scrape.
      }
    },
  });
}

/** The pg pool's connections (total, idle, waiting clients), read at scrape time. */
export function registerPoolGauge(pool: { totalCount: number; idleCount: number; waitingCount: number }): void {
  registry.removeSingleMetric('clento_db_pool_connections');
  new client.Gauge({
    name: 'clento_db_pool_connections',
    help: 'PostgreSQL pool: connections open (total), idle, and clients waiting for one',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  });
}

/** Where the Temporal SDK's own Prometheus exporter listens in this process (see telemetry/runtime.ts). */
let sdkMetricsAddress: string | undefined;
export function setSdkMetricsAddress(address: string | undefined): void {
  sdkMetricsAddress = address;
}

/** The scrape body: our registry, then the Temporal SDK's worker metrics when this process exports them. */
export async function renderMetrics(): Promise<{ contentType: string; body: string }> {
  const ours = await registry.metrics();
  let sdk = '';
  if (sdkMetricsAddress) {
    try {
      const res = await fetch(`http://${sdkMetricsAddress}/metrics`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) sdk = await res.text();
    } catch {
      // The SDK exporter answers within a millisecond when alive; if not, our own metrics still go out.
    }
  }
  return { contentType: registry.contentType, body: sdk ? `${ours}\n${sdk}` : ours };
}

/** METRICS_TOKEN set: a scrape must send `Authorization: Bearer <token>` (Prometheus `authorization.credentials`). */
export function metricsAuthorized(header: string | undefined, token: string | undefined): boolean {
  if (!token) return true;
  const given = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '')?.[1];
  if (!given) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}
