import { Type, type Static } from '@fastify/type-provider-typebox';
import * as dnc from '../../db/repositories/do-not-contact.repository';
import { DNC_KINDS } from '../../services/do-not-contact-keys';
import { addEntries, entriesFromCsv, MAX_DNC_ENTRIES_PER_REQUEST, MAX_DNC_VALUE_CHARS } from '../../services/do-not-contact';
import type { ApiApp, ApiDeps } from '../app';
import { organizationOf } from '../auth';
import { apiError, notFound } from '../error-codes';
import { IMPORT_BODY_LIMIT } from '../limits';
import { IdParams, PageQuery, Page, Timestamp, iso, responses, toPage, pageOf } from '../schemas/common';

const Kind = Type.Union(DNC_KINDS.map((k) => Type.Literal(k)));

const Entry = Type.Object({
  id: Type.String({ format: 'uuid' }),
  kind: Kind,
  value: Type.String({ description: 'As entered' }),
  key: Type.String({ description: 'What leads are matched on: the public identifier or provider id, the company name without case, punctuation or legal suffix, or the domain' }),
  createdAt: Timestamp,
});

const EntryInput = Type.Object(
  {
    kind: Type.Optional(Kind),
    value: Type.String({ minLength: 1, maxLength: MAX_DNC_VALUE_CHARS }),
  },
  { additionalProperties: false, description: 'Without `kind`, a LinkedIn URL or provider id is a profile and a domain a domain; a company name needs `kind: "company"`.' },
);

const AddReport = Type.Object({
  added: Type.Array(Entry),
  duplicates: Type.Integer({ description: 'Entries already on the list, or twice in the request' }),
  rejected: Type.Array(
    Type.Object({
      row: Type.Integer({ description: '1-based index in the JSON array; in a CSV the header is row 1' }),
      value: Type.String(),
      code: Type.String({ description: 'invalid_value, unknown_kind' }),
      message: Type.String(),
    }),
  ),
});

const JsonBody = Type.Union([
  EntryInput,
  Type.Array(EntryInput, { maxItems: MAX_DNC_ENTRIES_PER_REQUEST }),
  Type.Object({ entries: Type.Array(EntryInput, { maxItems: MAX_DNC_ENTRIES_PER_REQUEST }) }, { additionalProperties: false }),
]);

const ListQuery = Type.Object({ ...PageQuery.properties, kind: Type.Optional(Kind) }, { additionalProperties: false });

const CSV_TYPES = ['text/csv', 'application/csv'];

function toJson(row: dnc.DoNotContactEntry) {
  return { id: row.id, kind: row.kind, value: row.value, key: row.key, createdAt: iso(row.created_at) };
}

/** The organization's do-not-contact list: leads on it are skipped with reason `do_not_contact`. */
export function registerDoNotContactRoutes(app: ApiApp, deps: ApiDeps): void {
  const { db } = deps;
  const tags = ['do-not-contact'];

  app.post(
    '/api/do-not-contact',
    {
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: {
        tags,
        summary: `Add entries from JSON or CSV (up to ${MAX_DNC_ENTRIES_PER_REQUEST} per request)`,
        description:
          'JSON: one entry, `{ "entries": [...] }` or a bare array. CSV: a header row; every cell of a LinkedIn column (linkedin_url, "LinkedIn URL", linkedin_id...), ' +
          'a company column or a domain column (domain, website) is one entry, and a `kind`,`value` pair of columns gives one per row. ' +
          'Entries already listed count as duplicates; values that are not a profile, company or domain are reported and skipped. ' +
          'Running leads that match are stopped (reason do_not_contact) before their next LinkedIn action.',
        body: {
          content: {
            'application/json': {
              schema: JsonBody,
            },
            ...Object.fromEntries(CSV_TYPES.map((t) => [t, { schema: Type.String({ description: 'CSV with a header row' }) }])),
          },
        },
        response: responses({ 200: AddReport }, 413, 415),
      },
    },
    async (request) => {
      const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      let inputs;
      if (CSV_TYPES.includes(contentType)) {
        if (typeof request.body !== 'string') throw apiError('invalid_csv', 'the CSV body is empty');
        inputs = await entriesFromCsv(request.body);
      } else if (request.body === undefined || request.body === null) {
        // A request without a body meets no content schema: nothing was validated.
        throw apiError('validation_failed', 'a JSON body (an entry, an array of entries or { entries }) or a text/csv body is required');
      } else {
        // Validated by the JSON schema above (per-content-type schemas are not typed by the provider).
        const body = request.body as Static<typeof JsonBody>;
        const list = Array.isArray(body) ? body : 'entries' in body ? body.entries : [body];
        inputs = list.map((e, i) => ({ ...e, row: i + 1 }));
      }
      const report = await addEntries(db, organizationOf(request), inputs);
      // At once rather than at the background loop's next pass; a failure is left to that pass.
      if (report.added.length > 0 && deps.stopListedLeads) {
        await deps.stopListedLeads().catch((err: unknown) => request.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not stop listed leads yet'));
      }
      return { ...report, added: report.added.map(toJson) };
    },
  );

  app.get(
    '/api/do-not-contact',
    {
      schema: { tags, summary: 'The list, by pages (keyset on id)', querystring: ListQuery, response: responses({ 200: Page(Entry) }) },
    },
    async (request) => {
      const page = pageOf(request.query);
      return toPage(await dnc.listEntries(db, organizationOf(request), page), page.limit, toJson);
    },
  );

  app.delete(
    '/api/do-not-contact/:id',
    {
      schema: { tags, summary: 'Remove an entry', params: IdParams, response: responses({ 204: Type.Null() }, 404) },
    },
    async (request, reply) => {
      if (!(await dnc.deleteEntry(db, organizationOf(request), request.params.id))) throw notFound('do_not_contact_entry', request.params.id);
      return reply.status(204).send(null);
    },
  );
}
