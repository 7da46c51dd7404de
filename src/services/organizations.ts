import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/connection';
import * as apiKeys from '../db/repositories/api-key.repository';

/**
 * Organizations and their API keys. A key is `clk_` + 43 base62 characters (~256 random bits), shown
 * once at creation; only its sha256 is stored (a slow hash buys nothing for keys this random) and
 * `key_prefix` (the first 12 characters) identifies it in listings.
 */

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_BODY_LENGTH = 43;
const KEY_PATTERN = /^clk_[0-9A-Za-z]{43}$/;
export const KEY_PREFIX_LENGTH = 12;

function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 * 62: rejecting bytes above it keeps every character equally likely.
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function generateApiKey(): { apiKey: string; keyPrefix: string; keyHash: string } {
  const apiKey = `clk_${randomBase62(KEY_BODY_LENGTH)}`;
  return { apiKey, keyPrefix: apiKey.slice(0, KEY_PREFIX_LENGTH), keyHash: hashApiKey(apiKey) };
}

export async function createApiKey(
  db: Db,
  organizationId: string,
  name = 'default',
): Promise<{ id: string; apiKey: string; keyPrefix: string }> {
  const { apiKey, keyPrefix, keyHash } = generateApiKey();
  const { id } = await apiKeys.insertApiKey(db, { organizationId, name, keyPrefix, keyHash });
  return { id, apiKey, keyPrefix };
}

export async function createOrganizationWithKey(
  db: Db,
  input: { name: string; keyName?: string },
): Promise<{ organizationId: string; apiKeyId: string; apiKey: string; keyPrefix: string }> {
  return db.transaction().execute(async (trx) => {
    const org = await trx
      .insertInto('organizations')
      .values({ name: input.name })
      .returning('id')
      .executeTakeFirstOrThrow();
    const key = await createApiKey(trx, org.id, input.keyName ?? 'default');
    return { organizationId: org.id, apiKeyId: key.id, apiKey: key.apiKey, keyPrefix: key.keyPrefix };
  });
}

/** True when a key was revoked now; false when it does not exist in this organization or was already revoked. */
export async function revokeApiKey(db: Db, organizationId: string, keyId: string): Promise<boolean> {
  return apiKeys.revokeApiKey(db, organizationId, keyId);
}

/** The key's organization, or null for anything that is not a live key (malformed, unknown, revoked). */
export async function authenticateApiKey(db: Db, key: string): Promise<string | null> {
  if (!KEY_PATTERN.test(key)) return null;
  return apiKeys.findActiveOrganizationByKeyHash(db, hashApiKey(key));
}
