import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type DbHandle } from '../../src/db/connection';
import { migrateToLatest } from '../../src/db/migrate';

/** The machine's PostgreSQL server (trust auth). Override with TEST_POSTGRES_URL. */
export const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase extends DbHandle {
  /** A URL another process (a worker) can use; undefined for the embedded kind. */
  url: string | undefined;
  /** Closes the connection and deletes the database. */
  drop(): Promise<void>;
}

/** A fresh, migrated database on the real PostgreSQL server: one per test file, deleted afterwards. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `clento_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = ADMIN_URL.replace(/\/[^/?]+(\?|$)/, `/${name}$1`);
  const handle = await openDatabase({ databaseUrl: url, dataDir: '' });
  await migrateToLatest(handle.db);
  return {
    ...handle,
    url,
    drop: async () => {
      await handle.close();
      const a = new pg.Client({ connectionString: ADMIN_URL });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

/** A fresh, migrated embedded (PGlite) database in a temporary directory. */
export async function createEmbeddedTestDatabase(): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'clento-pglite-'));
  const handle = await openDatabase({ databaseUrl: undefined, dataDir: dir });
  await migrateToLatest(handle.db);
  return {
    ...handle,
    url: undefined,
    drop: async () => {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Both kinds, for repository tests that must hold on PostgreSQL and on the embedded default. */
export const DATABASE_KINDS = [
  { kind: 'postgres', create: createTestDatabase },
  { kind: 'embedded', create: createEmbeddedTestDatabase },
] as const;
