import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  TypeBoxValidatorCompiler,
  registerAjvFormats,
  type TypeBoxTypeProvider,
} from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import type { Db } from '../db/connection';
import type { CompileResult } from '../domain/workflow-definition/plan';
import { REDACT_PATHS, type Logger } from '../logger';
import type { CampaignControl } from '../services/campaign-control';
import { registerAuth } from './auth';
import { registerErrorHandling } from './error-handler';
import { JSON_BODY_LIMIT } from './limits';
import {
  MAX_PARAM_LENGTH,
  clientErrorHandler,
  frameworkErrors,
  registerRequestGuards,
} from './request-guards';
import { ErrorBody } from './schemas/common';
import { registerHealthRoutes } from './routes/health.routes';
import { registerAccountRoutes } from './routes/accounts.routes';
import { registerAccountUsageRoutes } from './routes/account-usage.routes';
import { registerWebhookEndpointRoutes } from './routes/webhook-endpoints.routes';
import { registerLeadListRoutes } from './routes/lead-lists.routes';
import { registerLeadRoutes } from './routes/leads.routes';
import { registerCampaignRoutes } from './routes/campaigns.routes';
import { registerCampaignControlRoutes } from './routes/campaign-control.routes';
import { registerExecutionRoutes } from './routes/executions.routes';

/** The app as route modules see it: TypeBox schemas type each handler's request and reply. */
export type ApiApp = FastifyInstance<
  Server,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

export interface ApiDeps {
  db: Db;
  logger: Logger;
  campaignControl: CampaignControl;
  /** The workflow-definition compiler (domain/workflow-definition), injected so tests can pass their own. */
  compileDefinition: (json: unknown) => CompileResult;
  /** What GET /ready reports; defaults to a database ping. */
  readiness?: () => Promise<ReadinessReport>;
  /** More routes (webhooks, usage...), registered after ours with the same auth, errors and docs. */
  extraRoutes?: Array<(app: FastifyInstance) => Promise<void> | void>;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Accept a caller's x-request-id when it is a sane token (it ends up in logs), else make one. */
function requestId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

async function pingDatabase(db: Db): Promise<ReadinessReport> {
  try {
    await sql`select 1`.execute(db);
    return { ready: true, checks: { database: { ok: true } } };
  } catch {
    return { ready: false, checks: { database: { ok: false, detail: 'database unreachable' } } };
  }
}

/** The HTTP API, fully wired but not listening: runtime/ calls listen, tests call inject. */
export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  // Redaction is enforced here too, whatever logger the caller passes in.
  const logger: FastifyBaseLogger = deps.logger.child(
    { component: 'api' },
    { redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
  );
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: JSON_BODY_LIMIT,
    genReqId: requestId,
    clientErrorHandler,
    frameworkErrors,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
  }).withTypeProvider<TypeBoxTypeProvider>();
  // TypeBox validates: every problem reported at once, query strings and params converted to their
  // types, but JSON bodies never coerced (a number where a string belongs is an error, not "5").
  registerAjvFormats();
  app.setValidatorCompiler(TypeBoxValidatorCompiler);

  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });

  registerErrorHandling(app);
  registerRequestGuards(app);
  app.addSchema(ErrorBody);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Clento outreach API',
        version: '0.1.0',
        description:
          'LinkedIn campaigns: accounts, lead lists, campaigns and their control. Error codes: docs/errors.md.',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'API key: clk_...' } },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  registerAuth(app, deps.db);

  const text = ['text/csv', 'application/csv'];
  // Raw text for the CSV lead import (text/plain already parses as a string); the route's own body limit applies.
  app.addContentTypeParser(text, { parseAs: 'string' }, (_request, body, done) => done(null, body));

  registerHealthRoutes(app, { readiness: deps.readiness ?? (() => pingDatabase(deps.db)) });
  registerAccountRoutes(app, deps);
  registerAccountUsageRoutes(app, deps);
  registerWebhookEndpointRoutes(app, deps);
  registerLeadListRoutes(app, deps);
  registerLeadRoutes(app, deps);
  registerCampaignRoutes(app, deps);
  registerCampaignControlRoutes(app, deps);
  registerExecutionRoutes(app, deps);
  for (const add of deps.extraRoutes ?? []) await app.register(async (scope) => add(scope));

  await app.ready();
  return app;
}
