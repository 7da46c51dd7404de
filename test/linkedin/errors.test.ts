import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { UnipileError, classifyUnipileError, untilNextDayMs, writeMayHaveHappened, RATE_LIMIT_BACKOFF_MS, type UnipileErrorClass } from '../../src/linkedin/errors';

const http = (status: number, type: string, write = false) => new UnipileError({ kind: 'http', status, type: `errors/${type}`, title: type, method: write ? 'POST' : 'GET', path: '/api/v1/x', write });

type Expect = UnipileErrorClass['outcome'] | `account_stop:${string}` | `skip`;

/** Every type of unipile-api.md §1 (by status) with the outcome for a read and for a write. */
const TABLE: Array<[number, string, Expect, Expect?]> = [
  [400, 'invalid_parameters', 'fatal'],
  [400, 'malformed_request', 'fatal'],
  [400, 'missing_parameters', 'fatal'],
  [400, 'too_many_characters', 'fatal'],
  [401, 'missing_credentials', 'account_stop:AuthenticationError'],
  [401, 'multiple_sessions', 'account_stop:InvalidCredentialsError'],
  [401, 'invalid_checkpoint_solution', 'account_stop:InvalidCredentialsError'],
  [401, 'checkpoint_error', 'account_stop:InvalidCredentialsError'],
  [401, 'invalid_credentials', 'account_stop:InvalidCredentialsError'],
  [401, 'expired_credentials', 'account_stop:InvalidCredentialsError'],
  [401, 'insufficient_privileges', 'account_stop:AuthenticationError'],
  [401, 'disconnected_account', 'account_stop:InvalidCredentialsError'],
  [401, 'disconnected_feature', 'account_stop:InvalidCredentialsError'],
  [401, 'invalid_credentials_but_valid_account_imap', 'account_stop:InvalidCredentialsError'],
  [401, 'expired_link', 'fatal'],
  [401, 'wrong_account', 'account_stop:InvalidCredentialsError'],
  [401, 'captcha_not_supported', 'account_stop:InvalidCredentialsError'],
  [401, 'invalid_proxy_credentials', 'account_stop:InvalidCredentialsError'],
  [401, 'invalid_imap_configuration', 'account_stop:InvalidCredentialsError'],
  [401, 'invalid_smtp_configuration', 'account_stop:InvalidCredentialsError'],
  [403, 'account_restricted', 'account_stop:AccountSuspendedError'],
  [403, 'account_mismatch', 'account_stop:InvalidCredentialsError'],
  [403, 'insufficient_permissions', 'fatal'],
  [403, 'session_mismatch', 'account_stop:InvalidCredentialsError'],
  [403, 'feature_not_subscribed', 'fatal'],
  [403, 'subscription_required', 'fatal'],
  [403, 'unknown_authentication_context', 'account_stop:InvalidCredentialsError'],
  [403, 'action_required', 'account_stop:InvalidCredentialsError'],
  [403, 'resource_access_restricted', 'skip'],
  [404, 'resource_not_found', 'skip'],
  [404, 'invalid_resource_identifier', 'skip'],
  [422, 'invalid_account', 'account_stop:InvalidCredentialsError'],
  [422, 'invalid_recipient', 'skip'],
  [422, 'no_connection_with_recipient', 'skip'],
  [422, 'blocked_recipient', 'skip'],
  [422, 'user_unreachable', 'skip'],
  [422, 'unprocessable_entity', 'skip'],
  [422, 'action_already_performed', 'skip'],
  [422, 'invalid_message', 'fatal'],
  [422, 'invalid_post', 'skip'],
  [422, 'not_allowed_inmail', 'skip'],
  [422, 'insufficient_credits', 'skip'],
  [422, 'cannot_resend_yet', 'skip'],
  [422, 'cannot_resend_within_24hrs', 'skip'],
  [422, 'limit_exceeded', 'rate_limited'],
  [422, 'already_invited_recently', 'skip'],
  [422, 'cannot_invite_attendee', 'skip'],
  [422, 'limit_too_high', 'fatal'],
  [422, 'unauthorized', 'skip'],
  [422, 'cant_send_message', 'skip'],
  [422, 'realtime_client_not_initialized', 'retry'],
  [422, 'parent_mail_not_found', 'fatal'],
  [422, 'invalid_reply_subject', 'fatal'],
  [422, 'invalid_headers', 'fatal'],
  [422, 'send_as_denied', 'fatal'],
  [422, 'invalid_folder', 'fatal'],
  [422, 'invalid_thread', 'fatal'],
  [422, 'sender_rejected', 'fatal'],
  [422, 'recipient_rejected', 'skip'],
  [422, 'ip_rejected_by_server', 'fatal'],
  [422, 'provider_unreachable', 'retry'],
  [422, 'account_configuration_error', 'account_stop:InvalidCredentialsError'],
  [422, 'already_connected', 'skip'],
  [429, 'too_many_requests', 'rate_limited'],
  [500, 'unexpected_error', 'retry'],
  [500, 'provider_error', 'retry', 'rate_limited'],
  [500, 'authentication_intent_error', 'retry'],
  [500, 'proxy_error', 'retry'],
  [501, 'feature_not_implemented', 'fatal'],
  [503, 'no_client_session', 'retry'],
  [503, 'no_channel', 'retry'],
  [503, 'no_handler', 'retry'],
  [503, 'network_down', 'retry'],
  [503, 'service_unavailable', 'retry'],
  [504, 'request_timeout', 'retry', 'indeterminate'],
];

function label(c: UnipileErrorClass): string {
  return c.outcome === 'account_stop' ? `account_stop:${c.failureType}` : c.outcome;
}

void describe('classifyUnipileError: every documented type', () => {
  for (const [status, type, read, write] of TABLE) {
    void it(`${status} ${type} → read ${read}, write ${write ?? read}`, () => {
      assert.equal(label(classifyUnipileError(http(status, type), { isWrite: false })), read);
      assert.equal(label(classifyUnipileError(http(status, type, true), { isWrite: true })), write ?? read);
    });
  }

  void it('the table covers every `errors/...` type named in unipile-api.md §1', () => {
    const doc = readFileSync(new URL('../../../shared/unipile-api.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## 1. Error model'), doc.indexOf('## 2. Identifiers'));
    const named = new Set([...section.matchAll(/errors\/([a-z_0-9]+)/g)].map((m) => m[1]!));
    // the email-only 422 types are listed without the prefix
    for (const t of ['parent_mail_not_found', 'invalid_reply_subject', 'invalid_headers', 'send_as_denied', 'invalid_folder', 'invalid_thread', 'sender_rejected', 'recipient_rejected', 'ip_rejected_by_server', 'provider_unreachable', 'account_configuration_error']) named.add(t);
    named.delete('slug');
    const covered = new Set(TABLE.map((r) => r[1]));
    const missing = [...named].filter((t) => !covered.has(t));
    assert.deepEqual(missing, []);
    assert.ok(named.size > 60, `parsed ${named.size} types`);
  });

  void it('skip carries the type as its reason; rate limits carry a back-off', () => {
    assert.deepEqual(classifyUnipileError(http(422, 'cannot_resend_yet', true), { isWrite: true }), { outcome: 'skip', reason: 'cannot_resend_yet' });
    assert.deepEqual(classifyUnipileError(http(429, 'too_many_requests'), { isWrite: true }), { outcome: 'rate_limited', reason: 'too_many_requests', retryAfterMs: RATE_LIMIT_BACKOFF_MS });
    const now = new Date('2026-11-25T10:00:00Z');
    const c = classifyUnipileError(http(422, 'limit_exceeded', true), { isWrite: true, now });
    assert.equal(c.outcome === 'rate_limited' && c.retryAfterMs, 15 * 3600_000, 'until 01:00 UTC next day');
    assert.equal(untilNextDayMs(new Date('2026-11-25T23:00:00Z')), RATE_LIMIT_BACKOFF_MS, 'never less than the floor');
    const svc = classifyUnipileError(http(503, 'network_down'), { isWrite: false });
    assert.ok(svc.outcome === 'retry' && svc.retryAfterMs! >= 60_000);
  });

  void it('unknown types fall back on the status family', () => {
    assert.equal(label(classifyUnipileError(http(502, 'bad_gateway'), { isWrite: false })), 'retry');
    assert.equal(label(classifyUnipileError(http(401, 'brand_new'), { isWrite: false })), 'account_stop:InvalidCredentialsError');
    assert.equal(label(classifyUnipileError(http(422, 'brand_new'), { isWrite: true })), 'skip');
    assert.equal(label(classifyUnipileError(http(400, 'brand_new'), { isWrite: true })), 'fatal');
  });

  void it('transport failures: retry on reads; indeterminate on writes unless surely not sent', () => {
    const mk = (kind: 'timeout' | 'network' | 'aborted' | 'invalid_response', maybeSent = true) => new UnipileError({ kind, method: 'POST', path: '/api/v1/users/invite', write: true, maybeSent });
    for (const kind of ['timeout', 'network', 'aborted', 'invalid_response'] as const) {
      assert.equal(classifyUnipileError(mk(kind), { isWrite: false }).outcome, 'retry', kind);
      assert.equal(classifyUnipileError(mk(kind), { isWrite: true }).outcome, 'indeterminate', kind);
    }
    assert.equal(classifyUnipileError(mk('network', false), { isWrite: true }).outcome, 'retry');
    assert.equal(classifyUnipileError(new TypeError('fetch failed'), { isWrite: true }).outcome, 'indeterminate');
  });

  void it('writeMayHaveHappened: any 5xx (503 included) and transport failures after send', () => {
    assert.equal(writeMayHaveHappened(http(504, 'request_timeout', true)), true);
    assert.equal(writeMayHaveHappened(http(500, 'unexpected_error', true)), true);
    assert.equal(writeMayHaveHappened(http(503, 'service_unavailable', true)), true);
    assert.equal(writeMayHaveHappened(http(422, 'cannot_resend_yet', true)), false);
    assert.equal(writeMayHaveHappened(new UnipileError({ kind: 'network', method: 'POST', path: '/x', write: true, maybeSent: false })), false);
  });

  void it('the message names route and type, never a key', () => {
    const e = http(401, 'disconnected_account');
    assert.equal(e.message, 'Unipile GET /api/v1/x failed: 401 disconnected_account (disconnected_account)');
  });
});
