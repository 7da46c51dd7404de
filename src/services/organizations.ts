import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/connection';
import * as apiKeys from '../db/repositories/api-key.repository';
import type { ApiKeyScope } from '../db/schema';

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

export interface ApiKeyOptions {
  name?: string;
  /** Default: admin (the operator tools and the organization's first key manage the others). */
  scopes?: readonly ApiKeyScope[];
  expiresAt?: Date | null;
}

export async function createApiKey(
  db: Db,
  organizationId: string,
  nameOrOptions: string | ApiKeyOptions = {},
): Promise<{ id: string; apiKey: string; keyPrefix: string }> {
  const opts = typeof nameOrOptions === 'string' ? { name: nameOrOptions } : nameOrOptions;
  const { apiKey, keyPrefix, keyHash } = generateApiKey();
  const { id } = await apiKeys.insertApiKey(db, {
    organizationId,
    name: opts.name ?? 'default',
    keyPrefix,
    keyHash,
    scopes: opts.scopes ?? ['admin'],
    expiresAt: opts.expiresAt ?? null,
  });
  return { id, apiKey, keyPrefix };
}

/**
 * A new secret for a key: the old one is revoked and a new key with the same name, scopes and
 * expiry takes its place, in one transaction. undefined when there is no live key with this id.
 */
export async function rotateApiKey(
  db: Db,
  organizationId: string,
  keyId: string,
): Promise<{ id: string; apiKey: string; keyPrefix: string } | undefined> {
  return db.transaction().execute(async (trx) => {
    const old = await apiKeys.findApiKey(trx, organizationId, keyId);
    if (!old || old.revoked_at || (old.expires_at && old.expires_at.getTime() <= Date.now())) return undefined;
    if (!(await apiKeys.revokeApiKey(trx, organizationId, keyId))) return undefined;
    return createApiKey(trx, organizationId, { name: old.name, scopes: old.scopes, expiresAt: old.expires_at });
  });
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
    const key = await createApiKey(trx, org.id, { name: input.keyName ?? 'default', scopes: ['admin'] });
    return { organizationId: org.id, apiKeyId: key.id, apiKey: key.apiKey, keyPrefix: key.keyPrefix };
  });
}

/** True when a key was revoked now; false when it does not exist in this organization or was already revoked. */
export async function revokeApiKey(db: Db, organizationId: string, keyId: string): Promise<boolean> {
  return apiKeys.revokeApiKey(db, organizationId, keyId);
}

/**
 * The live key (its organization and scopes), or null for anything else: malformed, unknown,
 * revoked, expired. Read from the database at every request (no cache a revoked key could live on
 * in); `last_used_at` is written only when the stored value is more than a minute old.
 */
export async function authenticateApiKey(db: Db, key: string): Promise<apiKeys.LiveApiKey | null> {
  if (!KEY_PATTERN.test(key)) return null;
  const live = await apiKeys.findLiveKeyByHash(db, hashApiKey(key));
  if (live && (!live.lastUsedAt || Date.now() - live.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS)) {
    await apiKeys.touchLastUsed(db, live.id);
  }
  return live;
}

const LAST_USED_RESOLUTION_MS = 60_000;
