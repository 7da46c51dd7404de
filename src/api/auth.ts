import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { ApiKeyScope } from '../db/schema';
import type { Db } from '../db/connection';
import { ForbiddenError, UnauthorizedError } from '../errors';
import { authenticateApiKey } from '../services/organizations';
import { apiError } from './error-codes';

/**
 * API-key authentication and tenancy. Every matched `/api/*` route needs `Authorization: Bearer <key>`
 * except `/api/webhooks/*` (providers sign those instead). The check runs in `onRequest`, before the
 * body is read, and sets `request.organizationId`; every query downstream is scoped by it.
 */

declare module 'fastify' {
  interface FastifyRequest {
    organizationId: string | null;
    /** The live key the request came with (after the API-key check). */
    apiKey: { id: string; scopes: ApiKeyScope[] } | null;
    /** Why the key was refused; thrown after the rate limit counted the request against the client's IP. */
    authFailure: UnauthorizedError | null;
  }
}

export const WEBHOOK_PREFIX = '/api/webhooks/';

export function requiresApiKey(routeUrl: string | undefined): boolean {
  // The matched route pattern, not the raw URL: unknown paths fall through to the 404 handler.
  // Live streams check their own short-lived token (routes/analytics.routes.ts): EventSource sends no headers.
  return routeUrl !== undefined && routeUrl.startsWith('/api/') && !routeUrl.startsWith(WEBHOOK_PREFIX) && !routeUrl.startsWith('/api/streams/');
}

function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1] ?? null;
}

/**
 * Two onRequest hooks: the first identifies the key (or notes why it is refused), `between` runs
 * next (the rate limit, so refused keys are counted per IP), the last one refuses.
 */
export function registerAuth(app: FastifyInstance, db: Db, opts: { between?: onRequestAsyncHookHandler } = {}): void {
  app.decorateRequest('organizationId', null);
  app.decorateRequest('apiKey', null);
  app.decorateRequest('authFailure', null);

  // Documents the requirement in OpenAPI for every protected route, including ones added later.
  app.addHook('onRoute', (route) => {
    if (!requiresApiKey(route.url)) return;
    route.schema = { ...route.schema, security: [{ bearerAuth: [] }] };
  });

  app.addHook('onRequest', async (request) => {
    if (!requiresApiKey(request.routeOptions.url)) return;
    const token = bearerToken(request.headers.authorization);
    if (!token) {
      request.authFailure = new UnauthorizedError();
      return;
    }
    const key = await authenticateApiKey(db, token);
    if (!key) {
      request.log.info(
        { keyPrefix: token.startsWith('clk_') ? token.slice(0, 12) : '(not a clk_ key)' },
        'rejected API key',
      );
      request.authFailure = new UnauthorizedError('unauthorized', 'the API key is invalid, expired or revoked');
      return;
    }
    request.organizationId = key.organizationId;
    request.apiKey = { id: key.id, scopes: key.scopes };
  });

  if (opts.between) app.addHook('onRequest', opts.between);

  app.addHook('onRequest', (request, _reply, done) => done(request.authFailure ?? undefined));
}

/** Routes that manage API keys need a key with the `admin` scope: a route-level onRequest hook. */
export function requireAdmin(request: FastifyRequest, _reply: unknown, done: (err?: Error) => void): void {
  done(request.apiKey?.scopes.includes('admin') ? undefined : new ForbiddenError('admin_scope_required', 'this route needs an API key with the admin scope'));
}

/** The caller's organization; only reachable on routes behind the API-key check. */
export function organizationOf(request: FastifyRequest): string {
  if (!request.organizationId) throw new UnauthorizedError();
  return request.organizationId;
}

/** Bodies that name an organization (the campaign start request) must name the key's own. */
export function assertSameOrganization(request: FastifyRequest, organizationId: string): void {
  if (organizationId !== organizationOf(request)) {
    throw apiError('organization_mismatch', 'organizationId does not match the organization of the API key');
  }
}
