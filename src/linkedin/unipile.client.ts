/**
 * A typed client for Unipile's v1 REST API (unipile-api.md). Method names mirror Unipile's node SDK.
 * Every call: `X-API-KEY` header, a timeout (plus an optional caller AbortSignal, e.g. Temporal's
 * cancellation signal), lenient zod validation of the answer, and a `UnipileError` on any failure.
 */
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { z } from 'zod';
import { unipileRequests } from '../telemetry/metrics';
import { UnipileError } from './errors';
import {
  AccountListSchema,
  AccountSchema,
  HostedAuthUrlSchema,
  ChatListSchema,
  ChatSchema,
  ChatStartedSchema,
  CommentListSchema,
  InvitationListSchema,
  InmailBalanceSchema,
  InvitationSentResponseSchema,
  MessageListSchema,
  MessageSentSchema,
  ObjectOnlySchema,
  OwnProfileSchema,
  PostListSchema,
  RelationListSchema,
  UserProfileSchema,
  WebhookCreatedSchema,
  WebhookListSchema,
  type Chat,
  type Page,
} from './unipile.schemas';

/** Unipile v1; the one place the version prefix lives (v2 is a different product, see unipile-api.md §0). */
export const UNIPILE_API_PREFIX = '/api/v1';
export const DEFAULT_TIMEOUT_MS = 30_000;
const tracer = trace.getTracer('clento-unipile');

export interface UnipileClientOptions {
  /** `api8.unipile.com:13424`, or a full base URL with scheme (`http://127.0.0.1:3100` for the sandbox). */
  dsn: string;
  accessToken: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** Per-call options: an external signal (Temporal cancellation), a timeout override, a listener for quota headers. */
export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Called with Unipile's rate-limit headers when an answer (success or error) carries them. */
  onRateLimit?: (signal: RateLimitSignal) => void;
}

/** Unipile's `x-ratelimit-*` and `retry-after` headers of one answer. */
export interface RateLimitSignal {
  limit: number | null;
  remaining: number | null;
  resetAt: Date | null;
  retryAfterMs: number | null;
}

/** Reads the rate-limit headers; null when the answer has none. `x-ratelimit-reset` may be epoch seconds or seconds from now. */
export function rateLimitSignal(headers: Headers, now: Date = new Date()): RateLimitSignal | null {
  const num = (name: string): number | null => {
    const v = headers.get(name);
    if (v === null || v.trim() === '') return null;
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  };
  const limit = num('x-ratelimit-limit');
  const remaining = num('x-ratelimit-remaining');
  const reset = num('x-ratelimit-reset');
  const retryAfterMs = retryAfterHeaderMs(headers.get('retry-after'), now);
  if (limit === null && remaining === null && reset === null && retryAfterMs === null) return null;
  const resetAt = reset === null ? null : new Date(reset > 1e9 ? reset * 1000 : now.getTime() + reset * 1000);
  return { limit, remaining, resetAt, retryAfterMs };
}

/** `retry-after`: seconds, or an HTTP date. */
export function retryAfterHeaderMs(value: string | null, now: Date = new Date()): number | null {
  if (!value) return null;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now.getTime());
}

type Query = Record<string, string | number | boolean | readonly string[] | null | undefined>;

interface RequestSpec<S extends z.ZodType> {
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH';
  path: string;
  query?: Query;
  json?: unknown;
  form?: FormData;
  schema: S;
  write: boolean;
}

export type LinkedinSection =
  | 'experience'
  | 'education'
  | 'languages'
  | 'skills'
  | 'certifications'
  | 'about'
  | 'volunteering_experience'
  | 'projects'
  | 'recommendations_received'
  | 'recommendations_given'
  | '*'
  | (string & {});

export type ReactionType = 'like' | 'celebrate' | 'support' | 'love' | 'insightful' | 'funny';

export interface WebhookCreateBody {
  request_url: string;
  source: 'messaging' | 'users' | 'account_status' | 'email' | 'email_tracking' | 'calendar_event';
  name?: string;
  format?: 'json' | 'form';
  account_ids?: string[];
  enabled?: boolean;
  headers?: Array<{ key: string; value: string }>;
  events?: string[];
}

export interface HostedAuthLinkBody {
  type: 'create' | 'reconnect';
  providers: string[] | '*';
  /** The DSN as https://host:port. */
  api_url: string;
  /** ISO 8601. */
  expiresOn: string;
  notify_url: string;
  /** Ours; Unipile sends it back to notify_url with the new account_id. */
  name: string;
  reconnect_account?: string;
  success_redirect_url?: string;
  failure_redirect_url?: string;
}

export function baseUrlFromDsn(dsn: string): string {
  const trimmed = dsn.trim().replace(/\/+$/, '');
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
}

/** Walks a cursor-paged list route until the cursor comes back null (or `maxPages` pages were read). */
export async function* paginate<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  opts: { maxPages?: number } = {},
): AsyncGenerator<T, void, undefined> {
  let cursor: string | undefined;
  for (let page = 0; page < (opts.maxPages ?? Infinity); page++) {
    const res = await fetchPage(cursor);
    yield* res.items;
    if (!res.cursor) return;
    cursor = res.cursor;
  }
}

export class UnipileClient {
  readonly baseUrl: string;
  readonly #accessToken: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(opts: UnipileClientOptions) {
    if (!opts.accessToken) throw new Error('UnipileClient: accessToken is required');
    this.baseUrl = baseUrlFromDsn(opts.dsn);
    this.#accessToken = opts.accessToken;
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#fetch = opts.fetch ?? globalThis.fetch;
  }

  readonly users = {
    /** The profile visit: `notify: true` lets LinkedIn tell the person. Works with a provider id or a public id. */
    getProfile: (
      p: { account_id: string; identifier: string; linkedin_sections?: LinkedinSection | LinkedinSection[]; linkedin_api?: string; notify?: boolean },
      o?: CallOptions,
    ) =>
      this.request(
        {
          method: 'GET',
          path: `/users/${enc(p.identifier)}`,
          query: { account_id: p.account_id, linkedin_sections: p.linkedin_sections, linkedin_api: p.linkedin_api, notify: p.notify },
          schema: UserProfileSchema,
          write: false,
        },
        o,
      ),
    getOwnProfile: (account_id: string, o?: CallOptions) =>
      this.request({ method: 'GET', path: '/users/me', query: { account_id }, schema: OwnProfileSchema, write: false }, o),
    /** `provider_id` must be the provider id (ACo...), never a slug; the note is at most 300 characters. */
    sendInvitation: (p: { account_id: string; provider_id: string; message?: string; user_email?: string }, o?: CallOptions) =>
      this.request({ method: 'POST', path: '/users/invite', json: p, schema: InvitationSentResponseSchema, write: true }, o),
    /** Pending invitations only: one drops off once accepted, withdrawn or ignored. */
    getAllInvitationsSent: (p: { account_id: string; limit?: number; cursor?: string }, o?: CallOptions) =>
      this.request({ method: 'GET', path: '/users/invite/sent', query: p, schema: InvitationListSchema, write: false }, o),
    cancelInvitationSent: (p: { account_id: string; invitation_id: string }, o?: CallOptions) =>
      this.request(
        { method: 'DELETE', path: `/users/invite/sent/${enc(p.invitation_id)}`, query: { account_id: p.account_id }, schema: ObjectOnlySchema, write: true },
        o,
      ),
    /** Most recently added first. */
    getAllRelations: (p: { account_id: string; limit?: number; cursor?: string; filter?: string }, o?: CallOptions) =>
      this.request({ method: 'GET', path: '/users/relations', query: p, schema: RelationListSchema, write: false }, o),
    /** `identifier` is the provider id (ACo... for people, numeric for companies). */
    getAllPosts: (p: { account_id: string; identifier: string; limit?: number; cursor?: string; is_company?: boolean }, o?: CallOptions) =>
      this.request(
        {
          method: 'GET',
          path: `/users/${enc(p.identifier)}/posts`,
          query: { account_id: p.account_id, limit: p.limit, cursor: p.cursor, is_company: p.is_company },
          schema: PostListSchema,
          write: false,
        },
        o,
      ),
    /** `post_id` is the post's `social_id` (urn:li:activity:...), not its numeric id. */
    sendPostReaction: (p: { account_id: string; post_id: string; reaction_type?: ReactionType; comment_id?: string }, o?: CallOptions) =>
      this.request({ method: 'POST', path: '/posts/reaction', json: p, schema: ObjectOnlySchema, write: true }, o),
    sendPostComment: (p: { account_id: string; post_id: string; text: string; comment_id?: string }, o?: CallOptions) =>
      this.request(
        { method: 'POST', path: `/posts/${enc(p.post_id)}/comments`, json: { account_id: p.account_id, text: p.text, comment_id: p.comment_id }, schema: ObjectOnlySchema, write: true },
        o,
      ),
    getAllPostComments: (p: { account_id: string; post_id: string; limit?: number; cursor?: string }, o?: CallOptions) =>
      this.request(
        { method: 'GET', path: `/posts/${enc(p.post_id)}/comments`, query: { account_id: p.account_id, limit: p.limit, cursor: p.cursor }, schema: CommentListSchema, write: false },
        o,
      ),
  };

  readonly messaging = {
    /** A new chat (or InMail with `options.linkedin.inmail`). Sent as multipart, as Unipile documents it. */
    startNewChat: (
      p: {
        account_id: string;
        attendees_ids: string[];
        text: string;
        subject?: string;
        options?: { linkedin?: { api?: 'classic' | 'recruiter' | 'sales_navigator'; inmail?: boolean } };
      },
      o?: CallOptions,
    ) => {
      const form = new FormData();
      form.append('account_id', p.account_id);
      for (const id of p.attendees_ids) form.append('attendees_ids', id);
      form.append('text', p.text);
      if (p.subject !== undefined) form.append('subject', p.subject);
      const li = p.options?.linkedin;
      if (li?.api) form.append('linkedin[api]', li.api);
      if (li?.inmail !== undefined) form.append('linkedin[inmail]', String(li.inmail));
      return this.request({ method: 'POST', path: '/chats', form, schema: ChatStartedSchema, write: true }, o);
    },
    sendMessage: (p: { chat_id: string; text: string; account_id?: string }, o?: CallOptions) => {
      const form = new FormData();
      form.append('text', p.text);
      if (p.account_id) form.append('account_id', p.account_id);
      return this.request({ method: 'POST', path: `/chats/${enc(p.chat_id)}/messages`, form, schema: MessageSentSchema, write: true }, o);
    },
    getAllChats: (p: { account_id?: string; account_type?: string; unread?: boolean; before?: string; after?: string; limit?: number; cursor?: string }, o?: CallOptions) =>
      this.request({ method: 'GET', path: '/chats', query: p, schema: ChatListSchema, write: false }, o),
    getChat: (chat_id: string, o?: CallOptions) => this.request({ method: 'GET', path: `/chats/${enc(chat_id)}`, schema: ChatSchema, write: false }, o),
    getAllMessagesFromChat: (p: { chat_id: string; limit?: number; cursor?: string; before?: string; after?: string; sender_id?: string }, o?: CallOptions) =>
      this.request(
        { method: 'GET', path: `/chats/${enc(p.chat_id)}/messages`, query: { limit: p.limit, cursor: p.cursor, before: p.before, after: p.after, sender_id: p.sender_id }, schema: MessageListSchema, write: false },
        o,
      ),
    getAllChatsFromAttendee: (p: { attendee_id: string; account_id?: string; limit?: number; cursor?: string }, o?: CallOptions) =>
      this.request(
        { method: 'GET', path: `/chat_attendees/${enc(p.attendee_id)}/chats`, query: { account_id: p.account_id, limit: p.limit, cursor: p.cursor }, schema: ChatListSchema, write: false },
        o,
      ),
    /**
     * The 1:1 chat this account has with a person, by provider id. Reads Unipile's synced store (no
     * LinkedIn quota), scanning at most `maxPages` pages of the newest chats.
     */
    findChatWithAttendee: async (p: { account_id: string; provider_id: string; maxPages?: number }, o?: CallOptions): Promise<Chat | null> => {
      for await (const chat of paginate((cursor) => this.messaging.getAllChats({ account_id: p.account_id, limit: 100, cursor }, o), { maxPages: p.maxPages ?? 5 })) {
        if (chat.attendee_provider_id === p.provider_id && (chat.type ?? 0) === 0) return chat;
      }
      return null;
    },
  };

  readonly account = {
    getAll: (p: { limit?: number; cursor?: string } = {}, o?: CallOptions) =>
      this.request({ method: 'GET', path: '/accounts', query: p, schema: AccountListSchema, write: false }, o),
    getOne: (id: string, o?: CallOptions) => this.request({ method: 'GET', path: `/accounts/${enc(id)}`, schema: AccountSchema, write: false }, o),
  };

  /** The hosted auth wizard (unipile-api.md §4.1): the link an organization follows to connect its account. */
  readonly hostedAuth = {
    createLink: (body: HostedAuthLinkBody, o?: CallOptions) =>
      this.request({ method: 'POST', path: '/hosted/accounts/link', json: body, schema: HostedAuthUrlSchema, write: false }, o),
  };

  readonly linkedin = {
    /** InMail credits left, per product (classic Premium, Recruiter, Sales Navigator). */
    getInmailBalance: (p: { account_id: string }, o?: CallOptions) =>
      this.request({ method: 'GET', path: '/linkedin/inmail_balance', query: p, schema: InmailBalanceSchema, write: false }, o),
  };

  readonly webhook = {
    getAll: (p: { limit?: number; cursor?: string } = {}, o?: CallOptions) =>
      this.request({ method: 'GET', path: '/webhooks', query: p, schema: WebhookListSchema, write: false }, o),
    create: (body: WebhookCreateBody, o?: CallOptions) => this.request({ method: 'POST', path: '/webhooks', json: body, schema: WebhookCreatedSchema, write: true }, o),
    delete: (id: string, o?: CallOptions) => this.request({ method: 'DELETE', path: `/webhooks/${enc(id)}`, schema: ObjectOnlySchema, write: true }, o),
  };

  /** One call, as a client span (a no-op unless tracing is on) and counted by method and status class. */
  private request<S extends z.ZodType>(spec: RequestSpec<S>, o: CallOptions = {}): Promise<z.output<S>> {
    return tracer.startActiveSpan(`unipile ${spec.method}`, { kind: SpanKind.CLIENT, attributes: { 'http.request.method': spec.method, 'url.path': `${UNIPILE_API_PREFIX}${spec.path}` } }, async (span) => {
      try {
        const result = await this.send(spec, o);
        unipileRequests.inc({ method: spec.method, status: '2xx' });
        return result;
      } catch (err) {
        const status = err instanceof UnipileError && err.status ? `${Math.floor(err.status / 100)}xx` : 'network';
        unipileRequests.inc({ method: spec.method, status });
        if (err instanceof UnipileError && err.status) span.setAttribute('http.response.status_code', err.status);
        span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
        throw err;
      } finally {
        span.end();
      }
    });
  }

  private async send<S extends z.ZodType>(spec: RequestSpec<S>, o: CallOptions): Promise<z.output<S>> {
    const route = `${UNIPILE_API_PREFIX}${spec.path}`;
    const url = `${this.baseUrl}${route}${buildQuery(spec.query)}`;
    const headers: Record<string, string> = { 'X-API-KEY': this.#accessToken, accept: 'application/json' };
    let body: string | FormData | undefined;
    if (spec.form) body = spec.form; // fetch sets the multipart boundary itself
    else if (spec.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(stripUndefined(spec.json));
    }
    const timeout = AbortSignal.timeout(o.timeoutMs ?? this.#timeoutMs);
    const signal = o.signal ? AbortSignal.any([timeout, o.signal]) : timeout;
    const base = { method: spec.method, path: route, write: spec.write };

    let res: Response;
    try {
      res = await this.#fetch(url, { method: spec.method, headers, body, signal });
    } catch (cause) {
      throw fetchFailure(cause, base, timeout, o.signal);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (cause) {
      throw fetchFailure(cause, base, timeout, o.signal);
    }
    const parsed = parseJson(text);
    const limits = rateLimitSignal(res.headers);
    if (limits && o.onRateLimit) {
      try {
        o.onRateLimit(limits);
      } catch {
        // a listener's failure is not the call's
      }
    }
    if (!res.ok) {
      const b = (parsed && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown>;
      throw new UnipileError({
        ...base,
        kind: 'http',
        status: res.status,
        type: typeof b.type === 'string' ? b.type : undefined,
        title: typeof b.title === 'string' ? b.title : undefined,
        detail: typeof b.detail === 'string' ? b.detail : undefined,
        retryAfterMs: limits?.retryAfterMs ?? (limits?.resetAt ? Math.max(0, limits.resetAt.getTime() - Date.now()) : undefined),
      });
    }
    const result = spec.schema.safeParse(parsed);
    if (!result.success) {
      throw new UnipileError({ ...base, kind: 'invalid_response', status: res.status, detail: result.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
    }
    return result.data;
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

/** Arrays are joined with commas, as the SDK does; the values are encoded (the SDK's are not). */
export function buildQuery(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null) continue;
    params.append(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

function stripUndefined(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

function fetchFailure(cause: unknown, base: { method: string; path: string; write: boolean }, timeout: AbortSignal, external: AbortSignal | undefined): UnipileError {
  if (timeout.aborted) return new UnipileError({ ...base, kind: 'timeout', cause });
  if (external?.aborted) return new UnipileError({ ...base, kind: 'aborted', cause });
  const code = errorCode(cause);
  return new UnipileError({ ...base, kind: 'network', type: code ? `network:${code}` : undefined, maybeSent: !(code && NOT_SENT_CODES.has(code)), cause });
}

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}
