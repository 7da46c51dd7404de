import { sql } from 'kysely';
import type { Db } from '../connection';
import type { ApiKeyScope } from '../schema';

/** API keys: only the sha256 of a key is stored; lookups go through the unique hash index. */

export interface NewApiKeyRow {
  organizationId: string;
  name: string;
  keyPrefix: string;
  keyHash: string;
  scopes: readonly ApiKeyScope[];
  expiresAt?: Date | null;
}

export async function insertApiKey(db: Db, row: NewApiKeyRow): Promise<{ id: string }> {
  return db
    .insertInto('api_keys')
    .values({
      organization_id: row.organizationId,
      name: row.name,
      key_prefix: row.keyPrefix,
      key_hash: row.keyHash,
      scopes: JSON.stringify(row.scopes),
      expires_at: row.expiresAt ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export interface LiveApiKey {
  id: string;
  organizationId: string;
  scopes: ApiKeyScope[];
  lastUsedAt: Date | null;
}

/** A key that is neither revoked nor expired, read at every request: a revoked key stops at once. */
export async function findLiveKeyByHash(db: Db, keyHash: string): Promise<LiveApiKey | null> {
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'organization_id', 'scopes', 'last_used_at'])
    .where('key_hash', '=', keyHash)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]))
    .executeTakeFirst();
  return row ? { id: row.id, organizationId: row.organization_id, scopes: row.scopes, lastUsedAt: row.last_used_at } : null;
}

/** At most one write a minute per key, whatever the number of API processes (the condition is in SQL). */
export async function touchLastUsed(db: Db, keyId: string): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ last_used_at: sql<Date>`now()` })
    .where('id', '=', keyId)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', sql<Date>`now() - interval '1 minute'`)]))
    .execute();
}

export async function revokeApiKey(db: Db, organizationId: string, keyId: string): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: new Date() })
    .where('id', '=', keyId)
    .where('organization_id', '=', organizationId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

const LISTED = ['id', 'name', 'key_prefix', 'scopes', 'created_at', 'expires_at', 'last_used_at', 'revoked_at'] as const;

export async function listApiKeys(db: Db, organizationId: string, page: { limit: number; cursor?: string } = { limit: 500 }) {
  let query = db.selectFrom('api_keys').select(LISTED).where('organization_id', '=', organizationId);
  if (page.cursor) query = query.where('id', '>', page.cursor);
  return query
    .orderBy('id')
    .limit(page.limit + 1)
    .execute();
}

export async function findApiKey(db: Db, organizationId: string, keyId: string) {
  return db.selectFrom('api_keys').select(LISTED).where('organization_id', '=', organizationId).where('id', '=', keyId).executeTakeFirst();
}

export type ApiKeyListing = Awaited<ReturnType<typeof listApiKeys>>[number];
