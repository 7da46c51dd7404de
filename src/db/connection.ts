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
 * A real PostgreSQL server when a URL is given (Supabase included); otherwise the embedded
 * Postgres-compatible PGlite with its data under `dataDir`, running the same SQL and migrations.
 */
export async function openDatabase(opts: { databaseUrl: string | undefined; dataDir: string; poolSize?: number }): Promise<DbHandle> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10 });
    // A pool error on an idle client must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
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
