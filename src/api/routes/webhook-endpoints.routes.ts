import { randomBytes } from 'node:crypto';
import { Type } from '@fastify/type-provider-typebox';
import * as webhooks from '../../db/repositories/organization-webhook.repository';
import type { ApiApp, ApiDeps } from '../app';
import { organizationOf } from '../auth';
import { checkWebhookUrl, STRICT_WEBHOOK_POLICY } from '../../services/webhook-destinations';
import { apiError, notFound } from '../error-codes';
import { IdParams, PageQuery, Page, Timestamp, iso, responses, toPage, pageOf } from '../schemas/common';

const WebhookEndpoint = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  url: Type.String(),
  createdAt: Timestamp,
});

const CreatedWebhookEndpoint = Type.Object({
  ...WebhookEndpoint.properties,
  signingSecret: Type.String({
    description: 'HMAC-SHA256 key for the signature on each delivery. Shown only in this response.',
  }),
});

const CreateWebhookEndpoint = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    url: Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048 }),
  },
  { additionalProperties: false },
);

function toJson(row: webhooks.OrganizationWebhookSummary) {
  return { id: row.id, name: row.name, url: row.url, createdAt: iso(row.created_at) };
}

/** Endpoints the campaign `webhook` step posts to (its config.webhookId names one). */
export function registerWebhookEndpointRoutes(app: ApiApp, deps: ApiDeps): void {
  const { db } = deps;
  const tags = ['webhook endpoints'];

  app.post(
    '/api/webhook-endpoints',
    {
      schema: {
        tags,
        summary: 'Add an endpoint; the signing secret is returned once',
        description:
          'The URL must be https (http only with WEBHOOK_ALLOW_HTTP) and its host must not be a loopback, private, link-local, multicast or otherwise non-public address unless WEBHOOK_ALLOWED_HOSTS names it (400 webhook_url_not_allowed). Hostnames are resolved again at every delivery.',
        body: CreateWebhookEndpoint,
        response: responses({ 201: CreatedWebhookEndpoint }),
      },
    },
    async (request, reply) => {
      const refusal = checkWebhookUrl(request.body.url, deps.webhookDestinations ?? STRICT_WEBHOOK_POLICY);
      if (refusal) throw apiError('webhook_url_not_allowed', refusal.message, { reason: refusal.reason });
      const signingSecret = `whsec_${randomBytes(32).toString('base64url')}`;
      const row = await webhooks.insertWebhook(db, {
        organizationId: organizationOf(request),
        ...request.body,
        signingSecret,
      });
      return reply.status(201).send({ ...toJson(row), signingSecret });
    },
  );

  app.get(
    '/api/webhook-endpoints',
    {
      schema: {
        tags,
        summary: 'List endpoints (without secrets)',
        querystring: PageQuery,
        response: responses({ 200: Page(WebhookEndpoint) }),
      },
    },
    async (request) =>
      toPage(
        await webhooks.listWebhooks(db, organizationOf(request), pageOf(request.query)),
        pageOf(request.query).limit,
        toJson,
      ),
  );

  app.get(
    '/api/webhook-endpoints/:id',
    {
      schema: {
        tags,
        summary: 'One endpoint (without its secret)',
        params: IdParams,
        response: responses({ 200: WebhookEndpoint }, 404),
      },
    },
    async (request) => {
      const row = await webhooks.findWebhook(db, organizationOf(request), request.params.id);
      if (!row) throw notFound('webhook_endpoint', request.params.id);
      return toJson(row);
    },
  );

  app.delete(
    '/api/webhook-endpoints/:id',
    {
      schema: {
        tags,
        summary: 'Delete an endpoint',
        params: IdParams,
        response: responses({ 204: Type.Null() }, 404),
      },
    },
    async (request, reply) => {
      if (!(await webhooks.deleteWebhook(db, organizationOf(request), request.params.id)))
        throw notFound('webhook_endpoint', request.params.id);
      return reply.status(204).send(null);
    },
  );
}
