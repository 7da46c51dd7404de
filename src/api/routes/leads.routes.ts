import { Type, type Static } from '@fastify/type-provider-typebox';
import { findLeadList } from '../../db/repositories/lead-list.repository';
import * as leads from '../../db/repositories/lead.repository';
import { LEAD_STATUSES, type Lead } from '../../db/schema';
import { MAX_LEADS_PER_LIST, MAX_REPORTED_ERRORS, importLeads } from '../../services/leads-import';
import { LEAD_FIELDS } from '../../services/lead-rows';
import type { ApiApp, ApiDeps } from '../app';
import { IMPORT_BODY_LIMIT } from '../limits';
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

const LeadBody = Type.Object({
  id: Type.String({ format: 'uuid' }),
  leadListId: Type.String({ format: 'uuid' }),
  fullName: NullableString,
  firstName: NullableString,
  lastName: NullableString,
  email: NullableString,
  phone: NullableString,
  title: NullableString,
  company: NullableString,
  industry: NullableString,
  location: NullableString,
  linkedinUrl: NullableString,
  linkedinId: NullableString,
  providerId: Type.Union([Type.String(), Type.Null()], {
    description: 'LinkedIn provider id, once a profile visit resolved it',
  }),
  status: Type.String(),
  source: NullableString,
  enrichmentData: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Timestamp,
});

/** Documented, not enforced per field: each row is checked on its own so one bad row does not sink the upload. */
const LeadInput = Type.Object(
  Object.fromEntries(LEAD_FIELDS.map((f) => [f, Type.Optional(Type.Any({ description: 'string' }))])),
  {
    additionalProperties: true,
    description:
      'snake_case or camelCase keys (linkedin_url / linkedinUrl...); needs linkedin_url or linkedin_id. Other keys are kept in enrichmentData.importedFields.',
  },
);

const ImportReport = Type.Object({
  imported: Type.Integer(),
  duplicates: Type.Integer({
    description:
      'Rows skipped because their linkedin_url or linkedin_id is already in the list or earlier in the upload',
  }),
  rejected: Type.Integer(),
  errors: Type.Array(
    Type.Object({
      row: Type.Integer({ description: '1-based; in a CSV the header is row 1' }),
      field: Type.Optional(Type.String()),
      code: Type.String({
        description:
          'missing_linkedin_identity, invalid_linkedin_url, invalid_linkedin_id, invalid_email, invalid_value, field_too_long, not_an_object',
      }),
      message: Type.String(),
    }),
    { description: `The rejected rows (the first ${MAX_REPORTED_ERRORS})` },
  ),
  errorsTruncated: Type.Boolean(),
  totalLeads: Type.Integer({ description: 'Leads in the list after the import' }),
});

const LeadsQuery = Type.Object(
  { ...PageQuery.properties, status: Type.Optional(Type.Enum(LEAD_STATUSES)) },
  { additionalProperties: false },
);

export function toLeadJson(row: Lead): Static<typeof LeadBody> {
  return {
    id: row.id,
    leadListId: row.lead_list_id,
    fullName: row.full_name,
    firstName: row.first_name,
    lastName: row.last_name,
    email: row.email,
    phone: row.phone,
    title: row.title,
    company: row.company,
    industry: row.industry,
    location: row.location,
    linkedinUrl: row.linkedin_url,
    linkedinId: row.linkedin_id,
    providerId: row.provider_id,
    status: row.status,
    source: row.source,
    enrichmentData: row.enrichment_data,
    createdAt: iso(row.created_at),
  };
}

const CSV_TYPES = ['text/csv', 'application/csv', 'text/plain'];

/** Leads: bulk import into a list, listing, one lead. */
export function registerLeadRoutes(app: ApiApp, deps: ApiDeps): void {
  const { db } = deps;
  const tags = ['leads'];

  app.post(
    '/api/lead-lists/:id/leads',
    {
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: {
        tags,
        summary: `Import leads from JSON or CSV (up to ${MAX_LEADS_PER_LIST} per list, ${IMPORT_BODY_LIMIT / 1024 / 1024} MiB per request)`,
        description:
          'JSON: `{ "leads": [...] }` or a bare array. CSV: a header row, columns matched without case or punctuation ' +
          '(full_name, first_name, last_name, email, phone, title, company, industry, location, linkedin_url, linkedin_id, and common variants ' +
          'such as "LinkedIn URL", "First Name", "Job Title"). LinkedIn URLs are normalized to https://www.linkedin.com/in/<slug>/. ' +
          'Rows already in the list (same linkedin_url or linkedin_id) are counted as duplicates and skipped; invalid rows are reported and skipped. ' +
          'All or nothing: if the list would exceed the limit nothing is imported.',
        params: IdParams,
        body: {
          content: {
            'application/json': {
              schema: Type.Union([
                Type.Array(LeadInput),
                Type.Object({ leads: Type.Array(LeadInput) }, { additionalProperties: false }),
              ]),
            },
            ...Object.fromEntries(
              CSV_TYPES.map((t) => [t, { schema: Type.String({ description: 'CSV with a header row' }) }]),
            ),
          },
        },
        response: responses({ 200: ImportReport }, 404, 413, 415, 422),
      },
    },
    async (request) => {
      const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      const isCsv = CSV_TYPES.includes(contentType);
      if (isCsv && typeof request.body !== 'string') throw apiError('invalid_csv', 'the CSV body is empty');
      return importLeads(db, {
        organizationId: organizationOf(request),
        leadListId: request.params.id,
        data: isCsv ? { kind: 'csv', text: request.body as string } : { kind: 'json', body: request.body },
      });
    },
  );

  app.get(
    '/api/lead-lists/:id/leads',
    {
      schema: {
        tags,
        summary: 'Leads of a list, by pages (keyset on id)',
        params: IdParams,
        querystring: LeadsQuery,
        response: responses({ 200: Page(LeadBody) }, 404),
      },
    },
    async (request) => {
      const organizationId = organizationOf(request);
      if (!(await findLeadList(db, organizationId, request.params.id)))
        throw notFound('lead_list', request.params.id);
      const rows = await leads.listLeads(db, organizationId, request.params.id, pageOf(request.query));
      return toPage(rows, pageOf(request.query).limit, toLeadJson);
    },
  );

  app.get(
    '/api/leads/:id',
    { schema: { tags, summary: 'One lead', params: IdParams, response: responses({ 200: LeadBody }, 404) } },
    async (request) => {
      const row = await leads.findLead(db, organizationOf(request), request.params.id);
      if (!row) throw notFound('lead', request.params.id);
      return toLeadJson(row);
    },
  );

  app.delete(
    '/api/leads/:id',
    {
      schema: {
        tags,
        summary: 'Delete a lead (409 lead_in_use while a campaign is processing it)',
        params: IdParams,
        response: responses({ 204: Type.Null() }, 404, 409),
      },
    },
    async (request, reply) => {
      const result = await leads.deleteLead(db, organizationOf(request), request.params.id);
      if (!result.deleted && result.reason === 'not_found') throw notFound('lead', request.params.id);
      if (!result.deleted)
        throw apiError('lead_in_use', 'a campaign is processing this lead; stop the campaign first');
      return reply.status(204).send(null);
    },
  );
}
