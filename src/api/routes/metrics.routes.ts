import type { Db } from '../../db/connection';
import { UnauthorizedError } from '../../errors';
import { pendingUnipileEvents } from '../../services/unipile-webhooks';
import { httpRequestDuration, httpRequests, metricsAuthorized, registerScrapeGauge, renderMetrics } from '../../telemetry/metrics';
import type { ApiApp } from '../app';

/**
 * GET /metrics (Prometheus text) and the HTTP request metrics. Open like /health unless METRICS_TOKEN
 * is set (then `Authorization: Bearer <token>`); not under /api/, so API keys play no part.
 */
export function registerMetricsRoutes(app: ApiApp, deps: { db: Db; token: string | undefined }): void {
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern (/api/campaigns/:id), never the raw URL: ids stay out of the labels.
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { method: request.method, route, status: String(reply.statusCode) };
    httpRequests.inc(labels);
    httpRequestDuration.observe(labels, reply.elapsedTime / 1000);
  });

  // Database state, read when scraped; the API process reports it (workers would only repeat it).
  registerScrapeGauge({
    name: 'clento_leads',
    help: 'Lead executions by state (pending, in_progress, completed, failed, stopped...), all campaigns',
    labelNames: ['state'],
    read: async () => {
      const rows = await deps.db.selectFrom('campaign_executions').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
      return rows.map((r) => ({ labels: { state: r.status }, value: Number(r.n) }));
    },
  });
  registerScrapeGauge({
    name: 'clento_connected_accounts',
    help: 'Sender accounts by status (connected, disconnected, error...); a disconnected account pauses its campaigns',
    labelNames: ['status'],
    read: async () => {
      const rows = await deps.db.selectFrom('connected_accounts').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
      return rows.map((r) => ({ labels: { status: r.status }, value: Number(r.n) }));
    },
  });
  registerScrapeGauge({
    name: 'clento_unipile_webhook_events_pending',
    help: 'Unipile webhook events stored but not yet applied (the backlog)',
    labelNames: [],
    read: async () => [{ labels: {}, value: (await pendingUnipileEvents(deps.db)).pending }],
  });
  registerScrapeGauge({
    name: 'clento_unipile_webhook_oldest_pending_age_seconds',
    help: 'Age of the oldest Unipile webhook event not yet applied (0 when none)',
    labelNames: [],
    read: async () => {
      const { oldest } = await pendingUnipileEvents(deps.db);
      return [{ labels: {}, value: oldest ? Math.max(0, (Date.now() - oldest.getTime()) / 1000) : 0 }];
    },
  });

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics (text format): LinkedIn actions, quota waits, leads, webhooks, HTTP, database pool, Temporal worker',
        description: 'Needs `Authorization: Bearer <METRICS_TOKEN>` when METRICS_TOKEN is set.',
      },
    },
    async (request, reply) => {
      if (!metricsAuthorized(request.headers.authorization, deps.token)) throw new UnauthorizedError('unauthorized', 'this endpoint needs Authorization: Bearer <METRICS_TOKEN>');
      const { contentType, body } = await renderMetrics();
      return reply.type(contentType).send(body);
    },
  );
}
