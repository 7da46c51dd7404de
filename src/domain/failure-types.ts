/**
 * The `type` of every ApplicationFailure the activities throw. Workflows branch on these and the
 * retry policies name the non-retryable ones, so they are declared once, here.
 */
export const FAILURE_TYPES = {
  /** Our Unipile API key is missing or wrong: nothing will work until an operator fixes it. */
  AuthenticationError: 'AuthenticationError',
  /** The LinkedIn account is disconnected or its credentials expired: the user must reconnect it. */
  InvalidCredentialsError: 'InvalidCredentialsError',
  /** LinkedIn restricted the account. */
  AccountSuspendedError: 'AccountSuspendedError',
  /** 429 / limit_exceeded: back off for hours; details carry `retryAfterMs`. */
  RateLimitedError: 'RateLimitedError',
  /** A 5xx, network fault or timeout on a read: retry. */
  TransientError: 'TransientError',
  /** A timeout or 504 on a write: it may have happened; the retry reconciles before writing again. */
  IndeterminateWriteError: 'IndeterminateWriteError',
  /** The campaign or step is misconfigured (unknown webhook, missing provider id...): retrying cannot help. */
  ConfigurationError: 'ConfigurationError',
  /** The webhook endpoint is not https or its host is (or resolves to) a non-public address: never retried. */
  WebhookDestinationBlocked: 'WebhookDestinationBlocked',
  /** The campaign is paused or stopped: the action guard refused to start a new LinkedIn action. */
  CampaignNotActiveError: 'CampaignNotActiveError',
} as const;

export type FailureType = (typeof FAILURE_TYPES)[keyof typeof FAILURE_TYPES];

/** Failures after which the account must stop: the campaigns on it pause until it is reconnected. */
export const ACCOUNT_STOP_FAILURES: readonly FailureType[] = [
  FAILURE_TYPES.InvalidCredentialsError,
  FAILURE_TYPES.AccountSuspendedError,
  FAILURE_TYPES.AuthenticationError,
];

/** Never retried by Temporal: retrying cannot succeed, or the workflow handles the wait itself. */
export const NON_RETRYABLE_FAILURES: readonly FailureType[] = [
  ...ACCOUNT_STOP_FAILURES,
  FAILURE_TYPES.RateLimitedError,
  FAILURE_TYPES.ConfigurationError,
  FAILURE_TYPES.CampaignNotActiveError,
];
