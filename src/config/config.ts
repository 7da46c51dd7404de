import { z } from 'zod';

/**
 * The one schema for every environment variable the product reads. `loadConfig(env)` takes the
 * environment as a parameter (tests pass their own), lists every problem at once, and returns a
 * frozen, typed Config. Nothing reads `process.env` at import time.
 */

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const booleanFlag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
    .optional()
    .transform((v) => (v === undefined ? fallback : ['true', '1', 'yes'].includes(v)));

const positiveInt = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) {
        ctx.addIssue({ code: 'custom', message: `must be a positive integer, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

const port = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) {
        ctx.addIssue({ code: 'custom', message: `must be a port number 0-65535 (0: any free port), got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

/** Milliseconds, or `never` (null). */
const delayOrNever = (fallback: number | null) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      if (v === 'never') return null;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) {
        ctx.addIssue({ code: 'custom', message: `must be milliseconds (an integer ≥ 0) or "never", got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

const probability = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0 || n > 1) {
        ctx.addIssue({ code: 'custom', message: `must be a number from 0 to 1, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

const hostPort = z
  .string()
  .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'must be host:port (e.g. localhost:7233 or ns.acct.tmprl.cloud:7233)');

const base64Pem = (what: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return undefined;
      const text = Buffer.from(v, 'base64').toString('utf8');
      if (!/-----BEGIN [A-Z ]+-----/.test(text)) {
        ctx.addIssue({ code: 'custom', message: `must be a base64-encoded PEM ${what}` });
        return z.NEVER;
      }
      return text;
    });

const envSchema = z
  .object({
    NODE_ENV: z.string().optional(),
    PORT: port(3000),
    HOST: z.string().default('127.0.0.1'),
    LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
    DATA_DIR: z.string().default('.data'),

    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),

    TEMPORAL_ADDRESS: hostPort.optional(),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_TASK_QUEUE: z.string().min(1).default('clento-outreach-queue'),
    TEMPORAL_CLIENT_CERT: base64Pem('certificate'),
    TEMPORAL_CLIENT_KEY: base64Pem('private key'),
    TEMPORAL_API_KEY: z.string().optional(),
    TEMPORAL_WORKER_ENABLED: booleanFlag(true),
    TEMPORAL_CLI_PATH: z.string().optional(),
    TEMPORAL_DEV_SERVER_PORT: port(7233),
    TEMPORAL_DEV_UI_PORT: port(8233),
    TEMPORAL_WORKFLOW_BUNDLE: z.string().optional(),

    WORKER_MAX_CONCURRENT_ACTIVITIES: positiveInt(100),
    WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: positiveInt(50),
    WORKER_MAX_ACTIVITIES_PER_SECOND: positiveInt(200),
    WORKER_SHUTDOWN_GRACE_SECONDS: positiveInt(30),

    // As Unipile issues it (`api8.unipile.com:13424`, spoken over https) or a URL with scheme (`http://127.0.0.1:3100` for a local double).
    UNIPILE_DSN: z
      .string()
      .regex(/^(https?:\/\/)?[A-Za-z0-9.-]+(:\d{1,5})?\/?$/, 'must be host:port as Unipile issues it (api8.unipile.com:13424, https) or a URL with scheme (http://127.0.0.1:3100)')
      .optional(),
    UNIPILE_ACCESS_TOKEN: z.string().optional(),
    UNIPILE_WEBHOOK_SECRET: z.string().optional(),
    SANDBOX_LINKEDIN_PORT: port(3100),
    SANDBOX_ACCEPT_AFTER_MS: delayOrNever(60_000),
    SANDBOX_ACCEPT_PROBABILITY: probability(1),
    SANDBOX_REPLY_AFTER_MS: delayOrNever(null),
    PUBLIC_BASE_URL: z.string().url().optional(),

    API_RATE_LIMIT_PER_MINUTE: positiveInt(600),
    API_RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: positiveInt(60),
    WEBHOOK_ALLOW_HTTP: booleanFlag(false),
    WEBHOOK_ALLOWED_HOSTS: z
      .string()
      .optional()
      .transform((v) => (v ?? '').split(',').map((h) => h.trim().toLowerCase().replace(/^\[|\]$/g, '')).filter(Boolean)),
    METRICS_PORT: port(9464),
    METRICS_TOKEN: z.string().optional(),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
    OTEL_SERVICE_NAME: z.string().optional(),
  });

/** Rules across variables, checked on the raw values so they are reported with every other problem. */
function crossFieldProblems(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  const has = (k: string) => Boolean(env[k]);
  if (has('TEMPORAL_CLIENT_CERT') && !has('TEMPORAL_CLIENT_KEY')) problems.push('TEMPORAL_CLIENT_KEY: is required when TEMPORAL_CLIENT_CERT is set');
  if (has('TEMPORAL_CLIENT_KEY') && !has('TEMPORAL_CLIENT_CERT')) problems.push('TEMPORAL_CLIENT_CERT: is required when TEMPORAL_CLIENT_KEY is set');
  if (has('TEMPORAL_API_KEY') && has('TEMPORAL_CLIENT_CERT')) problems.push('TEMPORAL_API_KEY: use either an API key or mTLS certificates, not both');
  if ((has('TEMPORAL_API_KEY') || has('TEMPORAL_CLIENT_CERT')) && !has('TEMPORAL_ADDRESS')) {
    problems.push('TEMPORAL_ADDRESS: is required when Temporal credentials are given');
  }
  if (has('UNIPILE_DSN') && !has('UNIPILE_ACCESS_TOKEN')) problems.push('UNIPILE_ACCESS_TOKEN: is required when UNIPILE_DSN is set');
  return problems;
}

export type Config = Readonly<{
  env: string;
  port: number;
  host: string;
  logLevel: (typeof LOG_LEVELS)[number];
  dataDir: string;
  databaseUrl: string | undefined;
  temporal: Readonly<{
    /** Unset: the local runner starts its own dev server. */
    address: string | undefined;
    namespace: string;
    taskQueue: string;
    tls: Readonly<{ cert: string; key: string }> | undefined;
    apiKey: string | undefined;
    workerEnabled: boolean;
    cliPath: string | undefined;
    devServerPort: number;
    devUiPort: number;
    /** A prebuilt workflow bundle (bundleWorkflowCode output): the worker starts without bundling. Unset: bundle the sources at start. */
    workflowBundle: string | undefined;
  }>;
  worker: Readonly<{
    maxConcurrentActivityTaskExecutions: number;
    maxConcurrentWorkflowTaskExecutions: number;
    maxActivitiesPerSecond: number;
    shutdownGraceSeconds: number;
  }>;
  unipile: Readonly<{
    /** Unset: the product talks to its own sandbox LinkedIn. */
    dsn: string | undefined;
    accessToken: string | undefined;
    webhookSecret: string | undefined;
    sandboxPort: number;
    /** The local runner's sandbox: how it accepts invitations and answers messages on its own. */
    sandbox: Readonly<{ acceptAfterMs: number | null; acceptProbability: number; replyAfterMs: number | null }>;
  }>;
  publicBaseUrl: string | undefined;
  rateLimits: Readonly<{ authenticatedPerMinute: number; unauthenticatedPerMinute: number }>;
  /** Outbound webhooks (the campaign `webhook` step): https only unless allowHttp; allowedHosts skip the address checks. */
  webhooks: Readonly<{ allowHttp: boolean; allowedHosts: readonly string[] }>;
  telemetry: Readonly<{
    /** The /metrics listener of a worker-only process (the API serves /metrics on its own port). */
    metricsPort: number;
    /** When set, /metrics needs `Authorization: Bearer <token>`. */
    metricsToken: string | undefined;
    /** OTLP/HTTP traces endpoint; unset: tracing is off. */
    otlpEndpoint: string | undefined;
    serviceName: string | undefined;
  }>;
}>;

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

export function loadConfig(env: Record<string, string | undefined>): ConfigResult {
  // Empty strings mean "unset", as they do in most .env files.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`)),
    ...crossFieldProblems(cleaned),
  ];
  if (!parsed.success || problems.length > 0) return { ok: false, problems };
  const e = parsed.data;
  const config: Config = {
    env: e.NODE_ENV ?? 'development',
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      tls: e.TEMPORAL_CLIENT_CERT && e.TEMPORAL_CLIENT_KEY ? { cert: e.TEMPORAL_CLIENT_CERT, key: e.TEMPORAL_CLIENT_KEY } : undefined,
      apiKey: e.TEMPORAL_API_KEY,
      workerEnabled: e.TEMPORAL_WORKER_ENABLED,
      cliPath: e.TEMPORAL_CLI_PATH,
      devServerPort: e.TEMPORAL_DEV_SERVER_PORT,
      devUiPort: e.TEMPORAL_DEV_UI_PORT,
      workflowBundle: e.TEMPORAL_WORKFLOW_BUNDLE,
    },
    worker: {
      maxConcurrentActivityTaskExecutions: e.WORKER_MAX_CONCURRENT_ACTIVITIES,
      maxConcurrentWorkflowTaskExecutions: e.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
      maxActivitiesPerSecond: e.WORKER_MAX_ACTIVITIES_PER_SECOND,
      shutdownGraceSeconds: e.WORKER_SHUTDOWN_GRACE_SECONDS,
    },
    unipile: {
      dsn: e.UNIPILE_DSN,
      accessToken: e.UNIPILE_ACCESS_TOKEN,
      webhookSecret: e.UNIPILE_WEBHOOK_SECRET,
      sandboxPort: e.SANDBOX_LINKEDIN_PORT,
      sandbox: { acceptAfterMs: e.SANDBOX_ACCEPT_AFTER_MS, acceptProbability: e.SANDBOX_ACCEPT_PROBABILITY, replyAfterMs: e.SANDBOX_REPLY_AFTER_MS },
    },
    publicBaseUrl: e.PUBLIC_BASE_URL,
    rateLimits: { authenticatedPerMinute: e.API_RATE_LIMIT_PER_MINUTE, unauthenticatedPerMinute: e.API_RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE },
    webhooks: { allowHttp: e.WEBHOOK_ALLOW_HTTP, allowedHosts: e.WEBHOOK_ALLOWED_HOSTS },
    telemetry: {
      metricsPort: e.METRICS_PORT,
      metricsToken: e.METRICS_TOKEN,
      otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
      serviceName: e.OTEL_SERVICE_NAME,
    },
  };
  return { ok: true, config: deepFreeze(config) };
}

/** Loads the config or prints every problem on one screen and exits non-zero: no stack trace. */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  const result = loadConfig(env);
  if (result.ok) return result.config;
  process.stderr.write(`Invalid configuration (${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}):\n`);
  for (const p of result.problems) process.stderr.write(`  - ${p}\n`);
  process.exit(78); // EX_CONFIG
}

const SECRET_KEYS = /token|secret|key|cert|password|apiKey|databaseUrl/i;

/** A copy of the config safe to print: secrets replaced, credentials stripped from URLs. */
export function redactConfig(config: Config): unknown {
  const walk = (value: unknown, key: string): unknown => {
    if (value === undefined || value === null) return value;
    if (typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
    }
    if (typeof value === 'string' && key === 'databaseUrl') return value.replace(/\/\/[^@/]*@/, '//***@');
    if (SECRET_KEYS.test(key) && key !== 'databaseUrl') return '[redacted]';
    return value;
  };
  return walk(config, '');
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
