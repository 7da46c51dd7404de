import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema';

export type Db = Kysely<Database>;

export interface DbHandle {
  db: Db;
  kind: 'postgres' | 'embedded';
  /** Where the data lives, for the start-up banner (credentials stripped). */
  describe: string;
  /** The PostgreSQL pool (metrics read its counts); absent for the embedded database. */
  pool?: pg.Pool;
  close(): Promise<void>;
}

// Postgres returns bigint counts as strings; every count here fits in a JS number.
pg.types.setTypeParser(20, (v) => Number(v));

/**
 * How the pool rides out a database outage (a restart, a fail-over): while `shouldWait()` says so (the
 * worker: inside an activity), a connection that cannot be opened is tried again with short back-off for
 * up to `budgetMs`, calling `onWait()` between tries (the activity heartbeats), instead of failing the
 * caller at once. Elsewhere (API requests, /ready) the error comes back at once, as before.
 */
export interface OutageRideOut {
  shouldWait(): boolean;
  onWait?(): void;
  budgetMs?: number;
}

export const DEFAULT_OUTAGE_BUDGET_MS = 45_000;

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN',
  // admin_shutdown, crash_shutdown, cannot_connect_now (starting up / shutting down), connection exceptions
  '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006',
]);

/** An error that says the database cannot be reached right now (transient infrastructure), not that a query is wrong. */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as Error & { code?: unknown }).code;
  if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(err.message);
}

function rideOutPool(pool: pg.Pool, rideOut: OutageRideOut | undefined): { connect(): Promise<pg.PoolClient>; end(): Promise<void> } {
  const guarded = new WeakSet<pg.PoolClient>();
  return {
    async connect() {
      const started = Date.now();
      for (let attempt = 0; ; attempt++) {
        try {
          const client = await pool.connect();
          // The server going away while a client is checked out (between two statements) emits 'error' on
          // the client, which crashed the process when nobody listened; the next statement reports it.
          if (!guarded.has(client)) {
            guarded.add(client);
            client.on('error', () => undefined);
          }
          return client;
        } catch (err) {
          const budget = rideOut?.budgetMs ?? DEFAULT_OUTAGE_BUDGET_MS;
          if (!rideOut || !isDatabaseUnavailable(err) || Date.now() - started > budget || !rideOut.shouldWait()) throw err;
          rideOut.onWait?.();
          await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * 2 ** attempt)));
        }
      }
    },
    end: () => pool.end(),
  };
}

/**
 * A real PostgreSQL server when a URL is given (Supabase included); otherwise the embedded
 * Postgres-compatible PGlite with its data under `dataDir`, running the same SQL and migrations.
 */
export async function openDatabase(opts: { databaseUrl: string | undefined; dataDir: string; poolSize?: number; rideOut?: OutageRideOut }): Promise<DbHandle> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10 });
    // A pool error on an idle client must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: rideOutPool(pool, opts.rideOut) }) });
    return {
      db,
      kind: 'postgres',
      pool,
      describe: opts.databaseUrl.replace(/\/\/[^@/]*@/, '//***@'),
      close: () => db.destroy(),
    };
  }
  const dir = join(opts.dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGliteDialect } = await import('kysely-pglite-dialect');
  const client = await PGlite.create(dir);
  const db = new Kysely<Database>({ dialect: new PGliteDialect(client) });
  return {
    db,
    kind: 'embedded',
    describe: `embedded PGlite at ${dir}`,
    close: async () => {
      await db.destroy();
      if (!client.closed) await client.close();
    },
  };
}
