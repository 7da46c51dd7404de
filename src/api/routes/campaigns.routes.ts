import { Type, type Static } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/connection';
import * as campaigns from '../../db/repositories/campaign.repository';
import { findAccount } from '../../db/repositories/connected-account.repository';
import { readCounters } from '../../db/repositories/campaign-counter.repository';
import {
  activeSenderIdsOf,
  addCampaignSender,
  listCampaignSenders,
  removeCampaignSender,
  replaceCampaignSenders,
} from '../../db/repositories/campaign-sender.repository';
import { findLeadList } from '../../db/repositories/lead-list.repository';
import { findDefinitionVersion, listDefinitionVersions } from '../../db/repositories/definition-version.repository';
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
  senderAccountIds: Type.Array(Type.String({ format: 'uuid' }), {
    description: "The campaign's active sender pool, in order; senderAccountId is its first",
  }),
  workflowDefinition: Type.Unknown(),
  definitionVersion: Type.Integer({
    minimum: 1,
    description: 'The version of workflowDefinition (GET /api/campaigns/:id/versions); each save that changes the graph makes the next one',
  }),
  schedule: Type.Unknown(),
  leadsPerDay: Type.Union([Type.Integer(), Type.Null()]),
  skipContactedWithinDays: Type.Union([Type.Integer(), Type.Null()]),
  skipConnectedLeads: Type.Boolean(),
  workflowId: NullableString,
  startedAt: NullableTimestamp,
  completedAt: NullableTimestamp,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const Name = Type.String({ minLength: 1, maxLength: 200 });
export const MAX_SENDERS = 50;
const SenderAccountIds = Type.Array(Type.String({ format: 'uuid' }), {
  minItems: 1,
  maxItems: MAX_SENDERS,
  uniqueItems: true,
  description:
    'The sender pool (one or more connected accounts of the organization); each lead gets one of them for its whole life. Give this or senderAccountId (a pool of one).',
});
const Description = Type.String({ maxLength: 2000 });
const LeadsPerDay = Type.Integer({ minimum: 1, maximum: 10_000 });
const SkipConnectedLeads = Type.Boolean({
  description:
    'Skip (and end) leads already connected to the sender, until this campaign has invited or messaged them (reason already_connected_to_sender). Default false.',
});
const SkipContactedWithinDays = Type.Integer({
  minimum: 1,
  maximum: 365,
  description:
    'Skip (and end) leads that another campaign of the organization invited or messaged in the last N days (reason contacted_recently)',
});

const CreateCampaign = Type.Object(
  {
    name: Name,
    description: Type.Optional(Description),
    leadListId: Type.String({ format: 'uuid' }),
    senderAccountId: Type.Optional(Type.String({ format: 'uuid' })),
    senderAccountIds: Type.Optional(SenderAccountIds),
    workflowDefinition: WorkflowDefinition,
    schedule: Type.Optional(Schedule),
    leadsPerDay: Type.Optional(LeadsPerDay),
    skipContactedWithinDays: Type.Optional(SkipContactedWithinDays),
    skipConnectedLeads: Type.Optional(SkipConnectedLeads),
  },
  { additionalProperties: false },
);

const PatchCampaign = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Type.Union([Description, Type.Null()])),
    leadListId: Type.Optional(Type.String({ format: 'uuid' })),
    senderAccountId: Type.Optional(Type.String({ format: 'uuid' })),
    senderAccountIds: Type.Optional(SenderAccountIds),
    workflowDefinition: Type.Optional(WorkflowDefinition),
    schedule: Type.Optional(Type.Union([Schedule, Type.Null()])),
    leadsPerDay: Type.Optional(Type.Union([LeadsPerDay, Type.Null()])),
    skipContactedWithinDays: Type.Optional(Type.Union([SkipContactedWithinDays, Type.Null()])),
    skipConnectedLeads: Type.Optional(SkipConnectedLeads),
    moveInProgressLeads: Type.Optional(
      Type.Boolean({
        description:
          'With workflowDefinition on a running or paused campaign: leads in progress move to the new version at their next step boundary when that is safe (their timeline says whether they moved or why they stayed). Default false: they finish on their version; leads not started yet always take the new one.',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

const ListQuery = Type.Object(
  { ...PageQuery.properties, status: Type.Optional(CampaignStatus) },
  { additionalProperties: false },
);

export function toCampaignJson(row: Campaign, senderAccountIds: string[]): Static<typeof CampaignBody> {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    status: row.status,
    statusReason: row.status_reason,
    leadListId: row.prospect_list,
    senderAccountId: row.sender_account,
    senderAccountIds,
    workflowDefinition: row.workflow_definition,
    definitionVersion: row.definition_version,
    schedule: row.schedule,
    leadsPerDay: row.leads_per_day,
    skipContactedWithinDays: row.skip_contacted_within_days,
    skipConnectedLeads: row.skip_connected_leads,
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

/** With its pool (one query for a page of campaigns). */
async function campaignsJson(db: Db, rows: Campaign[]): Promise<Array<Static<typeof CampaignBody>>> {
  const pools = await activeSenderIdsOf(db, rows);
  return rows.map((row) => toCampaignJson(row, pools.get(row.id) ?? []));
}

/**
 * The pool a save asks for: `senderAccountIds`, or `senderAccountId` as a pool of one; both given
 * must agree on the first sender. undefined: the save does not touch the pool.
 */
function requestedPool(body: {
  senderAccountId?: string;
  senderAccountIds?: string[];
}): string[] | undefined {
  if (body.senderAccountIds === undefined)
    return body.senderAccountId === undefined ? undefined : [body.senderAccountId];
  if (body.senderAccountId !== undefined && body.senderAccountId !== body.senderAccountIds[0]) {
    throw apiError(
      'validation_failed',
      'request validation failed: body.senderAccountId must be the first of body.senderAccountIds when both are given',
      [{ path: 'body.senderAccountId', message: 'must equal senderAccountIds[0]', keyword: 'senderPool' }],
    );
  }
  return body.senderAccountIds;
}

/** Checks a save must pass beyond the schema: a definition that compiles, a real time zone, the org's own list and account. */
async function checkReferences(
  deps: ApiDeps,
  organizationId: string,
  input: {
    workflowDefinition?: unknown;
    schedule?: { timezone: string } | null;
    leadListId?: string;
    senderAccountIds?: string[];
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
  for (const accountId of input.senderAccountIds ?? []) {
    if (!(await findAccount(deps.db, organizationId, accountId))) throw notFound('account', accountId);
  }
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
    action === 'edited' && current.status === 'in_progress'
      ? 'the campaign is in_progress; only its workflowDefinition (with moveInProgressLeads) can change until it is paused or stopped'
      : `the campaign is ${current.status}; it cannot be ${action} until it is ${action === 'edited' ? 'paused or stopped' : 'stopped'}`,
    {
      status: current.status,
    },
  );
}

/**
 * A lead list or account deleted by another request between checkReferences and the write fails the
 * foreign key: the same 404 the check gives, not a 500 (the fuzz run found this race).
 */
function referenceGone(err: unknown, input: { leadListId?: string; senderAccountIds?: string[] }): never {
  const e = err as { code?: unknown; constraint?: unknown };
  const constraint = typeof e.constraint === 'string' ? e.constraint : '';
  if (e.code === '23503' && constraint.includes('prospect_list'))
    throw notFound('lead_list', input.leadListId);
  if (e.code === '23503' && (constraint.includes('sender_account') || constraint.includes('account_id')))
    throw notFound('account', input.senderAccountIds?.join(', '));
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
      const pool = requestedPool(body);
      if (!pool) {
        throw apiError(
          'validation_failed',
          'request validation failed: body must have senderAccountId or senderAccountIds',
          [
            {
              path: 'body.senderAccountIds',
              message: 'a campaign needs at least one sender account',
              keyword: 'required',
            },
          ],
        );
      }
      const refs = { ...body, senderAccountIds: pool };
      await checkReferences(deps, organizationId, refs);
      const row = await db
        .transaction()
        .execute(async (trx) => {
          const created = await campaigns.insertCampaign(trx, organizationId, {
            name: body.name,
            description: body.description ?? null,
            leadListId: body.leadListId,
            senderAccountId: pool[0]!,
            workflowDefinition: body.workflowDefinition,
            schedule: body.schedule ?? null,
            leadsPerDay: body.leadsPerDay ?? null,
            skipContactedWithinDays: body.skipContactedWithinDays ?? null,
            skipConnectedLeads: body.skipConnectedLeads ?? false,
          });
          await replaceCampaignSenders(trx, created.id, pool);
          return created;
        })
        .catch((err: unknown) => referenceGone(err, refs));
      return reply.status(201).send(toCampaignJson(row, pool));
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
    async (request) => {
      const query = pageOf(request.query);
      const rows = await campaigns.listCampaigns(db, organizationOf(request), query);
      const pools = await activeSenderIdsOf(db, rows.slice(0, query.limit));
      return toPage(rows, query.limit, (row) => toCampaignJson(row, pools.get(row.id) ?? []));
    },
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
      return (await campaignsJson(db, [row]))[0]!;
    },
  );

  app.patch(
    '/api/campaigns/:id',
    {
      schema: {
        tags,
        summary:
          'Edit a campaign (draft, paused, stopped, completed or failed). While in progress only workflowDefinition may change (409 campaign_running for anything else, and while scheduled): a new version that leads not started yet take, and leads in progress too with moveInProgressLeads. 503 temporal_unavailable: the engine could not be told, nothing saved',
        params: IdParams,
        body: PatchCampaign,
        response: responses({ 200: CampaignBody }, 404, 409, 503),
      },
    },
    async (request) => {
      const organizationId = organizationOf(request);
      const { id } = request.params;
      const current = await campaigns.findCampaign(db, organizationId, id);
      if (!current) throw notFound('campaign', id);
      const { senderAccountIds: _pool, moveInProgressLeads, ...fields } = request.body;
      // A running campaign takes a new definition (a new version), and nothing else.
      const definitionOnly = current.status === 'in_progress';
      const onlyDefinition = fields.workflowDefinition !== undefined && _pool === undefined && Object.keys(fields).every((k) => k === 'workflowDefinition');
      // Report the state conflict before any content problem; the update below re-checks atomically.
      if (definitionOnly ? !onlyDefinition : !campaigns.EDITABLE_CAMPAIGN_STATUSES.includes(current.status))
        await explainNotChanged(db, organizationId, id, 'edited');
      const pool = requestedPool(request.body);
      const refs = { ...request.body, senderAccountIds: pool };
      await checkReferences(deps, organizationId, refs);
      const row = await db
        .transaction()
        .execute(async (trx) => {
          const updated = definitionOnly
            ? await campaigns.updateRunningCampaignDefinition(trx, organizationId, id, fields.workflowDefinition)
            : await campaigns.updateEditableCampaign(trx, organizationId, id, { ...fields, senderAccountId: pool?.[0] });
          if (updated && pool) await replaceCampaignSenders(trx, id, pool);
          // The orchestrator hears of the new version before it is committed (or the save rolls back: 503);
          // it loads the version by number, retrying until the commit makes it visible.
          if (updated && updated.definition_version > current.definition_version && (updated.status === 'in_progress' || updated.status === 'paused')) {
            await deps.campaignControl.announceDefinition({
              organizationId,
              campaignId: id,
              version: updated.definition_version,
              moveInProgressLeads: moveInProgressLeads ?? false,
            });
          }
          return updated;
        })
        .catch((err: unknown) => referenceGone(err, refs));
      return row ? (await campaignsJson(db, [row]))[0]! : explainNotChanged(db, organizationId, id, 'edited');
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

  const VersionSummary = Type.Object({
    version: Type.Integer({ minimum: 1 }),
    createdAt: Timestamp,
    nodeCount: Type.Integer({ description: 'Action nodes in the definition' }),
    current: Type.Boolean({ description: 'The version leads that start now take' }),
  });

  app.get(
    '/api/campaigns/:id/versions',
    {
      schema: {
        tags,
        summary: "The campaign's definition versions, newest first (each save that changed the step graph made one; kept for ever)",
        params: IdParams,
        response: responses({ 200: Type.Object({ items: Type.Array(VersionSummary) }) }, 404),
      },
    },
    async (request) => {
      const campaign = await campaigns.findCampaign(db, organizationOf(request), request.params.id);
      if (!campaign) throw notFound('campaign', request.params.id);
      const items = await listDefinitionVersions(db, campaign.id);
      return { items: items.map((v) => ({ version: v.version, createdAt: iso(v.createdAt), nodeCount: v.nodeCount, current: v.version === campaign.definition_version })) };
    },
  );

  app.get(
    '/api/campaigns/:id/versions/:version',
    {
      schema: {
        tags,
        summary: 'One definition version of the campaign, as it was saved',
        params: Type.Object(
          { id: Type.String({ format: 'uuid' }), version: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) },
          { additionalProperties: false },
        ),
        response: responses(
          { 200: Type.Object({ ...Type.Omit(VersionSummary, ['nodeCount']).properties, definition: Type.Unknown() }) },
          404,
        ),
      },
    },
    async (request) => {
      const { id, version } = request.params;
      const campaign = await campaigns.findCampaign(db, organizationOf(request), id);
      if (!campaign) throw notFound('campaign', id);
      const row = await findDefinitionVersion(db, campaign.id, version);
      if (!row) throw notFound('definition_version', String(version));
      return { version: row.version, createdAt: iso(row.created_at), current: row.version === campaign.definition_version, definition: row.definition };
    },
  );

  const SenderParams = Type.Object(
    { id: Type.String({ format: 'uuid' }), accountId: Type.String({ format: 'uuid' }) },
    { additionalProperties: false },
  );

  const Rate = Type.Union([Type.Number(), Type.Null()], {
    description: 'accepted / invited (or replied / contacted); null before any',
  });
  const SenderStats = Type.Object({
    accountId: Type.String({ format: 'uuid' }),
    displayName: NullableString,
    accountStatus: Type.String(),
    active: Type.Boolean({
      description: 'In the pool now (false: removed; its contacted leads may still finish on it)',
    }),
    addedAt: Timestamp,
    removedAt: NullableTimestamp,
    leads: Type.Object({ total: Type.Integer(), byStatus: Type.Record(Type.String(), Type.Integer()) }),
    actions: Type.Record(Type.String(), Type.Integer(), { description: 'LinkedIn steps done, by step kind' }),
    invited: Type.Integer(),
    accepted: Type.Integer(),
    acceptanceRate: Rate,
    contacted: Type.Integer(),
    replied: Type.Integer(),
    replyRate: Rate,
  });

  app.get(
    '/api/campaigns/:id/senders',
    {
      schema: {
        tags,
        summary:
          'The campaign sender pool with per-sender leads, actions, acceptance and reply rates (kept as progress is recorded)',
        params: IdParams,
        response: responses({ 200: Type.Object({ items: Type.Array(SenderStats) }) }, 404),
      },
    },
    async (request) => {
      const organizationId = organizationOf(request);
      const { id } = request.params;
      if (!(await campaigns.findCampaign(db, organizationId, id))) throw notFound('campaign', id);
      const senders = await listCampaignSenders(db, id);
      const counters = await readCounters(db, id, ['sender:']);
      const accounts = senders.length
        ? await db
            .selectFrom('connected_accounts')
            .select(['id', 'display_name', 'status'])
            .where(
              'id',
              'in',
              senders.map((s) => s.accountId),
            )
            .execute()
        : [];
      const items = senders.map((s) => {
        const prefix = `sender:${s.accountId}:`;
        const byStatus: Record<string, number> = {};
        const actions: Record<string, number> = {};
        const rate: Record<string, number> = {};
        for (const [key, value] of counters) {
          if (!key.startsWith(prefix) || value === 0) continue;
          const [group, name] = key.slice(prefix.length).split(':') as [string, string];
          if (group === 'leads') byStatus[name] = value;
          else if (group === 'done') actions[name] = value;
          else if (group === 'rate') rate[name] = value;
        }
        const account = accounts.find((a) => a.id === s.accountId);
        const ratio = (n: number, d: number) => (d > 0 ? n / d : null);
        return {
          accountId: s.accountId,
          displayName: account?.display_name ?? null,
          accountStatus: account?.status ?? 'deleted',
          active: s.removedAt === null,
          addedAt: iso(s.addedAt),
          removedAt: isoOrNull(s.removedAt),
          leads: { total: Object.values(byStatus).reduce((a, b) => a + b, 0), byStatus },
          actions,
          invited: rate.invited ?? 0,
          accepted: rate.accepted ?? 0,
          acceptanceRate: ratio(rate.accepted ?? 0, rate.invited ?? 0),
          contacted: rate.contacted ?? 0,
          replied: rate.replied ?? 0,
          replyRate: ratio(rate.replied ?? 0, rate.contacted ?? 0),
        };
      });
      return { items };
    },
  );

  app.post(
    '/api/campaigns/:id/senders',
    {
      schema: {
        tags,
        summary:
          'Add a sender account to the campaign pool, also while it runs: leads that start from now on may get it',
        params: IdParams,
        body: Type.Object({ accountId: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
        response: responses({ 200: CampaignBody }, 404),
      },
    },
    async (request) => {
      const organizationId = organizationOf(request);
      const { id } = request.params;
      if (!(await campaigns.findCampaign(db, organizationId, id))) throw notFound('campaign', id);
      if (!(await findAccount(db, organizationId, request.body.accountId)))
        throw notFound('account', request.body.accountId);
      await db.transaction().execute((trx) => addCampaignSender(trx, id, request.body.accountId));
      return (await campaignsJson(db, [(await campaigns.findCampaign(db, organizationId, id))!]))[0]!;
    },
  );

  app.delete(
    '/api/campaigns/:id/senders/:accountId',
    {
      schema: {
        tags,
        summary:
          'Remove a sender from the pool, also while the campaign runs: leads it has not contacted yet move to the other senders; the ones it contacted finish on it, or stop (reason sender_removed) with stopContactedLeads=true (409 last_sender for the last one; repeating the request on a removed sender stops its contacted leads again)',
        params: SenderParams,
        querystring: Type.Object(
          {
            stopContactedLeads: Type.Optional(
              Type.Boolean({
                default: false,
                description: 'Stop the leads this sender already contacted instead of letting them finish on it',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: responses({ 200: CampaignBody }, 404, 409, 503),
      },
    },
    async (request) => {
      const organizationId = organizationOf(request);
      const { id, accountId } = request.params;
      if (!(await campaigns.findCampaign(db, organizationId, id))) throw notFound('campaign', id);
      const sender = (await listCampaignSenders(db, id)).find((s) => s.accountId === accountId);
      // A removed sender may be named again to stop its contacted leads (a first attempt Temporal missed).
      if (!sender || (sender.removedAt !== null && !request.query.stopContactedLeads))
        throw notFound('campaign_sender', accountId);
      if (sender.removedAt === null) {
        const removed = await db.transaction().execute((trx) => removeCampaignSender(trx, id, accountId));
        if (!removed)
          throw apiError(
            'last_sender',
            "the account is the campaign's last sender: add another before removing it",
            { accountId },
          );
      }
      if (request.query.stopContactedLeads) {
        if (!deps.stopLeadsOfSender) throw apiError('temporal_unavailable', 'the engine is not reachable from this process');
        const stopped = await deps.stopLeadsOfSender({ campaignId: id, accountId }).catch((err: unknown) => {
          request.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not stop the removed sender\'s leads');
          throw apiError(
            'temporal_unavailable',
            'the sender is removed, but its contacted leads could not be stopped now: repeat the request to stop them',
          );
        });
        request.log.info({ campaignId: id, accountId, stopped }, 'stopped the removed sender\'s contacted leads');
      }
      return (await campaignsJson(db, [(await campaigns.findCampaign(db, organizationId, id))!]))[0]!;
    },
  );

}
