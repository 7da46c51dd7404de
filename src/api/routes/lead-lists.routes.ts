import { Type, type Static } from '@fastify/type-provider-typebox';
import * as leadLists from '../../db/repositories/lead-list.repository';
import type { LeadList } from '../../db/schema';
import type { ApiApp, ApiDeps } from '../app';
import { organizationOf } from '../auth';
import { apiError, notFound } from '../error-codes';
import {
  IdParams,
  NullableString,
  PageQuery,
  Page,
  Timestamp,
  iso,
  responses,
  toPage,
  pageOf,
} from '../schemas/common';

const LeadListBody = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  description: NullableString,
  totalLeads: Type.Integer(),
  createdAt: Timestamp,
});

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Description = Type.String({ maxLength: 2000 });

const CreateLeadList = Type.Object(
  { name: Name, description: Type.Optional(Description) },
  { additionalProperties: false },
);
const PatchLeadList = Type.Object(
  { name: Type.Optional(Name), description: Type.Optional(Type.Union([Description, Type.Null()])) },
  { additionalProperties: false, minProperties: 1 },
);

export function toLeadListJson(row: LeadList): Static<typeof LeadListBody> {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    totalLeads: row.total_leads,
    createdAt: iso(row.created_at),
  };
}

/** Lead lists (a campaign's prospect_list). Their leads: leads.routes.ts. */
export function registerLeadListRoutes(app: ApiApp, deps: ApiDeps): void {
  const { db } = deps;
  const tags = ['lead lists'];

  app.post(
    '/api/lead-lists',
    {
      schema: {
        tags,
        summary: 'Create an empty lead list',
        body: CreateLeadList,
        response: responses({ 201: LeadListBody }),
      },
    },
    async (request, reply) => {
      const row = await leadLists.insertLeadList(db, {
        organizationId: organizationOf(request),
        name: request.body.name,
        description: request.body.description ?? null,
      });
      return reply.status(201).send(toLeadListJson(row));
    },
  );

  app.get(
    '/api/lead-lists',
    {
      schema: {
        tags,
        summary: 'List lead lists',
        querystring: PageQuery,
        response: responses({ 200: Page(LeadListBody) }),
      },
    },
    async (request) =>
      toPage(
        await leadLists.listLeadLists(db, organizationOf(request), pageOf(request.query)),
        pageOf(request.query).limit,
        toLeadListJson,
      ),
  );

  app.get(
    '/api/lead-lists/:id',
    {
      schema: {
        tags,
        summary: 'One lead list',
        params: IdParams,
        response: responses({ 200: LeadListBody }, 404),
      },
    },
    async (request) => {
      const row = await leadLists.findLeadList(db, organizationOf(request), request.params.id);
      if (!row) throw notFound('lead_list', request.params.id);
      return toLeadListJson(row);
    },
  );

  app.patch(
    '/api/lead-lists/:id',
    {
      schema: {
        tags,
        summary: 'Rename or describe a lead list',
        params: IdParams,
        body: PatchLeadList,
        response: responses({ 200: LeadListBody }, 404),
      },
    },
    async (request) => {
      const row = await leadLists.updateLeadList(
        db,
        organizationOf(request),
        request.params.id,
        request.body,
      );
      if (!row) throw notFound('lead_list', request.params.id);
      return toLeadListJson(row);
    },
  );

  app.delete(
    '/api/lead-lists/:id',
    {
      schema: {
        tags,
        summary: 'Delete a lead list and its leads (409 lead_list_in_use while a campaign uses it)',
        params: IdParams,
        response: responses({ 204: Type.Null() }, 404, 409),
      },
    },
    async (request, reply) => {
      const result = await leadLists.deleteLeadList(db, organizationOf(request), request.params.id);
      if (!result.deleted && result.reason === 'not_found') throw notFound('lead_list', request.params.id);
      if (!result.deleted && result.reason === 'in_use') {
        throw apiError('lead_list_in_use', 'campaigns use this lead list; delete them first', {
          campaignIds: result.campaignIds,
        });
      }
      return reply.status(204).send(null);
    },
  );
}
