import { Type, type Static } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/connection';
import * as campaigns from '../../db/repositories/campaign.repository';
import { findAccount } from '../../db/repositories/connected-account.repository';
import { findLeadList } from '../../db/repositories/lead-list.repository';
import { CAMPAIGN_STATUSES, type Campaign } from '../../db/schema';
import type { ApiApp, ApiDeps } from '../app';
import { organizationOf } from '../auth';
import { apiError, notFound } from '../error-codes';
import {
  IdParams,
  NullableString,
  NullableTimestamp,
  PageQuery,
  Page,
  Timestamp,
  iso,
  isoOrNull,
  responses,
  toPage,
  pageOf,
} from '../schemas/common';

const CampaignStatus = Type.Enum(CAMPAIGN_STATUSES);

const TimeOfDay = Type.String({
  pattern: '^([01]\\d|2[0-3]):[0-5]\\d$|^24:00$',
  description: 'HH:MM, local to `timezone`',
});
const Weekday = Type.Union([
  Type.Enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']),
  Type.Integer({ minimum: 1, maximum: 7, description: 'ISO weekday, 1 = Monday' }),
]);
const Schedule = Type.Object(
  {
    timezone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Paris' }),
    startTime: TimeOfDay,
    endTime: TimeOfDay,
    days: Type.Array(Weekday, { minItems: 1, maxItems: 7, uniqueItems: true }),
  },
  {
    additionalProperties: true,
    description: 'When the campaign may act (narrows the sender account working hours)',
  },
);

const WorkflowDefinition = Type.Object(
  { nodes: Type.Array(Type.Unknown()), edges: Type.Array(Type.Unknown()) },
  {
    additionalProperties: true,
    description: 'The step graph exactly as the editor saves it ({ nodes, edges, timestamp }); stored as-is',
  },
);

const CampaignBody = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  description: NullableString,
  status: CampaignStatus,
  statusReason: NullableString,
  leadListId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  senderAccountId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  workflowDefinition: Type.Unknown(),
  schedule: Type.Unknown(),
  leadsPerDay: Type.Union([Type.Integer(), Type.Null()]),
  workflowId: NullableString,
  startedAt: NullableTimestamp,
  completedAt: NullableTimestamp,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Description = Type.String({ maxLength: 2000 });
const LeadsPerDay = Type.Integer({ minimum: 1, maximum: 10_000 });

const CreateCampaign = Type.Object(
  {
    name: Name,
    description: Type.Optional(Description),
    leadListId: Type.String({ format: 'uuid' }),
    senderAccountId: Type.String({ format: 'uuid' }),
    workflowDefinition: WorkflowDefinition,
    schedule: Type.Optional(Schedule),
    leadsPerDay: Type.Optional(LeadsPerDay),
  },
  { additionalProperties: false },
);

const PatchCampaign = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Type.Union([Description, Type.Null()])),
    leadListId: Type.Optional(Type.String({ format: 'uuid' })),
    senderAccountId: Type.Optional(Type.String({ format: 'uuid' })),
    workflowDefinition: Type.Optional(WorkflowDefinition),
    schedule: Type.Optional(Type.Union([Schedule, Type.Null()])),
    leadsPerDay: Type.Optional(Type.Union([LeadsPerDay, Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);

const ListQuery = Type.Object(
  { ...PageQuery.properties, status: Type.Optional(CampaignStatus) },
  { additionalProperties: false },
);

export function toCampaignJson(row: Campaign): Static<typeof CampaignBody> {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    status: row.status,
    statusReason: row.status_reason,
    leadListId: row.prospect_list,
    senderAccountId: row.sender_account,
    workflowDefinition: row.workflow_definition,
    schedule: row.schedule,
    leadsPerDay: row.leads_per_day,
    workflowId: row.workflow_id,
    startedAt: isoOrNull(row.started_at),
    completedAt: isoOrNull(row.completed_at),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

function isTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Checks a save must pass beyond the schema: a definition that compiles, a real time zone, the org's own list and account. */
async function checkReferences(
  deps: ApiDeps,
  organizationId: string,
  input: {
    workflowDefinition?: unknown;
    schedule?: { timezone: string } | null;
    leadListId?: string;
    senderAccountId?: string;
  },
): Promise<void> {
  if (input.schedule && !isTimezone(input.schedule.timezone)) {
    throw apiError(
      'validation_failed',
      `request validation failed: body.schedule.timezone "${input.schedule.timezone}" is not an IANA time zone`,
      [
        {
          path: 'body.schedule.timezone',
          message: 'must be an IANA time zone (e.g. Europe/Paris)',
          keyword: 'timezone',
        },
      ],
    );
  }
  if (input.workflowDefinition !== undefined) {
    const compiled = deps.compileDefinition(input.workflowDefinition);
    if (!compiled.ok) {
      throw apiError(
        'invalid_workflow_definition',
        `the workflow definition has ${compiled.problems.length} problem(s): ${compiled.problems[0]?.message ?? ''}`,
        compiled.problems,
      );
    }
  }
  if (input.leadListId !== undefined && !(await findLeadList(deps.db, organizationId, input.leadListId)))
    throw notFound('lead_list', input.leadListId);
  if (
    input.senderAccountId !== undefined &&
    !(await findAccount(deps.db, organizationId, input.senderAccountId))
  )
    throw notFound('account', input.senderAccountId);
}

async function explainNotChanged(
  db: Db,
  organizationId: string,
  id: string,
  action: 'edited' | 'deleted',
): Promise<never> {
  const current = await campaigns.findCampaign(db, organizationId, id);
  if (!current) throw notFound('campaign', id);
  throw apiError(
    'campaign_running',
    `the campaign is ${current.status}; it cannot be ${action} until it is ${action === 'edited' ? 'paused or stopped' : 'stopped'}`,
    {
      status: current.status,
    },
  );
}

/**
 * A lead list or account deleted by another request between checkReferences and the write fails the
 * foreign key: the same 404 the check gives, not a 500 (the fuzz run found this race).
 */
function referenceGone(err: unknown, input: { leadListId?: string; senderAccountId?: string }): never {
  const e = err as { code?: unknown; constraint?: unknown };
  const constraint = typeof e.constraint === 'string' ? e.constraint : '';
  if (e.code === '23503' && constraint.includes('prospect_list')) throw notFound('lead_list', input.leadListId);
  if (e.code === '23503' && constraint.includes('sender_account')) throw notFound('account', input.senderAccountId);
  throw err;
}

/** Campaign settings (the engine's side is campaign-control.routes.ts). */
export function registerCampaignRoutes(app: ApiApp, deps: ApiDeps): void {
  const { db } = deps;
  const tags = ['campaigns'];

  app.post(
    '/api/campaigns',
    {
      schema: {
        tags,
        summary:
          'Create a draft campaign; the step graph is validated on save (400 invalid_workflow_definition lists the problems)',
        body: CreateCampaign,
        response: responses({ 201: CampaignBody }, 404),
      },
    },
    async (request, reply) => {
      const organizationId = organizationOf(request);
      const body = request.body;
      await checkReferences(deps, organizationId, body);
      const row = await campaigns
        .insertCampaign(db, organizationId, {
          name: body.name,
          description: body.description ?? null,
          leadListId: body.leadListId,
          senderAccountId: body.senderAccountId,
          workflowDefinition: body.workflowDefinition,
          schedule: body.schedule ?? null,
          leadsPerDay: body.leadsPerDay ?? null,
        })
        .catch((err: unknown) => referenceGone(err, body));
      return reply.status(201).send(toCampaignJson(row));
    },
  );

  app.get(
    '/api/campaigns',
    {
      schema: {
        tags,
        summary: 'List campaigns (deleted ones excluded)',
        querystring: ListQuery,
        response: responses({ 200: Page(CampaignBody) }),
      },
    },
    async (request) =>
      toPage(
        await campaigns.listCampaigns(db, organizationOf(request), pageOf(request.query)),
        pageOf(request.query).limit,
        toCampaignJson,
      ),
  );

  app.get(
    '/api/campaigns/:id',
    {
      schema: {
        tags,
        summary: 'One campaign',
        params: IdParams,
        response: responses({ 200: CampaignBody }, 404),
      },
    },
    async (request) => {
      const row = await campaigns.findCampaign(db, organizationOf(request), request.params.id);
      if (!row) throw notFound('campaign', request.params.id);
      return toCampaignJson(row);
    },
  );

  app.patch(
    '/api/campaigns/:id',
    {
      schema: {
        tags,
        summary:
          'Edit a campaign (draft, paused, stopped, completed or failed; 409 campaign_running while in progress or scheduled)',
        params: IdParams,
        body: PatchCampaign,
        response: responses({ 200: CampaignBody }, 404, 409),
      },
    },
    async (request) => {
      const organizationId = organizationOf(request);
      const { id } = request.params;
      const current = await campaigns.findCampaign(db, organizationId, id);
      if (!current) throw notFound('campaign', id);
      // Report the state conflict before any content problem; the update below re-checks atomically.
      if (!campaigns.EDITABLE_CAMPAIGN_STATUSES.includes(current.status))
        await explainNotChanged(db, organizationId, id, 'edited');
      await checkReferences(deps, organizationId, request.body);
      const row = await campaigns
        .updateEditableCampaign(db, organizationId, id, request.body)
        .catch((err: unknown) => referenceGone(err, request.body));
      return row ? toCampaignJson(row) : explainNotChanged(db, organizationId, id, 'edited');
    },
  );

  app.delete(
    '/api/campaigns/:id',
    {
      schema: {
        tags,
        summary: 'Delete a campaign (soft; 409 campaign_running while in progress, scheduled or paused)',
        params: IdParams,
        response: responses({ 204: Type.Null() }, 404, 409),
      },
    },
    async (request, reply) => {
      const organizationId = organizationOf(request);
      if (!(await campaigns.softDeleteCampaign(db, organizationId, request.params.id)))
        await explainNotChanged(db, organizationId, request.params.id, 'deleted');
      return reply.status(204).send(null);
    },
  );
}
