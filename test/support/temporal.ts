import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger, type Worker } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { findTimeSkippingServer } from '../../src/temporal/binaries';
import { ensureSearchAttributes } from '../../src/temporal/search-attributes';
import { createWorker } from '../../src/temporal/worker';

/**
 * The run's Temporal dev server (started once by scripts/test.sh) and the workflow bundle built once.
 * A test file gets its own task queue, so files running in parallel never steal each other's tasks.
 */
export const TEMPORAL_ADDRESS = process.env.TEST_TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
export const WORKFLOW_BUNDLE = process.env.TEST_WORKFLOW_BUNDLE;

let runtimeInstalled = false;
/** Quiet the SDK's own logging in tests (warnings and errors still show). */
export function installTestRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('WARN') });
}

export interface TestTemporal {
  client: Client;
  connection: Connection;
  nativeConnection: NativeConnection;
  taskQueue: string;
  close(): Promise<void>;
}

export async function connectTestTemporal(): Promise<TestTemporal> {
  installTestRuntime();
  const connection = await Connection.connect({ address: TEMPORAL_ADDRESS });
  const nativeConnection = await NativeConnection.connect({ address: TEMPORAL_ADDRESS });
  return {
    client: new Client({ connection, namespace: 'default' }),
    connection,
    nativeConnection,
    taskQueue: `test-${randomBytes(4).toString('hex')}`,
    close: async () => {
      await connection.close();
      await nativeConnection.close();
    },
  };
}

export async function createTestWorker(t: Pick<TestTemporal, 'nativeConnection' | 'taskQueue'>, activities: object, namespace = 'default'): Promise<Worker> {
  return createWorker({
    connection: t.nativeConnection,
    namespace,
    taskQueue: t.taskQueue,
    activities,
    workflows: WORKFLOW_BUNDLE ? { bundlePath: WORKFLOW_BUNDLE } : undefined,
    tuning: { shutdownGraceSeconds: 2 },
  });
}

/** Runs `fn` while the worker polls, then shuts the worker down and waits for it. */
export async function withWorker<T>(worker: Worker, fn: () => Promise<T>): Promise<T> {
  return worker.runUntil(fn);
}

/** Moves a time-skipping server's clock forward to `atMs` (which must be ahead of it) while the workflows run. */
export async function skipTo(env: TestWorkflowEnvironment, atMs: number): Promise<void> {
  const ms = atMs - (await env.currentTimeMs());
  if (ms <= 0) throw new Error(`the server is already past ${new Date(atMs).toISOString()}`);
  await env.sleep(ms);
}

/** Temporal's time-skipping test server (installed into .venv by scripts/setup.sh), with our search attributes. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  installTestRuntime();
  const path = findTimeSkippingServer();
  if (!path) throw new Error('temporal-test-server is not installed: run scripts/setup.sh');
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
  await ensureSearchAttributes(env.connection, 'default');
  return env;
}
