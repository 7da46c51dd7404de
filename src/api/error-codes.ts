import { AppError, NotFoundError } from '../errors';

/**
 * Every error code the HTTP API can answer with, its status and what it means to a caller.
 * docs/errors.md lists exactly these (test/api/error-codes.test.ts keeps the two in sync, and also
 * checks that every code thrown in the code the API reaches (src/ minus the worker side: activities/,
 * workflows/, linkedin/) is registered here, with the same status). Codes thrown by the campaign
 * service are here too: the API renders them as they are.
 */
export const ERROR_CODES = {
  // request shape
  validation_failed: {
    status: 400,
    meaning:
      'The request does not match the route schema, or a string in it (body, query, path) holds a NUL byte; `details` lists each problem with its path (e.g. `body.leadsPerDay`).',
  },
  malformed_json: { status: 400, meaning: 'The body is declared as JSON but is empty or does not parse.' },
  bad_request: {
    status: 400,
    meaning: 'The HTTP request itself is malformed (e.g. an invalid Content-Length).',
  },
  json_too_deep: {
    status: 400,
    meaning: 'The JSON body nests objects or arrays deeper than 64 levels.',
  },
  uri_too_long: { status: 414, meaning: 'The URL (path and query) is longer than 8 KiB, or a path segment longer than 100 characters.' },
  headers_too_large: {
    status: 431,
    meaning: 'The request line and headers together exceed 16 KiB (answered by the HTTP parser).',
  },
  invalid_csv: {
    status: 400,
    meaning: 'The CSV body does not parse or has no column the route reads (linkedin_url / linkedin_id for leads; those, company, domain or kind and value for the do-not-contact list); `details` says where.',
  },
  invalid_workflow_definition: {
    status: 400,
    alsoAs: [422],
    meaning:
      'The campaign step graph does not compile; `details` lists the problems, each pointing at a nodeId, edgeId or path. 400 when saving; 422 when starting or forecasting a campaign whose stored definition no longer compiles.',
  },
  invalid_expiry: { status: 400, meaning: 'An API key `expiresAt` that is not in the future.' },
  webhook_url_not_allowed: {
    status: 400,
    meaning:
      'The webhook endpoint URL is not https (http needs WEBHOOK_ALLOW_HTTP) or its host is a loopback, private, link-local, multicast or otherwise non-public address (hex, octal and decimal IPv4 spellings included) not named in WEBHOOK_ALLOWED_HOSTS; `details.reason` is `scheme`, `blocked_address` or `invalid_url`.',
  },
  invalid_account_settings: {
    status: 400,
    meaning:
      'Account quota settings (working hours, time zone, daily limits) are invalid; `details` lists each problem with its path.',
  },
  payload_too_large: {
    status: 413,
    meaning: 'The body exceeds the route limit (1 MiB for JSON, 20 MiB for lead imports).',
  },
  unsupported_media_type: {
    status: 415,
    meaning:
      'The Content-Type is not accepted by this route (JSON everywhere; JSON or text/csv for lead imports).',
  },
  route_not_found: { status: 404, meaning: 'No route matches this method and path.' },

  // auth and tenancy
  unauthorized: {
    status: 401,
    meaning: 'Missing, malformed, unknown or revoked API key (`Authorization: Bearer <key>`).',
  },
  invalid_stream_token: {
    status: 401,
    meaning:
      'The live-stream token (`?token=` on `/api/streams/*`) is invalid, expired or for another campaign; get a new one from `POST /api/campaigns/:id/stream-token`.',
  },
  invalid_webhook_secret: {
    status: 401,
    meaning:
      'An inbound provider webhook (`/api/webhooks/*`) came without the shared secret header, or with a wrong one.',
  },
  invalid_hosted_auth_token: {
    status: 401,
    meaning:
      "Unipile's hosted auth callback carried a link token that is malformed, not signed by us, or expired; nothing was connected.",
  },
  admin_scope_required: {
    status: 403,
    meaning: 'The route manages API keys and needs a key with the `admin` scope.',
  },
  organization_mismatch: {
    status: 403,
    meaning: '`organizationId` in the body is not the organization of the API key.',
  },

  // resources (another organization\'s ids answer the same as missing ones)
  account_not_found: { status: 404, meaning: 'No connected account with this id in your organization.' },
  api_key_not_found: { status: 404, meaning: 'No live API key with this id in your organization.' },
  webhook_endpoint_not_found: {
    status: 404,
    meaning: 'No webhook endpoint with this id in your organization.',
  },
  lead_list_not_found: { status: 404, meaning: 'No lead list with this id in your organization.' },
  lead_not_found: { status: 404, meaning: 'No lead with this id in your organization.' },
  do_not_contact_entry_not_found: { status: 404, meaning: 'No do-not-contact entry with this id in your organization.' },
  campaign_not_found: {
    status: 404,
    meaning: 'No campaign with this id in your organization (deleted campaigns included).',
  },
  execution_not_found: { status: 404, meaning: 'This lead has no execution in this campaign (yet).' },
  campaign_sender_not_found: {
    status: 404,
    meaning: 'The account is not an active sender of this campaign (or, with stopContactedLeads, never was one).',
  },

  // state conflicts
  last_sender: {
    status: 409,
    meaning: 'The account is the campaign\'s last active sender: a campaign keeps at least one (add another first).',
  },
  account_already_exists: {
    status: 409,
    meaning: 'A connected account with this providerAccountId already exists in your organization.',
  },
  account_taken: {
    status: 409,
    meaning: 'The Unipile account is connected to another organization; a Unipile account belongs to exactly one.',
  },
  account_in_use: {
    status: 409,
    meaning: 'A running (in progress, scheduled or paused) campaign sends from this account; stop it first.',
  },
  lead_list_in_use: {
    status: 409,
    meaning: 'A campaign (not deleted) uses this lead list; delete the campaign first.',
  },
  lead_in_use: {
    status: 409,
    meaning: 'The lead is being processed by a campaign (execution pending or in progress).',
  },
  campaign_not_running: {
    status: 409,
    meaning: 'Pause or stop asked of a campaign that is not in progress (or paused, for stop).',
  },
  campaign_not_paused: { status: 409, meaning: 'Resume asked of a campaign that is not paused.' },
  idempotency_key_reused: {
    status: 409,
    meaning:
      'An account action reservation reused an idempotency key for a different account or action kind.',
  },
  campaign_running: {
    status: 409,
    meaning:
      'The campaign is in progress or scheduled (or, for DELETE, paused); pause or stop it first. While in progress, only `workflowDefinition` (with `moveInProgressLeads`) may be changed.',
  },
  definition_version_not_found: { status: 404, meaning: 'The campaign has no definition version with this number.' },
  provider_account_invalid: {
    status: 422,
    meaning: 'Unipile does not know this account id, or it is not a LinkedIn account; nothing was registered.',
  },
  rate_limited: {
    status: 429,
    meaning:
      'Too many requests from this API key (API_RATE_LIMIT_PER_MINUTE) or, without a valid key, from this IP (API_RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE); `Retry-After` says when to retry, `details` has `limit` and `retryAfterSeconds`.',
  },
  lead_list_too_large: {
    status: 422,
    meaning: 'The import would take the lead list above 100,000 leads; nothing was imported.',
  },
  lead_list_missing: { status: 422, meaning: 'Start: the campaign has no lead list (it was deleted).' },
  lead_list_empty: { status: 422, meaning: 'Start: the campaign lead list has no leads.' },
  sender_account_missing: {
    status: 422,
    meaning: 'Start or forecast: the campaign has no sender account (it was deleted).',
  },
  sender_account_not_connected: {
    status: 422,
    meaning: 'Start or resume: the sender account is disconnected or in error; reconnect it first.',
  },

  temporal_unavailable: {
    status: 503,
    meaning:
      'The workflow engine (Temporal) could not be reached in time. Editing the workflow of a running or paused campaign: nothing was saved, retry later. Removing a sender with stopContactedLeads: the removal is saved, repeat the request to stop its leads.',
  },
  unipile_unavailable: {
    status: 503,
    meaning:
      'Unipile could not be reached (or is not configured) to verify an account or create a hosted auth link; retry later.',
  },

  // everything else
  internal_error: {
    status: 500,
    meaning: 'An unexpected error; the response carries no detail, the log has it under the request id.',
  },
} as const satisfies Record<string, { status: number; alsoAs?: readonly number[]; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An AppError whose status comes from the registry, so a code and its status cannot drift apart. */
export function apiError(code: ErrorCode, message: string, details?: unknown): AppError {
  return new AppError(code, message, ERROR_CODES[code].status, details);
}

type NotFoundKind = ErrorCode extends infer C
  ? C extends `${infer K}_not_found`
    ? K extends 'route'
      ? never
      : K
    : never
  : never;

/** The one 404 for a resource: missing and foreign ids answer exactly the same. */
export function notFound(kind: NotFoundKind, id?: string): NotFoundError {
  return new NotFoundError(kind, id);
}
