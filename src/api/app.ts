import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { FastifyOtelInstrumentation } from '@fastify/otel';
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
import type { AccountDirectory, HostedAuthSettings } from '../services/account-ownership';
import { tracing } from '../telemetry/tracing';
import type { CampaignControl } from '../services/campaign-control';
import type { WebhookDestinationPolicy } from '../services/webhook-destinations';
import { registerAuth } from './auth';
import { registerErrorHandling } from './error-handler';
import { JSON_BODY_LIMIT } from './limits';
import { DEFAULT_RATE_LIMITS, registerRateLimit, type RateLimits } from './rate-limit';
import {
  MAX_PARAM_LENGTH,
  clientErrorHandler,
  frameworkErrors,
  registerRequestGuards,
} from './request-guards';
import { ErrorBody } from './schemas/common';
import { registerHealthRoutes } from './routes/health.routes';
import { registerMetricsRoutes } from './routes/metrics.routes';
import { registerAccountRoutes } from './routes/accounts.routes';
import { registerAccountUsageRoutes } from './routes/account-usage.routes';
import { registerApiKeyRoutes } from './routes/api-keys.routes';
import { registerWebhookEndpointRoutes } from './routes/webhook-endpoints.routes';
import { registerLeadListRoutes } from './routes/lead-lists.routes';
import { registerLeadRoutes } from './routes/leads.routes';
import { registerDoNotContactRoutes } from './routes/do-not-contact.routes';
import { registerOrganizationSettingsRoutes } from './routes/organization-settings.routes';
import { registerCampaignRoutes } from './routes/campaigns.routes';
import { registerCampaignControlRoutes } from './routes/campaign-control.routes';
import { registerForecastRoutes } from './routes/forecast.routes';
import { registerExecutionRoutes } from './routes/executions.routes';
import { registerAnalyticsRoutes } from './routes/analytics.routes';
import { registerDashboard } from './dashboard';
import { registerSessionRoutes } from './routes/session.routes';
import { registerWorkflowDefinitionRoutes } from './routes/workflow-definitions.routes';

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
  /** Work not done yet, by kind (stored webhooks not applied, control signals not delivered). */
  backlog?: Record<string, { pending: number; oldestAgeSeconds: number | null }>;
}

export interface ApiDeps {
  db: Db;
  logger: Logger;
  campaignControl: CampaignControl;
  /** The workflow-definition compiler (domain/workflow-definition), injected so tests can pass their own. */
  compileDefinition: (json: unknown) => CompileResult;
  /** What GET /ready reports; defaults to a database ping. */
  readiness?: () => Promise<ReadinessReport>;
  /** Unipile as the API needs it: verifying account ids and hosted auth links. Unset: accounts cannot be registered (503). */
  accountDirectory?: AccountDirectory;
  /** Hosted auth link tokens and where Unipile calls back. Unset: no hosted link (503). */
  hostedAuth?: HostedAuthSettings;
  /** Per-minute limits (API_RATE_LIMIT_*); defaults 600 per key, 60 per IP. */
  rateLimits?: RateLimits;
  /** Which webhook endpoint URLs may be created (WEBHOOK_ALLOW_HTTP, WEBHOOK_ALLOWED_HOSTS); strict when unset. */
  webhookDestinations?: WebhookDestinationPolicy;
  /** METRICS_TOKEN: when set, GET /metrics needs it as a bearer token. */
  metricsToken?: string;
  /** The built web dashboard served at /app (default: web/dist of this checkout). */
  dashboardDir?: string;
  /** Signals stop to running leads that new do-not-contact entries match; unset, the background loop does it. */
  stopListedLeads?: () => Promise<number>;
  /** Wakes a reconnected sender's waiting leads (campaign service); unset, their control poll finds out. */
  resumeLeadsOfAccount?: (accountId: string) => Promise<number>;
  /** Stops the leads a sender removed from a campaign had contacted (campaign service). */
  stopLeadsOfSender?: (input: { campaignId: string; accountId: string }) => Promise<number>;
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

  // A span per request (the root of a campaign start's trace), before any route so it covers them all.
  if (tracing().enabled) await app.register(new FastifyOtelInstrumentation({ ignorePaths: (r) => ['/health', '/ready', '/metrics'].includes(r.url) }).plugin());

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

  // Auth identifies the key, the rate limit counts the request (per key, or per IP without a valid key), then auth refuses bad keys.
  const countRequest = await registerRateLimit(app, deps.db, deps.rateLimits ?? DEFAULT_RATE_LIMITS);
  registerAuth(app, deps.db, { between: countRequest });

  const text = ['text/csv', 'application/csv'];
  // Raw text for the CSV lead import (text/plain already parses as a string); the route's own body limit applies.
  app.addContentTypeParser(text, { parseAs: 'string' }, (_request, body, done) => done(null, body));

  registerHealthRoutes(app, { readiness: deps.readiness ?? (() => pingDatabase(deps.db)) });
  registerMetricsRoutes(app, { db: deps.db, token: deps.metricsToken });
  registerAccountRoutes(app, deps);
  registerAccountUsageRoutes(app, deps);
  registerApiKeyRoutes(app, deps);
  registerWebhookEndpointRoutes(app, deps);
  registerLeadListRoutes(app, deps);
  registerLeadRoutes(app, deps);
  registerDoNotContactRoutes(app, deps);
  registerOrganizationSettingsRoutes(app, deps);
  registerCampaignRoutes(app, deps);
  registerCampaignControlRoutes(app, deps);
  registerForecastRoutes(app, deps);
  registerExecutionRoutes(app, deps);
  registerAnalyticsRoutes(app, deps);
  registerSessionRoutes(app);
  registerWorkflowDefinitionRoutes(app, deps);
  await registerDashboard(app, deps.dashboardDir);
  for (const add of deps.extraRoutes ?? []) await app.register(async (scope) => add(scope));

  await app.ready();
  return app;
}
