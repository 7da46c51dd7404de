import { FAILURE_TYPES } from '../domain/failure-types';

/** How a call to Unipile failed: an HTTP error body, or no usable answer at all. */
export type UnipileErrorKind = 'http' | 'network' | 'timeout' | 'aborted' | 'invalid_response';

/**
 * Any failed call to Unipile. The message names the route and the error type, never the API key
 * (the key travels in a header and is never copied into an error).
 */
export class UnipileError extends Error {
  readonly kind: UnipileErrorKind;
  /** HTTP status; 0 when no response came back. */
  readonly status: number;
  /** The slug after `errors/` (`disconnected_account`...), or the kind for non-HTTP failures. */
  readonly type: string;
  readonly title: string | undefined;
  readonly detail: string | undefined;
  readonly method: string;
  /** The route, without query string. */
  readonly path: string;
  /** The call would change something on LinkedIn (invite, message, react...). */
  readonly write: boolean;
  /** Only for network failures: false when the request surely never left (connection refused, DNS). */
  readonly maybeSent: boolean;
  /**
   * Who refused, from the type's prefix: `api` (Unipile's own rate limiter: retry at the stated time),
   * `provider` (LinkedIn: back off for hours), `errors` (v1, unspecified), or undefined.
   */
  readonly source: string | undefined;
  /** From `retry-after` (or `x-ratelimit-reset`), when the answer carried one. */
  readonly retryAfterMs: number | undefined;

  constructor(opts: {
    kind: UnipileErrorKind;
    status?: number;
    type?: string;
    title?: string;
    detail?: string;
    method: string;
    path: string;
    write: boolean;
    maybeSent?: boolean;
    retryAfterMs?: number;
    cause?: unknown;
  }) {
    const status = opts.status ?? 0;
    const type = normaliseType(opts.type) ?? opts.kind;
    const what = opts.kind === 'http' ? `${status} ${type}` : type;
    super(`Unipile ${opts.method} ${opts.path} failed: ${what}${opts.title ? ` (${opts.title})` : ''}`, { cause: opts.cause });
    this.name = 'UnipileError';
    this.kind = opts.kind;
    this.status = status;
    this.type = type;
    this.title = opts.title;
    this.detail = opts.detail;
    this.method = opts.method;
    this.path = opts.path;
    this.write = opts.write;
    this.maybeSent = opts.maybeSent ?? true;
    const slash = opts.type?.lastIndexOf('/') ?? -1;
    this.source = opts.type && slash > 0 ? opts.type.slice(0, slash) : undefined;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/** `errors/disconnected_account` → `disconnected_account`; v2 prefixes (`api/`, `provider/`) too. */
export function normaliseType(type: string | undefined): string | undefined {
  if (!type) return undefined;
  const i = type.lastIndexOf('/');
  return i >= 0 ? type.slice(i + 1) : type;
}

export type AccountStopFailure =
  | typeof FAILURE_TYPES.InvalidCredentialsError
  | typeof FAILURE_TYPES.AccountSuspendedError
  | typeof FAILURE_TYPES.AuthenticationError;

/** What the caller should do about one failed call: exactly one outcome per error. */
export type UnipileErrorClass =
  | { outcome: 'retry'; reason: string; retryAfterMs?: number }
  | { outcome: 'indeterminate'; reason: string }
  | { outcome: 'rate_limited'; reason: string; retryAfterMs: number }
  | { outcome: 'skip'; reason: string }
  | { outcome: 'account_stop'; reason: string; failureType: AccountStopFailure }
  | { outcome: 'fatal'; reason: string; failureType: typeof FAILURE_TYPES.ConfigurationError };

const HOUR = 60 * 60 * 1000;
/** 429 and throttling 500s: Unipile says back off for hours, not seconds. */
export const RATE_LIMIT_BACKOFF_MS = 6 * HOUR;
/** 503s: "retry after a few minutes". */
export const SERVICE_UNAVAILABLE_RETRY_MS = 2 * 60 * 1000;
/** Unipile's own limiter without a stated time: a minute. */
export const API_RATE_LIMIT_DEFAULT_MS = 60 * 1000;

const IC = FAILURE_TYPES.InvalidCredentialsError;

/** The account needs the user's attention (reconnect, checkpoint...): stop all work on it. */
const ACCOUNT_STOP: Record<string, AccountStopFailure> = {
  missing_credentials: FAILURE_TYPES.AuthenticationError,
  insufficient_privileges: FAILURE_TYPES.AuthenticationError,
  disconnected_account: IC,
  expired_credentials: IC,
  invalid_credentials: IC,
  wrong_account: IC,
  account_mismatch: IC,
  session_mismatch: IC,
  checkpoint_error: IC,
  invalid_checkpoint_solution: IC,
  multiple_sessions: IC,
  disconnected_feature: IC,
  invalid_credentials_but_valid_account_imap: IC,
  captcha_not_supported: IC,
  invalid_proxy_credentials: IC,
  invalid_imap_configuration: IC,
  invalid_smtp_configuration: IC,
  unknown_authentication_context: IC,
  action_required: IC,
  invalid_account: IC,
  account_configuration_error: IC,
  account_restricted: FAILURE_TYPES.AccountSuspendedError,
};

/** Permanent for this target: record the step as skipped and let the lead go on. */
const SKIP = new Set([
  'already_invited_recently',
  'cannot_resend_yet',
  'cannot_resend_within_24hrs',
  'action_already_performed',
  'already_connected',
  'cannot_invite_attendee',
  'invalid_recipient',
  'blocked_recipient',
  'user_unreachable',
  'no_connection_with_recipient',
  'not_allowed_inmail',
  'insufficient_credits',
  'invalid_post',
  'resource_not_found',
  'invalid_resource_identifier',
  'resource_access_restricted',
  'unprocessable_entity',
  'unauthorized',
  'cant_send_message',
  'recipient_rejected',
]);

/** Our request or the campaign's configuration is wrong: retrying the same call cannot help. */
const FATAL = new Set([
  'malformed_request',
  'invalid_parameters',
  'missing_parameters',
  'too_many_characters',
  'feature_not_subscribed',
  'subscription_required',
  'insufficient_permissions',
  'expired_link',
  'invalid_message',
  'limit_too_high',
  'feature_not_implemented',
  'parent_mail_not_found',
  'invalid_reply_subject',
  'invalid_headers',
  'send_as_denied',
  'invalid_folder',
  'invalid_thread',
  'sender_rejected',
  'ip_rejected_by_server',
]);

/** Upstream hiccups: retry (503s after a few minutes). */
const RETRY = new Set([
  'unexpected_error',
  'authentication_intent_error',
  'realtime_client_not_initialized',
  'provider_unreachable',
  'proxy_error',
  'no_client_session',
  'no_channel',
  'no_handler',
  'network_down',
  'service_unavailable',
]);

/** Milliseconds until the next UTC midnight plus an hour, at least the rate-limit back-off floor. */
export function untilNextDayMs(now: Date): number {
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1, 1);
  return Math.max(next - now.getTime(), RATE_LIMIT_BACKOFF_MS);
}

/**
 * Maps any error thrown by the Unipile client (or fetch) to one outcome. `isWrite` decides whether a
 * timeout is a plain retry (a read) or indeterminate (a write that may have happened).
 */
export function classifyUnipileError(err: unknown, opts: { isWrite: boolean; now?: Date }): UnipileErrorClass {
  const now = opts.now ?? new Date();
  if (!(err instanceof UnipileError)) {
    // Not from the client (a bug, or a raw fetch failure): a read can be retried; a write may have happened.
    return opts.isWrite ? { outcome: 'indeterminate', reason: 'unknown_error' } : { outcome: 'retry', reason: 'unknown_error' };
  }
  if (err.kind !== 'http') {
    if (!opts.isWrite) return { outcome: 'retry', reason: err.kind };
    if (err.kind === 'network' && !err.maybeSent) return { outcome: 'retry', reason: 'network_not_sent' };
    return { outcome: 'indeterminate', reason: err.kind };
  }
  const type = err.type;
  const stop = ACCOUNT_STOP[type];
  if (stop) return { outcome: 'account_stop', reason: type, failureType: stop };
  // Unipile's own limiter states when to come back, and that time is reliable; LinkedIn's refusal is not.
  if (type === 'too_many_requests' && err.source === 'api') {
    return { outcome: 'rate_limited', reason: 'api_too_many_requests', retryAfterMs: err.retryAfterMs ?? API_RATE_LIMIT_DEFAULT_MS };
  }
  if (type === 'too_many_requests' || err.status === 429) return { outcome: 'rate_limited', reason: err.source === 'provider' ? 'provider_too_many_requests' : type, retryAfterMs: RATE_LIMIT_BACKOFF_MS };
  if (type === 'limit_exceeded') return { outcome: 'rate_limited', reason: type, retryAfterMs: untilNextDayMs(now) };
  if (type === 'provider_error') {
    // Unipile: going over LinkedIn's limits gives 429 *or 500*; on a write, treat it as throttling.
    return opts.isWrite ? { outcome: 'rate_limited', reason: type, retryAfterMs: RATE_LIMIT_BACKOFF_MS } : { outcome: 'retry', reason: type };
  }
  if (type === 'request_timeout' || err.status === 504) {
    return opts.isWrite ? { outcome: 'indeterminate', reason: type } : { outcome: 'retry', reason: type };
  }
  if (SKIP.has(type)) return { outcome: 'skip', reason: type };
  if (FATAL.has(type)) return { outcome: 'fatal', reason: type, failureType: FAILURE_TYPES.ConfigurationError };
  if (RETRY.has(type)) {
    return err.status === 503 ? { outcome: 'retry', reason: type, retryAfterMs: SERVICE_UNAVAILABLE_RETRY_MS } : { outcome: 'retry', reason: type };
  }
  // A type this table does not know: decide by status family.
  if (err.status >= 500) return { outcome: 'retry', reason: type };
  if (err.status === 401) return { outcome: 'account_stop', reason: type, failureType: IC };
  if (err.status === 404 || err.status === 422) return { outcome: 'skip', reason: type };
  return { outcome: 'fatal', reason: type, failureType: FAILURE_TYPES.ConfigurationError };
}

/**
 * Whether a failed write may have taken effect on LinkedIn. The ledger keeps such rows `unknown`,
 * so the next attempt reconciles before writing again; a definite refusal is `failed`.
 */
export function writeMayHaveHappened(err: unknown): boolean {
  if (!(err instanceof UnipileError)) return true;
  if (err.kind === 'network') return err.maybeSent;
  if (err.kind !== 'http') return true;
  // Any 5xx on a write, 503 included: a proxy or Unipile itself may answer 503 after LinkedIn took
  // the write. Reconciling costs one read; a duplicate message costs the lead.
  return err.status >= 500;
}
