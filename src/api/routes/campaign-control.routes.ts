import { Type } from '@fastify/type-provider-typebox';
import type { ApiApp, ApiDeps } from '../app';
import { assertSameOrganization, organizationOf } from '../auth';
import { NullableString, NullableTimestamp, responses } from '../schemas/common';

const CampaignId = Type.String({ format: 'uuid' });
const Reason = Type.String({ minLength: 1, maxLength: 500 });

const StatusView = Type.Object({
  campaignId: Type.String(),
  status: Type.String(),
  statusReason: NullableString,
  workflowId: NullableString,
  totalLeads: Type.Integer(),
  processedLeads: Type.Integer(),
  successfulLeads: Type.Integer(),
  failedLeads: Type.Integer(),
  leadsByState: Type.Record(Type.String(), Type.Integer(), {
    description: 'Leads by execution status, plus not_started (no execution yet): they sum to totalLeads',
  }),
  workflows: Type.Object(
    {
      items: Type.Array(
        Type.Object({
          workflowId: NullableString,
          leadId: Type.String(),
          status: Type.String(),
          currentStep: Type.Union([Type.String(), Type.Null()], { description: 'The step running, else the last one the lead finished' }),
          completedSteps: Type.Integer(),
        }),
      ),
      nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'cursor= for executionsUrl to read the rest; null when items has them all' }),
      executionsUrl: Type.String(),
    },
    { description: 'The first 100 lead workflows (by execution id); the executions list pages through the rest' },
  ),
  steps: Type.Record(
    Type.String(),
    Type.Object({
      kind: Type.String(),
      label: Type.String(),
      running: Type.Integer(),
      done: Type.Integer(),
      skipped: Type.Integer(),
      failed: Type.Integer(),
    }),
    { description: 'Per step id: how many leads are running / done / skipped / failed on it' },
  ),
  startedAt: NullableTimestamp,
  completedAt: NullableTimestamp,
});

const ControlView = Type.Object({
  ...StatusView.properties,
  changed: Type.Boolean({
    description: 'false when the campaign already was in the state asked for (a repeated call): nothing was done',
  }),
  applied: Type.Boolean({
    description:
      'true when the orchestrator got the signal (200); false (202) when Temporal could not be reached yet: the status is recorded and the signal is re-sent until it is applied',
  }),
});

const StartView = Type.Object({
  ...StatusView.properties,
  alreadyRunning: Type.Boolean({
    description: 'true when the campaign was already running: start is idempotent',
  }),
});

const StartBody = Type.Object(
  {
    campaignId: CampaignId,
    organizationId: Type.String({
      format: 'uuid',
      description: 'Must be the organization of the API key (403 organization_mismatch otherwise)',
    }),
    maxConcurrentLeads: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    leadProcessingDelay: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 86_400_000, description: 'Milliseconds between two lead starts' }),
    ),
  },
  { additionalProperties: false },
);
const PauseBody = Type.Object(
  { campaignId: CampaignId, reason: Type.Optional(Reason) },
  { additionalProperties: false },
);
const ResumeBody = Type.Object({ campaignId: CampaignId }, { additionalProperties: false });
const StopBody = Type.Object(
  {
    campaignId: CampaignId,
    reason: Type.Optional(Reason),
    completeCurrentExecutions: Type.Optional(
      Type.Boolean({ description: 'Let leads already in a step finish it before stopping' }),
    ),
  },
  { additionalProperties: false },
);
const StatusQuery = Type.Object({ campaignId: CampaignId }, { additionalProperties: false });

/** Start, pause, resume, stop and status: thin over the injected CampaignControl, which scopes by organization. */
export function registerCampaignControlRoutes(app: ApiApp, deps: ApiDeps): void {
  const control = deps.campaignControl;
  const tags = ['campaign control'];

  app.post(
    '/api/campaigns/start',
    {
      schema: {
        tags,
        summary: 'Start a campaign (idempotent: a second start answers alreadyRunning)',
        body: StartBody,
        response: responses({ 200: StartView }, 403, 404, 409, 422),
      },
    },
    async (request) => {
      assertSameOrganization(request, request.body.organizationId);
      const { campaignId, maxConcurrentLeads, leadProcessingDelay } = request.body;
      return control.start({
        organizationId: organizationOf(request),
        campaignId,
        ...(maxConcurrentLeads !== undefined ? { maxConcurrentLeads } : {}),
        ...(leadProcessingDelay !== undefined ? { leadProcessingDelay } : {}),
      });
    },
  );

  app.post(
    '/api/campaigns/pause',
    {
      schema: {
        tags,
        summary: 'Pause a running campaign: running leads hold at their next step (idempotent: changed false when already paused)',
        body: PauseBody,
        response: responses({ 200: ControlView, 202: ControlView }, 404, 409),
      },
    },
    async (request, reply) => {
      const { campaignId, reason } = request.body;
      const result = await control.pause({
        organizationId: organizationOf(request),
        campaignId,
        ...(reason !== undefined ? { reason } : {}),
      });
      return reply.code(result.applied ? 200 : 202).send(result);
    },
  );

  app.post(
    '/api/campaigns/resume',
    {
      schema: {
        tags,
        summary: 'Resume a paused campaign (idempotent: changed false when already running)',
        body: ResumeBody,
        response: responses({ 200: ControlView, 202: ControlView }, 404, 409, 422),
      },
    },
    async (request, reply) => {
      const result = await control.resume({ organizationId: organizationOf(request), campaignId: request.body.campaignId });
      return reply.code(result.applied ? 200 : 202).send(result);
    },
  );

  app.post(
    '/api/campaigns/stop',
    {
      schema: {
        tags,
        summary: 'Stop a campaign for good (idempotent: changed false when already stopped)',
        body: StopBody,
        response: responses({ 200: ControlView, 202: ControlView }, 404, 409),
      },
    },
    async (request, reply) => {
      const { campaignId, reason, completeCurrentExecutions } = request.body;
      const result = await control.stop({
        organizationId: organizationOf(request),
        campaignId,
        ...(reason !== undefined ? { reason } : {}),
        ...(completeCurrentExecutions !== undefined ? { completeCurrentExecutions } : {}),
      });
      return reply.code(result.applied ? 200 : 202).send(result);
    },
  );

  app.get(
    '/api/campaigns/status',
    {
      schema: {
        tags,
        summary: 'Progress of a campaign: counts by lead state and by step',
        querystring: StatusQuery,
        response: responses({ 200: StatusView }, 404),
      },
    },
    async (request) =>
      control.status({ organizationId: organizationOf(request), campaignId: request.query.campaignId }),
  );
}
