import { Type } from '@fastify/type-provider-typebox';
import type { ApiApp, ReadinessReport } from '../app';

const Check = Type.Object({ ok: Type.Boolean(), detail: Type.Optional(Type.String()) });
const ReadyBody = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  checks: Type.Record(Type.String(), Check, {
    description: 'Each dependency; `ok: false` names the part that is not ready',
  }),
  backlog: Type.Optional(
    Type.Record(
      Type.String(),
      Type.Object({ pending: Type.Integer(), oldestAgeSeconds: Type.Union([Type.Integer(), Type.Null()]) }),
      {
        description:
          'Work owed and retried in the background: `unipileEvents` (stored webhooks not applied yet), `campaignControl` (pause/resume/stop not delivered to Temporal yet)',
      },
    ),
  ),
});

/** Liveness (the process answers) and readiness (its dependencies answer). Neither needs an API key. */
export function registerHealthRoutes(app: ApiApp, deps: { readiness: () => Promise<ReadinessReport> }): void {
  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness: always 200 while the process serves requests',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    () => Promise.resolve({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: 200 when every dependency answers, 503 naming the ones that do not',
        response: { 200: ReadyBody, 503: ReadyBody },
      },
    },
    async (request, reply) => {
      let report: ReadinessReport;
      try {
        report = await deps.readiness();
      } catch (err) {
        request.log.error({ err }, 'readiness check threw');
        report = { ready: false, checks: { readiness: { ok: false, detail: 'readiness check failed' } } };
      }
      return reply
        .status(report.ready ? 200 : 503)
        .send({ status: report.ready ? 'ready' : 'not_ready', checks: report.checks, ...(report.backlog ? { backlog: report.backlog } : {}) });
    },
  );
}
