import { Type, type Static } from '@fastify/type-provider-typebox';
import { forecastCampaign, type CampaignForecast } from '../../services/campaign-forecast';
import type { ApiApp, ApiDeps } from '../app';
import { organizationOf } from '../auth';
import { IdParams, NullableTimestamp, Timestamp, iso, isoOrNull, responses } from '../schemas/common';

/**
 * When a campaign will be done, before it starts or while it runs: the dates by which every lead has
 * started, every invitation is sent and the last lead ends, p50 and p90 over seeded simulation runs
 * of the engine's own quota schedule (services/forecast-model.ts).
 */

const Dates = Type.Object({
  p50: NullableTimestamp,
  p90: NullableTimestamp,
}, { description: 'null: nothing to wait for (no leads, no invitation step) or past the forecast horizon (beyondHorizon)' });

const Forecast = Type.Object({
  campaignId: Type.String({ format: 'uuid' }),
  status: Type.String(),
  computedAt: Timestamp,
  seed: Type.Integer(),
  runs: Type.Integer({ description: 'Simulation runs the percentiles are read from' }),
  leads: Type.Object({
    total: Type.Integer({ description: 'Leads in the campaign list' }),
    toStart: Type.Integer({ description: 'Leads not started yet' }),
    waitingForInvitation: Type.Integer({ description: 'Leads running that have not sent their invitation yet' }),
  }),
  invitations: Type.Integer({ description: 'Invitations still to send' }),
  senders: Type.Array(
    Type.Object({
      accountId: Type.String({ format: 'uuid' }),
      timezone: Type.String(),
      acceptanceRate: Type.Number({ description: 'Share (0-1) of invitations forecast to be accepted' }),
      acceptanceSource: Type.Union([Type.Literal('override'), Type.Literal('account'), Type.Literal('default')], {
        description: "override: the query's acceptanceRate; account: its own rate over its latest 100 judged invitations; default: 30 %",
      }),
      healthFactor: Type.Number({ description: 'The pace factor the account health gives (1: normal)' }),
    }),
  ),
  allLeadsStarted: Dates,
  lastInvitation: Dates,
  campaignEnds: Dates,
  beyondHorizon: Type.Boolean({ description: 'Some date lies more than 20 years out (a limit at 0, no working day): it is null' }),
});

const ForecastQuery = Type.Object(
  {
    acceptanceRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: "Share (0-1) accepted, instead of each sender's own rate" })),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_647, description: 'Same seed, same forecast (default 1)' })),
    runs: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Simulation runs (default 15)' })),
    maxConcurrentLeads: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'As the start call would pass it (default 100)' })),
  },
  { additionalProperties: false },
);

function toJson(f: CampaignForecast): Static<typeof Forecast> {
  const dates = (d: CampaignForecast['lastInvitation']) => ({ p50: isoOrNull(d.p50), p90: isoOrNull(d.p90) });
  return {
    ...f,
    computedAt: iso(f.computedAt),
    allLeadsStarted: dates(f.allLeadsStarted),
    lastInvitation: dates(f.lastInvitation),
    campaignEnds: dates(f.campaignEnds),
  };
}

export function registerForecastRoutes(app: ApiApp, deps: Pick<ApiDeps, 'db'> & { clock?: () => Date }): void {
  const clock = deps.clock ?? (() => new Date());
  app.get(
    '/api/campaigns/:id/forecast',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'When all leads will have started, all invitations be sent and the campaign end (p50 / p90), from the senders\u2019 quotas, hours, warm-up and acceptance',
        params: IdParams,
        querystring: ForecastQuery,
        response: responses({ 200: Forecast }, 404, 422),
      },
    },
    async (request) => {
      const q = request.query;
      return toJson(
        await forecastCampaign(deps.db, {
          organizationId: organizationOf(request),
          campaignId: request.params.id,
          now: clock(),
          ...(q.acceptanceRate !== undefined ? { acceptanceRate: q.acceptanceRate } : {}),
          ...(q.seed !== undefined ? { seed: q.seed } : {}),
          ...(q.runs !== undefined ? { runs: q.runs } : {}),
          ...(q.maxConcurrentLeads !== undefined ? { maxConcurrentLeads: q.maxConcurrentLeads } : {}),
        }),
      );
    },
  );
}
