import { Type } from '@fastify/type-provider-typebox';
import { findCampaign } from '../../db/repositories/campaign.repository';
import * as executions from '../../db/repositories/campaign-execution.repository';
import { EXECUTION_STATUSES } from '../../db/schema';
import type { ExecutionData } from '../../domain/timeline';
import { WAIT_REASONS } from '../../domain/lead-analytics';
import type { ApiApp, ApiDeps } from '../app';
import { organizationOf } from '../auth';
import { notFound } from '../error-codes';
import {
  IdParams,
  NullableString,
  NullableTimestamp,
  PageQuery,
  Page,
  Timestamp,
  Uuid,
  iso,
  isoOrNull,
  responses,
  toPage,
  pageOf,
} from '../schemas/common';

const ExecutionStatus = Type.Enum(EXECUTION_STATUSES);

const LeadSummary = Type.Object({ id: Uuid, fullName: NullableString, linkedinUrl: NullableString });

const ExecutionSummary = Type.Object({
  id: Uuid,
  lead: LeadSummary,
  status: ExecutionStatus,
  currentStep: Type.Integer(),
  totalSteps: Type.Integer(),
  workflowExecutionId: NullableString,
  senderAccountId: Type.Union([Uuid, Type.Null()], { description: 'The sender of the campaign pool that works this lead; null until its first LinkedIn step' }),
  definitionVersion: Type.Union([Type.Integer(), Type.Null()], { description: "The version of the campaign's definition this lead runs (GET /api/campaigns/:id/versions/:version); null for leads started before versions" }),
  currentStepId: Type.Union([Type.String(), Type.Null()], { description: 'The step running, waited for, or last finished' }),
  wait: Type.Union(
    [
      Type.Object({
        stepId: Type.Union([Type.String(), Type.Null()]),
        reason: Type.String({ description: WAIT_REASONS.join(', ') }),
        until: Type.Union([Type.String(), Type.Null()]),
      }),
      Type.Null(),
    ],
    { description: 'What the lead waits for right now, and until when; null when it does not wait' },
  ),
  startedAt: NullableTimestamp,
  completedAt: NullableTimestamp,
  updatedAt: Timestamp,
});

const TimelineEntryBody = Type.Object(
  {
    at: Type.String(),
    type: Type.String({
      description:
        'lead_started, sender_assigned, step_started, step_completed, step_skipped, step_failed, wait, quota_wait, rate_limited, acceptance_wait, branch, paused, resumed, reply_received, stopped, version_moved (detail.fromVersion, toVersion), version_kept (reason: why the lead stayed on its version), lead_completed, lead_failed',
    }),
    stepId: Type.Optional(Type.String()),
    kind: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String()),
    until: Type.Optional(Type.String()),
    branch: Type.Optional(Type.String()),
    detail: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: true },
);

const ExecutionDetail = Type.Object({
  ...ExecutionSummary.properties,
  campaignId: Uuid,
  timeline: Type.Array(TimelineEntryBody),
  steps: Type.Record(
    Type.String(),
    Type.Object(
      { kind: Type.String(), state: Type.String(), at: Type.String(), reason: Type.Optional(Type.String()) },
      { additionalProperties: true },
    ),
  ),
});

const ExecutionsQuery = Type.Object(
  {
    ...PageQuery.properties,
    status: Type.Optional(ExecutionStatus),
    stepId: Type.Optional(Type.String({ maxLength: 200, description: "Leads whose current step is this node id" })),
    waitReason: Type.Optional(Type.Enum(WAIT_REASONS, { description: 'Leads waiting for this reason' })),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Search in lead names (case-insensitive)' })),
  },
  { additionalProperties: false },
);
const LeadParams = Type.Object({ id: Uuid, leadId: Uuid }, { additionalProperties: false });

function summary(row: executions.ExecutionWithLead) {
  return {
    id: row.id,
    lead: {
      id: row.lead_id,
      fullName:
        row.lead_full_name ?? ([row.lead_first_name, row.lead_last_name].filter(Boolean).join(' ') || null),
      linkedinUrl: row.lead_linkedin_url,
    },
    status: row.status,
    currentStep: row.current_step,
    totalSteps: row.total_steps,
    workflowExecutionId: row.workflow_execution_id,
    senderAccountId: row.sender_account_id,
    definitionVersion: row.definition_version,
    currentStepId: row.current_step_id,
    wait: row.wait_reason ? { stepId: row.wait_step_id, reason: row.wait_reason, until: isoOrNull(row.wait_until) } : null,
    startedAt: isoOrNull(row.started_at),
    completedAt: isoOrNull(row.completed_at),
    updatedAt: iso(row.updated_at),
  };
}

/** execution_data as the engine writes it (domain/timeline.ts); an execution not yet started has `{}`. */
function readExecutionData(raw: unknown): ExecutionData {
  const data = (raw && typeof raw === 'object' ? raw : {}) as Partial<ExecutionData>;
  return {
    timeline: Array.isArray(data.timeline) ? data.timeline : [],
    steps: data.steps && typeof data.steps === 'object' ? data.steps : {},
  };
}

/** Per-lead progress of a campaign, read from campaign_executions. */
export function registerExecutionRoutes(app: ApiApp, deps: ApiDeps): void {
  const { db } = deps;
  const tags = ['campaign control'];

  app.get(
    '/api/campaigns/:id/executions',
    {
      schema: {
        tags,
        summary: 'Leads of a campaign and where each one is',
        params: IdParams,
        querystring: ExecutionsQuery,
        response: responses({ 200: Page(ExecutionSummary) }, 404),
      },
    },
    async (request) => {
      const organizationId = organizationOf(request);
      if (!(await findCampaign(db, organizationId, request.params.id)))
        throw notFound('campaign', request.params.id);
      const rows = await executions.listExecutions(
        db,
        organizationId,
        request.params.id,
        pageOf(request.query),
      );
      return toPage(rows, pageOf(request.query).limit, summary);
    },
  );

  app.get(
    '/api/campaigns/:id/executions/:leadId',
    {
      schema: {
        tags,
        summary: "One lead's timeline in a campaign",
        params: LeadParams,
        response: responses({ 200: ExecutionDetail }, 404),
      },
    },
    async (request) => {
      const organizationId = organizationOf(request);
      const { id, leadId } = request.params;
      if (!(await findCampaign(db, organizationId, id))) throw notFound('campaign', id);
      const row = await executions.findExecutionForLead(db, organizationId, id, leadId);
      if (!row) throw notFound('execution', leadId);
      return { ...summary(row), campaignId: row.campaign_id, ...readExecutionData(row.execution_data) };
    },
  );
}
