import { after, before } from 'node:test';
import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { UnipileClient } from '../../src/linkedin/unipile.client';
import { startSandboxLinkedIn, type SandboxHandle, type SandboxOptions } from '../../src/linkedin/sandbox/server';
import { createLogger } from '../../src/logger';
import { createCampaignService } from '../../src/services/campaign.service';
import { createTestDatabase, type TestDatabase } from './database';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { connectTestTemporal, createTestWorker, createTimeSkippingEnv, skipTo, type TestTemporal } from './temporal';

export const quietLogger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export interface EngineStack {
  sandbox: SandboxHandle;
  unipileAccountId: string;
  campaigns: ReturnType<typeof createCampaignService>;
  worker: Worker;
  stop(): Promise<void>;
}

/** The engine wired for real: sandbox LinkedIn over HTTP, real activities, a worker on a private task queue. */
export async function startEngine(opts: {
  db: TestDatabase;
  client: Client;
  nativeConnection: NativeConnection;
  taskQueue: string;
  namespace?: string;
  sandbox?: SandboxOptions;
}): Promise<EngineStack> {
  // LinkedIn's own daily cap is the quota tests' business; here it must not interfere.
  const sandbox = await startSandboxLinkedIn({ host: '127.0.0.1', port: 0, dailyInvitationLimit: 1_000_000, ...opts.sandbox });
  const account = sandbox.control.createAccount({ name: 'Sender' });
  const campaigns = createCampaignService({ db: opts.db.db, client: opts.client, taskQueue: opts.taskQueue, logger: quietLogger });
  const unipile = new UnipileClient({ dsn: sandbox.dsn, accessToken: sandbox.accessToken, timeoutMs: 5_000 });
  const activities = createActivities({
    db: opts.db.db,
    client: () => opts.client,
    unipile,
    logger: quietLogger,
    pauseCampaignsOfAccount: (accountId, reason) => campaigns.pauseCampaignsOfAccount(accountId, reason),
  });
  const worker = await createTestWorker({ nativeConnection: opts.nativeConnection, taskQueue: opts.taskQueue }, activities, opts.namespace);
  return {
    sandbox,
    unipileAccountId: account.id,
    campaigns,
    worker,
    stop: async () => {
      await sandbox.stop();
    },
  };
}

export interface DevServerEngine {
  t: TestTemporal;
  db: TestDatabase;
  engine: EngineStack;
}

/**
 * The engine for one describe block on the suite's dev server: a fresh database, the sandbox and a worker
 * on a private task queue, started before its tests and stopped after them. Fields are set once `before` ran.
 */
export function useEngineOnDevServer(sandbox?: SandboxOptions): DevServerEngine {
  const suite = {} as DevServerEngine;
  let running: Promise<void> | undefined;
  before(async () => {
    suite.t = await connectTestTemporal();
    suite.db = await createTestDatabase();
    const { client, nativeConnection, taskQueue } = suite.t;
    suite.engine = await startEngine({ db: suite.db, client, nativeConnection, taskQueue, sandbox });
    running = suite.engine.worker.run();
  });
  after(async () => {
    suite.engine?.worker.shutdown();
    await running;
    await suite.engine?.stop();
    await suite.t?.close();
    await suite.db?.drop();
  });
  return suite;
}

export interface TimeSkippingEngine {
  env: TestWorkflowEnvironment;
  db: TestDatabase;
  engine: EngineStack;
  /** Moves the server's clock forward to `atMs` while the workflows run. */
  skipTo(atMs: number): Promise<void>;
}

/**
 * The engine for one describe block on its own time-skipping server: the server, a fresh database, the
 * sandbox and a worker (run it with `engine.worker.runUntil`), started before its tests and stopped after
 * them. Fields are set once `before` ran. `client` replaces the environment's client (interceptors).
 */
export function useEngineOnTimeSkipping(opts: { taskQueue?: string; sandbox?: SandboxOptions; client?: (env: TestWorkflowEnvironment) => Client } = {}): TimeSkippingEngine {
  const suite = { skipTo: (atMs: number) => skipTo(suite.env, atMs) } as TimeSkippingEngine;
  before(async () => {
    suite.env = await createTimeSkippingEnv();
    suite.db = await createTestDatabase();
    const client = opts.client?.(suite.env) ?? suite.env.client;
    suite.engine = await startEngine({ db: suite.db, client, nativeConnection: suite.env.nativeConnection, taskQueue: opts.taskQueue ?? 'clento-outreach-queue', sandbox: opts.sandbox });
  });
  after(async () => {
    await suite.engine?.stop();
    await suite.env?.teardown();
    await suite.db?.drop();
  });
  return suite;
}
