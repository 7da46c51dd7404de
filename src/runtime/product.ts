import { join, resolve } from 'node:path';
import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Config } from '../config/config';
import { openDatabase, type DbHandle } from '../db/connection';
import { migrateToLatest } from '../db/migrate';
import { createActivities } from '../activities';
import { activityContext, heartbeat } from '../activities/linkedin/context';
import { buildApp } from '../api/app';
import { readinessOf } from '../api/readiness';
import { compileWorkflowDefinition } from '../domain/workflow-definition';
import { UnipileClient } from '../linkedin/unipile.client';
import { startSandboxLinkedIn, type SandboxHandle } from '../linkedin/sandbox/server';
import { registerProductWebhooks } from '../linkedin/register-webhooks';
import { createUnipileProbe, type UnipileProbe } from '../linkedin/unipile-probe';
import type { Logger } from '../logger';
import { hostedAuthKey } from '../services/account-ownership';
import { createCampaignService } from '../services/campaign.service';
import { unipileAccountDirectory } from './account-directory';
import { unipileWebhookRoutes } from '../api/routes/unipile-webhooks.routes';
import { createUnipileWebhookService } from '../services/unipile-webhooks';
import { startBackgroundLoop } from '../services/background';
import { createDncStopper, temporalStopLead } from '../services/do-not-contact-stops';
import { findTemporalCli, MISSING_BINARY_HELP } from '../temporal/binaries';
import { connectClient, connectWorkerConnection, targetFromConfig } from '../temporal/connection';
import { startDevServer, type DevServer } from '../temporal/dev-server';
import { ensureSearchAttributes } from '../temporal/search-attributes';
import { createWorker, type WorkflowSource } from '../temporal/worker';
import { registerPoolGauge } from '../telemetry/metrics';
import { startMetricsServer } from '../telemetry/metrics-server';
import { installTemporalRuntime } from '../telemetry/runtime';
import { setupTracing } from '../telemetry/tracing';

export interface ProductOptions {
  api: boolean;
  worker: boolean;
  /** Start what is missing locally: a Temporal dev server when TEMPORAL_ADDRESS is unset, sandbox LinkedIn when UNIPILE_DSN is. */
  embedded: boolean;
  workflows?: WorkflowSource;
}

export interface RunningProduct {
  config: Config;
  db: DbHandle;
  client: Client;
  temporalAddress: string;
  temporalUiUrl: string | undefined;
  apiUrl: string | undefined;
  app: FastifyInstance | undefined;
  worker: Worker | undefined;
  sandbox: SandboxHandle | undefined;
  unipileUrl: string | undefined;
  /** Reachability of Unipile (or the sandbox) and whether it takes the token; cached, cheap. Undefined without a Unipile client. */
  probeUnipile: UnipileProbe | undefined;
  /** With PUBLIC_BASE_URL and a real Unipile: the webhooks registered at start (or why not). */
  webhookRegistration: { url: string; created: number; existing: number } | { error: string } | undefined;
  /** Where a worker-only process serves /metrics (the API serves it on its own port). */
  metricsUrl: string | undefined;
  stop: () => Promise<void>;
}

/**
 * Brings the product up in one process from config: database (migrated), Temporal (given address,
 * or an embedded dev server), sandbox LinkedIn when no Unipile DSN is set, the worker, the API.
 * `stop()` takes it all down in the reverse order; nothing is left running.
 */
export async function startProduct(config: Config, logger: Logger, opts: ProductOptions): Promise<RunningProduct> {
  const stack: Array<{ name: string; close: () => Promise<unknown> }> = [];
  const stop = async () => {
    while (stack.length > 0) {
      const { name, close } = stack.pop()!;
      try {
        await close();
      } catch (err) {
        logger.error({ err, part: name }, 'shutdown step failed');
      }
    }
  };
  try {
    await installTemporalRuntime({ logLevel: config.logLevel });
    const traces = setupTracing({ otlpEndpoint: config.telemetry.otlpEndpoint, serviceName: config.telemetry.serviceName ?? (opts.api ? 'clento-api' : 'clento-worker') });
    // Last out: spans still buffered are flushed once everything else has stopped.
    stack.push({ name: 'tracing', close: () => traces.shutdown() });
    const db = await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      // Activities (LinkedIn steps and the local bookkeeping ones) wait out a database restart,
      // heartbeating, instead of burning their quick retries and landing the lead in a long retry_wait.
      rideOut: {
        shouldWait: () => activityContext() !== undefined,
        onWait: () => {
          if (!activityContext()?.info.isLocal) heartbeat();
        },
      },
    });
    stack.push({ name: 'database', close: () => db.close() });
    if (db.pool) registerPoolGauge(db.pool);
    const applied = await migrateToLatest(db.db);
    if (applied.length > 0) logger.info({ applied }, 'database migrated');

    let temporalAddress = config.temporal.address;
    let devServer: DevServer | undefined;
    if (!temporalAddress) {
      if (!opts.embedded) throw new Error('TEMPORAL_ADDRESS is required (or use the all-in-one local runner)');
      const cliPath = findTemporalCli(config.temporal.cliPath);
      if (!cliPath) throw new Error(MISSING_BINARY_HELP);
      devServer = await startDevServer({
        cliPath,
        namespace: config.temporal.namespace,
        port: config.temporal.devServerPort,
        uiPort: config.temporal.devUiPort,
        dbFilename: resolve(join(config.dataDir, 'temporal', 'dev-server.sqlite')),
      });
      stack.push({ name: 'temporal dev server', close: () => devServer!.stop() });
      temporalAddress = devServer.address;
    }
    const target = targetFromConfig(config, temporalAddress);
    const { client, connection } = await connectClient(target);
    // A readiness probe still retrying inside the gRPC client must end (at its deadline) before the channel
    // closes, or its next retry throws "Channel has been shut down" as an uncaught exception.
    let temporalProbe: Promise<unknown> = Promise.resolve();
    stack.push({ name: 'temporal client', close: () => temporalProbe.then(() => connection.close()) });
    if (!devServer) await ensureSearchAttributes(connection, config.temporal.namespace);

    let sandbox: SandboxHandle | undefined;
    let unipile: UnipileClient | undefined;
    if (config.unipile.dsn && config.unipile.accessToken) {
      unipile = new UnipileClient({ dsn: config.unipile.dsn, accessToken: config.unipile.accessToken });
    } else if ((opts.worker || opts.api) && opts.embedded) {
      sandbox = await startSandboxLinkedIn({
        port: config.unipile.sandboxPort,
        host: '127.0.0.1',
        ...config.unipile.sandbox,
        // Its network (people, relations, invitations, chats, id counter) survives restarts next to the database.
        stateFile: resolve(join(config.dataDir, 'sandbox-linkedin.json')),
      });
      // A DATA_DIR from before the sandbox kept its state: give it back the accounts the database knows (known ones are left alone).
      const known = await db.db.selectFrom('connected_accounts').select(['provider_account_id', 'display_name']).execute();
      for (const a of known) sandbox.control.createAccount({ id: a.provider_account_id, name: a.display_name ?? undefined });
      stack.push({ name: 'sandbox LinkedIn', close: () => sandbox!.stop() });
      unipile = new UnipileClient({ dsn: sandbox.dsn, accessToken: sandbox.accessToken });
    } else if (opts.worker) {
      throw new Error('UNIPILE_DSN and UNIPILE_ACCESS_TOKEN are required for a worker outside the local runner');
    }

    const probeUnipile = unipile ? createUnipileProbe(unipile) : undefined;
    let webhookRegistration: RunningProduct['webhookRegistration'];
    if (unipile && !sandbox && config.publicBaseUrl) {
      // Idempotent: a webhook already registered for this URL and source (with this secret) is kept, not duplicated.
      try {
        if (!config.unipile.webhookSecret) throw new Error('UNIPILE_WEBHOOK_SECRET is required to register webhooks');
        const reg = await registerProductWebhooks(unipile, { baseUrl: config.publicBaseUrl, secret: config.unipile.webhookSecret });
        webhookRegistration = { url: reg.url, created: reg.webhooks.filter((w) => w.created).length, existing: reg.webhooks.filter((w) => !w.created).length };
        logger.info(webhookRegistration, 'Unipile webhooks registered');
      } catch (err) {
        webhookRegistration = { error: err instanceof Error ? err.message : String(err) };
        logger.warn({ err }, 'could not register the Unipile webhooks');
      }
    }

    const campaigns = createCampaignService({ db: db.db, client, taskQueue: config.temporal.taskQueue, logger });
    const webhooks = createUnipileWebhookService({
      db: db.db,
      client,
      logger,
      pauseCampaignsOfAccount: (accountId, reason) => campaigns.pauseCampaignsOfAccount(accountId, reason),
      resumeLeadsOfAccount: (accountId) => campaigns.resumeLeadsOfAccount(accountId),
    });
    // Every process (API or worker) applies stored webhooks and re-sends owed control signals.
    const dncStops = createDncStopper({ db: db.db, stopLead: temporalStopLead(client) });
    const background = startBackgroundLoop(
      {
        processPendingWebhooks: () => webhooks.processPending(),
        reconcileControl: () => campaigns.reconcileControl(),
        stopListedLeads: () => dncStops.stopListedLeads(),
      },
      { logger: logger.child({ component: 'background' }) },
    );
    stack.push({ name: 'background loop', close: () => background.stop() });

    let worker: Worker | undefined;
    if (opts.worker && config.temporal.workerEnabled) {
      const nativeConnection: NativeConnection = await connectWorkerConnection(target);
      stack.push({ name: 'worker connection', close: () => nativeConnection.close() });
      worker = await createWorker({
        connection: nativeConnection,
        namespace: config.temporal.namespace,
        taskQueue: config.temporal.taskQueue,
        activities: createActivities({
          db: db.db,
          client: () => client,
          unipile: unipile!,
          logger: logger.child({ component: 'activities' }),
          pauseCampaignsOfAccount: (accountId, reason) => campaigns.pauseCampaignsOfAccount(accountId, reason),
          webhookDestinations: config.webhooks,
        }),
        workflows: opts.workflows ?? (config.temporal.workflowBundle ? { bundlePath: config.temporal.workflowBundle } : undefined),
        tuning: config.worker,
        logger,
      });
      const running = worker.run();
      // Shutdown: stop polling, let in-flight activities finish within the grace time, then wait for run() to end.
      stack.push({
        name: 'worker',
        close: async () => {
          if (worker!.getState() === 'RUNNING') worker!.shutdown();
          await running;
        },
      });
      running.catch((err: unknown) => logger.fatal({ err }, 'worker stopped with an error'));
    }

    let metricsUrl: string | undefined;
    if (!opts.api) {
      const metrics = await startMetricsServer({ port: config.telemetry.metricsPort, host: config.host, token: config.telemetry.metricsToken });
      stack.push({ name: 'metrics listener', close: () => metrics.close() });
      metricsUrl = metrics.url;
    }

    let app: FastifyInstance | undefined;
    let apiUrl: string | undefined;
    if (opts.api) {
      app = await buildApp({
        db: db.db,
        logger,
        campaignControl: campaigns,
        stopListedLeads: () => dncStops.stopListedLeads(),
        resumeLeadsOfAccount: (accountId) => campaigns.resumeLeadsOfAccount(accountId),
        stopLeadsOfSender: (input) => campaigns.stopLeadsOfSender(input),
        compileDefinition: compileWorkflowDefinition,
        accountDirectory: unipile ? unipileAccountDirectory(unipile) : undefined,
        hostedAuth: config.unipile.webhookSecret
          ? { secret: hostedAuthKey(config.unipile.webhookSecret), publicBaseUrl: () => config.publicBaseUrl ?? apiUrl }
          : undefined,
        rateLimits: config.rateLimits,
        webhookDestinations: config.webhooks,
        metricsToken: config.telemetry.metricsToken,
        readiness: readinessOf({
          database: () =>
            sql`select 1`.execute(db.db).then(
              () => ({ ok: true }),
              () => ({ ok: false, detail: 'database unreachable' }),
            ),
          ...(probeUnipile ? { unipile: (deadline: Date) => probeUnipile({ timeoutMs: Math.max(1, deadline.getTime() - Date.now()) }) } : {}),
          temporal: (deadline) => {
            const probe = connection.withDeadline(deadline, () => connection.workflowService.getSystemInfo({})).then(
              () => ({ ok: true }),
              () => ({ ok: false, detail: `temporal unreachable at ${temporalAddress}` }),
            );
            temporalProbe = probe;
            return probe;
          },
          ...(opts.worker && config.temporal.workerEnabled
            ? {
                worker: () => {
                  const state = worker?.getState();
                  return Promise.resolve(state === 'RUNNING' ? { ok: true } : { ok: false, detail: `worker is ${state ?? 'not started'}` });
                },
              }
            : {}),
        }, {
          // Work owed to the outside world: stored webhooks not applied yet, control signals not delivered yet.
          backlog: () => Promise.all([webhooks.backlog(), campaigns.controlBacklog()]).then(([unipileEvents, campaignControl]) => ({ unipileEvents, campaignControl })),
        }),
        extraRoutes: [(a) => unipileWebhookRoutes(a, { webhooks, secret: config.unipile.webhookSecret })],
      });
      stack.push({ name: 'api', close: () => app!.close() });
      apiUrl = await app.listen({ port: config.port, host: config.host });
    }

    return {
      config,
      db,
      client,
      temporalAddress,
      temporalUiUrl: devServer?.uiUrl,
      apiUrl,
      app,
      worker,
      sandbox,
      unipileUrl: sandbox?.url ?? unipile?.baseUrl ?? config.unipile.dsn,
      probeUnipile,
      webhookRegistration,
      metricsUrl,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** SIGINT/SIGTERM → graceful stop, once; a second signal forces the exit. */
export function stopOnSignals(stop: () => Promise<void>, logger: Logger): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
