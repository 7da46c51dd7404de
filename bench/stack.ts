/**
 * The embedded stack every engine bench runs on: its own Temporal dev server (headless, in memory, a
 * free port, the search attributes registered), a fresh PostgreSQL database on the machine's server
 * (or DATABASE_URL, migrated and left in place), the sandbox LinkedIn over HTTP, the real activities
 * and the product's worker in this process. `cleanup()` stops everything, in reverse order, also on
 * Ctrl-C.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { openDatabase } from '../src/db/connection';
import { migrateToLatest } from '../src/db/migrate';
import { findTemporalCli, MISSING_BINARY_HELP } from '../src/temporal/binaries';
import { startDevServer } from '../src/temporal/dev-server';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { startEngine, type EngineStack } from '../test/support/stack';
import { installTestRuntime } from '../test/support/temporal';
import { freePort, log } from './support';

export const NAMESPACE = 'default';

export interface BenchStack {
  devServerPort: number;
  db: TestDatabase;
  /** The database's name (its PostgreSQL backends are the ones whose CPU a run counts). */
  databaseName: string;
  client: Client;
  nativeConnection: NativeConnection;
  engine: EngineStack;
  /** Registers something to stop at cleanup (stopped in reverse order). */
  defer(what: string, fn: () => Promise<unknown>): void;
  cleanup(): Promise<void>;
}

/** A fresh database on the machine's server, or DATABASE_URL (migrated, left in place afterwards). */
async function benchDatabase(): Promise<TestDatabase> {
  const url = process.env.DATABASE_URL;
  if (!url) return createTestDatabase();
  const handle = await openDatabase({ databaseUrl: url, dataDir: '' });
  await migrateToLatest(handle.db);
  return { ...handle, url, drop: () => handle.close() };
}

export async function startBenchStack(opts: { taskQueue: string }): Promise<BenchStack> {
  installTestRuntime();
  const cleanups: Array<[string, () => Promise<unknown>]> = [];
  const cleanup = async () => {
    for (const [what, fn] of cleanups.reverse()) {
      await fn().catch((err: unknown) => log(`cleanup ${what} failed: ${String(err)}`));
    }
    cleanups.length = 0;
  };
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    log(`${sig}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  cleanups.push([
    'signal handlers',
    async () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  ]);
  const defer = (what: string, fn: () => Promise<unknown>) => void cleanups.push([what, fn]);
  try {
    const cliPath = findTemporalCli();
    if (!cliPath) throw new Error(MISSING_BINARY_HELP);
    const devServerPort = await freePort();
    const server = await startDevServer({ cliPath, namespace: NAMESPACE, port: devServerPort, headless: true });
    defer('dev server', () => server.stop());
    log(`temporal dev server on ${server.address}`);

    const db = await benchDatabase();
    defer('database', () => db.drop());
    log(process.env.DATABASE_URL ? 'database: DATABASE_URL' : 'database: fresh PostgreSQL database');
    const databaseName = db.url ? new URL(db.url).pathname.slice(1) : '';

    const connection = await Connection.connect({ address: server.address });
    defer('client connection', () => connection.close());
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    defer('worker connection', () => nativeConnection.close());
    const client = new Client({ connection, namespace: NAMESPACE });

    // Invitation notes on every run (LinkedIn's free accounts get 5 a month; the sandbox's default).
    const engine = await startEngine({ db, client, nativeConnection, taskQueue: opts.taskQueue, namespace: NAMESPACE, sandbox: { freeNotesPerMonth: 100_000_000 } });
    defer('sandbox', () => engine.stop());
    const running = engine.worker.run();
    defer('worker', async () => {
      if (engine.worker.getState() === 'RUNNING') engine.worker.shutdown();
      await running;
    });
    // The sandbox keeps every HTTP call for tests to inspect; nothing here reads them, so they are
    // dropped as we go (write counts, which the checks use, are kept separately).
    const dropCalls = setInterval(() => engine.sandbox.clearCalls(), 5_000);
    defer('call log', async () => clearInterval(dropCalls));
    return { devServerPort, db, databaseName, client, nativeConnection, engine, defer, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
