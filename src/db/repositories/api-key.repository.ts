import type { Db } from '../connection';

/** API keys: only the sha256 of a key is stored; lookups go through the unique hash index. */

export async function insertApiKey(
  db: Db,
  row: { organizationId: string; name: string; keyPrefix: string; keyHash: string },
): Promise<{ id: string }> {
  return db
    .insertInto('api_keys')
    .values({
      organization_id: row.organizationId,
      name: row.name,
      key_prefix: row.keyPrefix,
      key_hash: row.keyHash,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export async function findActiveOrganizationByKeyHash(db: Db, keyHash: string): Promise<string | null> {
  const row = await db
    .selectFrom('api_keys')
    .select('organization_id')
    .where('key_hash', '=', keyHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row?.organization_id ?? null;
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

export async function listApiKeys(db: Db, organizationId: string) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'name', 'key_prefix', 'created_at', 'revoked_at'])
    .where('organization_id', '=', organizationId)
    .orderBy('created_at')
    .execute();
}
