import { Type } from '@fastify/type-provider-typebox';
import * as apiKeys from '../../db/repositories/api-key.repository';
import { API_KEY_SCOPES } from '../../db/schema';
import { createApiKey, rotateApiKey, revokeApiKey } from '../../services/organizations';
import type { ApiApp, ApiDeps } from '../app';
import { organizationOf, requireAdmin } from '../auth';
import { apiError, notFound } from '../error-codes';
import { IdParams, NullableTimestamp, PageQuery, Page, Timestamp, iso, isoOrNull, pageOf, responses, toPage } from '../schemas/common';

const Scopes = Type.Array(Type.Enum(Object.fromEntries(API_KEY_SCOPES.map((s) => [s, s])) as { admin: 'admin' }), {
  uniqueItems: true,
  description: '`admin` manages API keys; without it a key uses every other route',
});

const ApiKey = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  keyPrefix: Type.String({ description: 'The first 12 characters of the key, to recognise it' }),
  scopes: Scopes,
  status: Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('revoked')]),
  createdAt: Timestamp,
  expiresAt: NullableTimestamp,
  lastUsedAt: Type.Union([Timestamp, Type.Null()], { description: 'Precise to about a minute' }),
  revokedAt: NullableTimestamp,
});

const CreatedApiKey = Type.Object({
  ...ApiKey.properties,
  apiKey: Type.String({ description: 'The secret (clk_...). Shown only in this response; only its hash is stored.' }),
});

const CreateApiKey = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    scopes: Type.Optional(Scopes),
    expiresAt: Type.Optional(Type.String({ format: 'date-time', description: 'Must be in the future; unset: never expires' })),
  },
  { additionalProperties: false },
);

function toJson(row: apiKeys.ApiKeyListing) {
  const expired = row.expires_at !== null && row.expires_at.getTime() <= Date.now();
  return {
    id: row.id,
    name: row.name,
    keyPrefix: row.key_prefix,
    scopes: row.scopes,
    status: row.revoked_at ? ('revoked' as const) : expired ? ('expired' as const) : ('active' as const),
    createdAt: iso(row.created_at),
    expiresAt: isoOrNull(row.expires_at),
    lastUsedAt: isoOrNull(row.last_used_at),
    revokedAt: isoOrNull(row.revoked_at),
  };
}

/** The organization's API keys; every route needs the admin scope. */
export function registerApiKeyRoutes(app: ApiApp, deps: ApiDeps): void {
  const { db } = deps;
  const tags = ['api keys'];

  // Route-level, so it runs after the API-key check and before the body is validated.
  const onRequest = requireAdmin;

  const created = async (organizationId: string, key: { id: string; apiKey: string }) => {
    const row = await apiKeys.findApiKey(db, organizationId, key.id);
    if (!row) throw notFound('api_key', key.id);
    return { ...toJson(row), apiKey: key.apiKey };
  };

  app.get(
    '/api/api-keys',
    { onRequest, schema: { tags, summary: 'List API keys (never their secrets)', querystring: PageQuery, response: responses({ 200: Page(ApiKey) }, 403) } },
    async (request) => {
      const page = pageOf(request.query);
      return toPage(await apiKeys.listApiKeys(db, organizationOf(request), page), page.limit, toJson);
    },
  );

  app.post(
    '/api/api-keys',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Create an API key; its secret is returned once',
        body: CreateApiKey,
        response: responses({ 201: CreatedApiKey }, 403),
      },
    },
    async (request, reply) => {
      const organizationId = organizationOf(request);
      const expiresAt = request.body.expiresAt === undefined ? null : new Date(request.body.expiresAt);
      if (expiresAt && expiresAt.getTime() <= Date.now()) throw apiError('invalid_expiry', 'expiresAt must be in the future', { expiresAt: request.body.expiresAt });
      const key = await createApiKey(db, organizationId, { name: request.body.name, scopes: request.body.scopes ?? [], expiresAt });
      return reply.status(201).send(await created(organizationId, key));
    },
  );

  app.post(
    '/api/api-keys/:id/rotate',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Revoke the key and issue a new secret with the same name, scopes and expiry',
        params: IdParams,
        response: responses({ 201: CreatedApiKey }, 403, 404),
      },
    },
    async (request, reply) => {
      const organizationId = organizationOf(request);
      const key = await rotateApiKey(db, organizationId, request.params.id);
      if (!key) throw notFound('api_key', request.params.id);
      return reply.status(201).send(await created(organizationId, key));
    },
  );

  app.delete(
    '/api/api-keys/:id',
    {
      onRequest,
      schema: { tags, summary: 'Revoke a key: it answers 401 from the next request on', params: IdParams, response: responses({ 204: Type.Null() }, 403, 404) },
    },
    async (request, reply) => {
      if (!(await revokeApiKey(db, organizationOf(request), request.params.id))) throw notFound('api_key', request.params.id);
      return reply.status(204).send(null);
    },
  );
}
