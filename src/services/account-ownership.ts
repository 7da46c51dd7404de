import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * How an organization proves it owns a LinkedIn account (issue 8, security 1). Connecting goes
 * through Unipile's hosted auth wizard: we hand the organization a link whose `name` is a signed
 * token naming it; Unipile's notify callback brings that token back with the new account id, and
 * only that callback creates the connected account. Registering an account id directly (operators,
 * tests) asks Unipile first, and a unique constraint gives each Unipile account one organization.
 */

/** What the API needs from Unipile, injected (the API never holds the Unipile client itself). */
export interface AccountDirectory {
  /** The account as Unipile knows it; null when it does not exist. Throws when Unipile cannot be asked. */
  getAccount(accountId: string): Promise<{ id: string; type: string; name: string | null } | null>;
  /** A hosted auth link that, once the wizard succeeds, POSTs `{status, account_id, name}` to notifyUrl. */
  createHostedLink(input: { name: string; notifyUrl: string; expiresAt: Date; reconnectAccountId?: string }): Promise<{ url: string }>;
}

export interface HostedAuthSettings {
  /** HMAC key of the link tokens; the same in every API process. */
  secret: string;
  /** Where Unipile reaches this API (the notify callback is `<base>/api/webhooks/unipile/hosted-auth`). */
  publicBaseUrl: () => string | undefined;
  /** How long a link is valid (Unipile also expires every link at its daily restart). */
  linkTtlMs?: number;
}

export const HOSTED_AUTH_CALLBACK_PATH = '/api/webhooks/unipile/hosted-auth';
export const DEFAULT_LINK_TTL_MS = 30 * 60 * 1000;
const TOKEN_VERSION = 'clh1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A key of its own for link tokens, derived so that a token never doubles as the webhook secret. */
export function hostedAuthKey(webhookSecret: string): string {
  return createHmac('sha256', webhookSecret).update('clento hosted-auth link token v1').digest('hex');
}

function mac(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

/** `clh1.<organizationId>.<expiry, unix seconds>.<random nonce>.<HMAC of the rest>`: unguessable, bound to the organization, expiring. */
export function signLinkToken(secret: string, organizationId: string, expiresAt: Date): string {
  const payload = `${TOKEN_VERSION}.${organizationId}.${Math.floor(expiresAt.getTime() / 1000)}.${randomBytes(16).toString('base64url')}`;
  return `${payload}.${mac(secret, payload)}`;
}

/** The organization the token names, or why it is refused. */
export function verifyLinkToken(
  secret: string,
  token: string,
  now = new Date(),
): { ok: true; organizationId: string } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' } {
  const parts = token.split('.');
  if (parts.length !== 5 || parts[0] !== TOKEN_VERSION || !UUID.test(parts[1]!) || !/^\d{1,12}$/.test(parts[2]!)) return { ok: false, reason: 'malformed' };
  const payload = parts.slice(0, 4).join('.');
  const expected = Buffer.from(mac(secret, payload));
  const given = Buffer.from(parts[4]!);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
  if (Number(parts[2]) * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, organizationId: parts[1]! };
}

/** Why Unipile's answer does not let an account be registered; null when it may. */
export function refusalOf(account: { type: string } | null): string | null {
  if (!account) return 'Unipile does not know this account id';
  if (account.type.toUpperCase() !== 'LINKEDIN') return `the Unipile account is a ${account.type} account, not LinkedIn`;
  return null;
}
