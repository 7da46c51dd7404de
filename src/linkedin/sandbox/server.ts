/**
 * A sandbox LinkedIn that speaks Unipile's v1 API (paths, bodies, error bodies of unipile-api.md §9),
 * for tests and the local run. It simulates acceptances and replies, delivers Unipile-shaped webhooks,
 * injects faults deterministically, and records every call and every effective write.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { seededRandom } from '../../domain/seeded-random';
import { generatePerson, hashInt, makePosts, providerIdForSlug, slugFromProviderId, type Person, type PersonOverrides, type SandboxPost } from './people';

const API = '/api/v1';

export interface SandboxOptions {
  port?: number;
  host?: string;
  accessToken?: string;
  /** Default delay before a sent invitation is accepted; null (default) = only when told (control or per person). */
  acceptAfterMs?: number | null;
  /**
   * Share (0-1, default 1) of invitations the sandbox accepts on its own after `acceptAfterMs`; the others
   * stay pending (ignored) until a control call accepts them. Decided per invitation from the seed.
   */
  acceptProbability?: number;
  /** Default delay before a person answers a message; null (default) = never on their own. */
  replyAfterMs?: number | null;
  dailyInvitationLimit?: number;
  /** How the daily cap answers: 422 `limit_exceeded` (default) or 429 `too_many_requests`. */
  invitationLimitStatus?: 422 | 429;
  seed?: number;
  /** Delays between webhook delivery attempts (at most 5 retries after the first attempt). */
  webhookRetryDelaysMs?: number[];
  /** How long a "timeout" fault holds the response before closing it. */
  hangMs?: number;
  /**
   * A JSON file that keeps the sandbox's state (accounts, people, relations, invitations, chats, messages,
   * reactions, comments, webhooks, id counter, planned acceptances and replies) across restarts. Unset: in memory.
   */
  stateFile?: string;
  /** After a withdrawal, a new invitation to that person is refused (cannot_resend_yet) this long; default 21 days. */
  reinviteAfterWithdrawalMs?: number;
  /** Invitations with a note a free account may send per 30 days (then 422 limit_exceeded); default 5. */
  freeNotesPerMonth?: number;
  /** Unipile's own rate limiter per account: every answer carries x-ratelimit-* headers; over it, 429 api/too_many_requests. */
  apiRateLimit?: { limit: number; windowMs: number } | null;
}

export interface SandboxCall {
  method: string;
  /** Decoded path, with the `/api/v1` prefix. */
  path: string;
  query: Record<string, string | string[]>;
  body: Record<string, unknown> | undefined;
  contentType: 'json' | 'multipart' | 'form' | 'none' | 'other';
  headers: Record<string, string | undefined>;
  at: Date;
  status: number;
  /** Set when an injected fault decided the answer. */
  fault?: string;
}

export interface CallFilter {
  method?: string;
  path?: string | RegExp;
}

export interface FaultConfig {
  /** Share of requests answered with one of `statuses` (500, 503, 504 by default). */
  errorRate?: number;
  statuses?: number[];
  /** Share of requests held until the client gives up. */
  timeoutRate?: number;
  /** Share of requests answered 429. */
  rateLimitRate?: number;
  latencyMs?: number;
  seed?: number;
  /** On writes, perform the write first, then answer with the fault: the client sees a failure for a write that happened. */
  afterWrite?: boolean;
  /** Only requests whose path matches. */
  path?: string | RegExp;
  writesOnly?: boolean;
}

/** A one-shot (or `times`-shot) scripted fault for the next matching request. */
export interface FaultRule {
  method?: string;
  path?: string | RegExp;
  status?: number;
  type?: string;
  /** Hold the response instead of answering (the client times out). */
  timeout?: boolean;
  afterWrite?: boolean;
  times?: number;
  /** Sent as the `retry-after` header. */
  retryAfterSeconds?: number;
}

export type WriteKind = 'invitation' | 'cancel_invitation' | 'message' | 'inmail' | 'reaction' | 'comment' | 'profile_view';

export interface WebhookDelivery {
  webhookId: string;
  url: string;
  payload: unknown;
  attempts: Array<{ at: Date; status?: number; error?: string }>;
  delivered: boolean;
}

interface HostedLink {
  id: string;
  name: string;
  notifyUrl: string;
  expiresAt: Date;
  type: 'create' | 'reconnect';
  reconnectAccount?: string;
  completedAccountId?: string;
}

interface Account {
  id: string;
  name: string;
  type?: string;
  status: 'OK' | 'CREDENTIALS' | 'RESTRICTED';
  person: Person;
  createdAt: Date;
  inmailCredits: number;
  invitesByDay: Map<string, number>;
  /** Unipile's connection_params.im.premiumFeatures: [] is a free account. */
  premiumFeatures: string[];
  /** Unipile's limiter: calls in the current window. */
  apiCalls: { windowStart: number; count: number };
}

interface Invitation {
  id: string;
  accountId: string;
  providerId: string;
  message: string | undefined;
  at: Date;
  status: 'PENDING' | 'ACCEPTED' | 'WITHDRAWN';
  /** When the sandbox will accept it on its own; null: it will not (ignored, or the person never accepts). */
  acceptAt: Date | null;
  withdrawnAt?: Date;
}

interface ChatMessage {
  id: string;
  senderProviderId: string;
  text: string;
  at: Date;
}

interface Chat {
  id: string;
  accountId: string;
  providerId: string;
  attendeeProviderId: string;
  inmail: boolean;
  subject: string | undefined;
  messages: ChatMessage[];
  updatedAt: Date;
}

interface Webhook {
  id: string;
  request_url: string;
  source: string;
  name: string;
  headers: Array<{ key: string; value: string }>;
  account_ids: string[] | undefined;
  events: string[] | undefined;
  enabled: boolean;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
  ) {
    super(title);
  }
}

interface Ctx {
  method: string;
  path: string;
  params: string[];
  query: Record<string, string | string[]>;
  body: Record<string, unknown>;
}

interface Reply {
  status?: number;
  body: unknown;
}

type Handler = (ctx: Ctx) => Reply | Promise<Reply>;

export interface SandboxControl {
  /** `type` (default LINKEDIN): Unipile also hosts WhatsApp, mail... accounts, which cannot send LinkedIn campaigns. `premiumFeatures` default ['premium'] (a paid account); [] is a free one. */
  createAccount(opts?: { id?: string; name?: string; slug?: string; inmailCredits?: number; type?: string; premiumFeatures?: string[] }): { id: string; providerId: string };
  /** Changes an account's type or InMail credits. */
  setAccount(accountId: string, o: { premiumFeatures?: string[]; inmailCredits?: number }): void;
  /** Unipile's own rate limiter (null: none). */
  setApiRateLimit(config: { limit: number; windowMs: number } | null): void;
  /** CREDENTIALS (default) makes every LinkedIn route answer 401 disconnected_account and sends an AccountStatus webhook. */
  disconnect(accountId: string, message?: 'CREDENTIALS' | 'STOPPED' | 'ERROR'): void;
  reconnect(accountId: string): void;
  /** LinkedIn restricted the account: 403 account_restricted. */
  restrict(accountId: string): void;
  setPerson(personIdOrSlug: string, overrides: PersonOverrides): { providerId: string; slug: string };
  person(personIdOrSlug: string): { providerId: string; slug: string; firstName: string; lastName: string; posts: Array<{ id: string; social_id: string }> };
  /** An existing 1st-degree connection, without webhook. */
  connect(accountId: string, personIdOrSlug: string): void;
  /** Accepts the pending invitation (or connects): relation + `new_relation` webhook. False when there was nothing to accept. */
  acceptInvitation(accountId: string, personIdOrSlug: string): boolean;
  /** The person ignores the pending invitation: it stays pending and is never accepted on its own. False when none is pending. */
  ignoreInvitation(accountId: string, personIdOrSlug: string): boolean;
  reply(accountId: string, personIdOrSlug: string, text: string): { chatId: string; messageId: string };
  setFaults(config: FaultConfig | null): void;
  failNext(rule: FaultRule): void;
  clearFaults(): void;
  writeCounts(): Array<{ accountId: string; providerId: string; kind: WriteKind; count: number }>;
  writeCount(accountId: string, personIdOrSlug: string, kind: WriteKind): number;
  /** Pending invitations; `acceptAt`: when the sandbox will accept it on its own (null: it will not). */
  pendingInvitations(accountId: string): Array<{ id: string; providerId: string; message: string | undefined; acceptAt: Date | null }>;
  chatMessages(accountId: string, personIdOrSlug: string): Array<{ text: string; fromUs: boolean }>;
  deliveries(): WebhookDelivery[];
  /** Resolves once every webhook delivery started so far is finished (delivered or out of retries). */
  flushWebhooks(): Promise<void>;
  /** Hosted auth links asked for with POST /hosted/accounts/link (newest last). */
  hostedLinks(): Array<{ id: string; url: string; name: string; notifyUrl: string; expiresAt: Date; type: 'create' | 'reconnect'; completedAccountId?: string }>;
  /**
   * The user finished the hosted wizard: the account is created (or reconnected) and Unipile's
   * notify callback `{status, account_id, name}` is POSTed to the link's notify_url; its answer is returned.
   */
  completeHostedLink(linkId: string, opts?: { accountId?: string; name?: string }): Promise<{ accountId: string; status: 'CREATION_SUCCESS' | 'RECONNECTED'; notifyStatus: number | null }>;
}

export interface SandboxHandle {
  url: string;
  /** Pass as the client's `dsn` (it has a scheme, so the client uses it as is). */
  dsn: string;
  accessToken: string;
  control: SandboxControl;
  calls(filter?: CallFilter): SandboxCall[];
  clearCalls(): void;
  stop(): Promise<void>;
}

/** What `stateFile` holds (version 1). */
interface SandboxState {
  version: 1;
  counter: number;
  people: Person[];
  accounts: Array<Omit<Account, 'person' | 'invitesByDay'> & { person: string; invitesByDay: Record<string, number> }>;
  relations: Array<{ accountId: string; items: Array<[string, Date]> }>;
  invitations: Invitation[];
  chats: Chat[];
  reactions: Array<[string, string]>;
  comments: Array<[string, Array<{ id: string; text: string; authorProviderId: string; at: Date }>]>;
  writes: Array<[string, number]>;
  webhooks: Webhook[];
  plannedReplies: Array<{ accountId: string; providerId: string; at: Date }>;
}
const DATE_KEYS = new Set(['at', 'createdAt', 'updatedAt', 'acceptAt', 'withdrawnAt']);

const WRITE_ROUTES = /^\/api\/v1\/(users\/invite(\/sent\/[^/]+)?|posts\/.+|chats(\/[^/]+\/messages)?)$/;

export async function startSandboxLinkedIn(opts: SandboxOptions = {}): Promise<SandboxHandle> {
  const accessToken = opts.accessToken ?? `sbx_${randomBytes(12).toString('hex')}`;
  const seed = opts.seed ?? 1;
  const ids = seededRandom(seed);
  let counter = 0;
  const newId = (prefix: string): string => `${prefix}${(++counter).toString(36)}${Math.floor(ids() * 1e9).toString(36)}`;
  const dailyLimit = opts.dailyInvitationLimit ?? 80;
  const retryDelays = (opts.webhookRetryDelaysMs ?? [1000, 2000, 4000, 8000, 16000]).slice(0, 5);
  const hangMs = opts.hangMs ?? 60_000;
  const acceptProbability = opts.acceptProbability ?? 1;
  const reinviteAfterMs = opts.reinviteAfterWithdrawalMs ?? 21 * 86_400_000;
  const freeNotesPerMonth = opts.freeNotesPerMonth ?? 5;
  let apiRateLimit = opts.apiRateLimit ?? null;

  const accounts = new Map<string, Account>();
  const people = new Map<string, Person>(); // by slug
  const relations = new Map<string, Map<string, Date>>(); // account → provider id → since
  const invitations = new Map<string, Invitation>();
  const chats = new Map<string, Chat>();
  const reactions = new Map<string, string>(); // `${account}|${socialId}` → type
  const comments = new Map<string, Array<{ id: string; text: string; authorProviderId: string; at: Date }>>();
  const writes = new Map<string, number>();
  const webhooks = new Map<string, Webhook>();
  const hosted = new Map<string, HostedLink>();
  let publicUrl = '';
  const deliveries: WebhookDelivery[] = [];
  const inflight = new Set<Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  const calls: SandboxCall[] = [];
  const sleepers = new Set<() => void>();
  let stopped = false;
  let faults: (FaultConfig & { rng: () => number }) | null = null;
  let rules: Array<FaultRule & { left: number }> = [];

  // ---- persistence -----------------------------------------------------------------------------
  // The whole state as JSON in `stateFile`, written (atomically: temp file + rename) at most every 100 ms
  // after a change (less often when the state is big: 20× the last write's duration, at most 5 s), and once
  // more on stop. Calls and webhook deliveries are a log, not state: not kept.

  let saveTimer: NodeJS.Timeout | undefined;
  let lastSaveMs = 0;
  function changed(): void {
    if (!opts.stateFile || saveTimer || stopped) return;
    saveTimer = setTimeout(
      () => {
        saveTimer = undefined;
        const started = Date.now();
        save();
        lastSaveMs = Date.now() - started;
      },
      Math.min(5_000, Math.max(100, lastSaveMs * 20)),
    );
    saveTimer.unref();
  }
  function save(): void {
    if (!opts.stateFile) return;
    const file = opts.stateFile;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify(snapshot()));
    renameSync(`${file}.tmp`, file);
  }
  function snapshot(): SandboxState {
    return {
      version: 1,
      counter,
      people: [...people.values()],
      accounts: [...accounts.values()].map((a) => ({ ...a, person: a.person.slug, invitesByDay: Object.fromEntries(a.invitesByDay) })),
      relations: [...relations.entries()].map(([accountId, m]) => ({ accountId, items: [...m.entries()] })),
      invitations: [...invitations.values()],
      chats: [...chats.values()],
      reactions: [...reactions.entries()],
      comments: [...comments.entries()],
      writes: [...writes.entries()],
      webhooks: [...webhooks.values()],
      plannedReplies,
    };
  }
  function restore(file: string): void {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return; // first start
    }
    // Dates come back as ISO strings: revive the keys that hold dates.
    const st = JSON.parse(text, (k, v: unknown) => (typeof v === 'string' && DATE_KEYS.has(k) ? new Date(v) : v)) as SandboxState;
    // Ahead of the saved counter: ids minted after the last write before a crash are never minted again.
    counter = st.counter + 10_000;
    for (const p of st.people) people.set(p.slug, p);
    for (const a of st.accounts) {
      // State files written before accounts had a type are paid accounts, as the sandbox's default is.
      accounts.set(a.id, { ...a, premiumFeatures: (a as Partial<typeof a>).premiumFeatures ?? ['premium'], apiCalls: { windowStart: Date.now(), count: 0 }, person: personBySlug(a.person), invitesByDay: new Map(Object.entries(a.invitesByDay)) });
    }
    for (const r of st.relations) relations.set(r.accountId, new Map(r.items.map(([id, since]) => [id, new Date(since)])));
    for (const i of st.invitations) invitations.set(i.id, i);
    for (const c of st.chats) chats.set(c.id, c);
    for (const [k, v] of st.reactions) reactions.set(k, v);
    for (const [k, v] of st.comments) comments.set(k, v);
    for (const [k, v] of st.writes) writes.set(k, v);
    for (const w of st.webhooks) webhooks.set(w.id, w);
    for (const inv of invitations.values()) planAcceptance(inv);
    for (const r of st.plannedReplies) planReply(r, true);
  }

  // ---- people and accounts -------------------------------------------------------------------

  function personBySlug(slug: string): Person {
    let p = people.get(slug);
    if (!p) {
      p = generatePerson(slug, Date.now());
      people.set(slug, p);
    }
    return p;
  }
  /** Any provider id the sandbox minted, or any public identifier. */
  function personFor(identifier: string): Person {
    return personBySlug(slugFromProviderId(identifier) ?? identifier);
  }
  function findAccount(id: string): Account {
    const a = accounts.get(id);
    if (!a) throw new Error(`sandbox: no account ${id}`);
    return a;
  }
  function relationsOf(accountId: string): Map<string, Date> {
    let m = relations.get(accountId);
    if (!m) relations.set(accountId, (m = new Map<string, Date>()));
    return m;
  }
  function countWrite(accountId: string, providerId: string, kind: WriteKind): void {
    const k = `${accountId}|${providerId}|${kind}`;
    writes.set(k, (writes.get(k) ?? 0) + 1);
  }
  function later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    t.unref();
    timers.add(t);
  }
  /** Plans the sandbox's own acceptance of an invitation (at `inv.acceptAt`); a restart plans it again from the saved time. */
  function planAcceptance(inv: Invitation): void {
    if (!inv.acceptAt || inv.status !== 'PENDING') return;
    later(Math.max(0, inv.acceptAt.getTime() - Date.now()), () => {
      const a = accounts.get(inv.accountId);
      if (inv.status === 'PENDING' && inv.acceptAt && a?.status === 'OK') accept(a, personFor(inv.providerId));
    });
  }
  /** Planned replies by a person (replyAfterMs), kept so a restart still delivers them. */
  const plannedReplies: Array<{ accountId: string; providerId: string; at: Date }> = [];
  function planReply(r: { accountId: string; providerId: string; at: Date }, isNew: boolean): void {
    if (isNew) plannedReplies.push(r);
    later(Math.max(0, r.at.getTime() - Date.now()), () => {
      plannedReplies.splice(plannedReplies.indexOf(r), 1);
      const a = accounts.get(r.accountId);
      if (a?.status === 'OK') reply(a, personFor(r.providerId), `Thanks ${a.person.firstName}, happy to talk.`);
      else changed();
    });
  }
  function pendingInvitation(accountId: string, providerId: string): Invitation | undefined {
    for (const inv of invitations.values()) if (inv.accountId === accountId && inv.providerId === providerId && inv.status === 'PENDING') return inv;
    return undefined;
  }
  function chatWith(accountId: string, providerId: string): Chat | undefined {
    for (const c of chats.values()) if (c.accountId === accountId && c.attendeeProviderId === providerId) return c;
    return undefined;
  }

  // ---- webhooks --------------------------------------------------------------------------------

  function emit(source: string, accountId: string, event: string, build: (webhookName: string) => unknown): void {
    for (const w of webhooks.values()) {
      if (!w.enabled || w.source !== source) continue;
      if (w.account_ids?.length && !w.account_ids.includes(accountId)) continue;
      if (w.events?.length && !w.events.includes(event)) continue;
      const delivery: WebhookDelivery = { webhookId: w.id, url: w.request_url, payload: build(w.name), attempts: [], delivered: false };
      deliveries.push(delivery);
      const p = deliver(w, delivery).finally(() => inflight.delete(p));
      inflight.add(p);
    }
  }

  async function deliver(w: Webhook, d: WebhookDelivery): Promise<void> {
    // Unipile echoes the registered headers and nothing else: no Content-Type unless registered.
    const headers = Object.fromEntries(w.headers.map((h) => [h.key, h.value]));
    const body = new TextEncoder().encode(JSON.stringify(d.payload));
    for (let attempt = 0; attempt <= retryDelays.length; attempt++) {
      if (attempt > 0) await sleep(retryDelays[attempt - 1] ?? 0);
      if (stopped) return;
      try {
        const res = await fetch(w.request_url, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) });
        await res.arrayBuffer().catch(() => undefined);
        d.attempts.push({ at: new Date(), status: res.status });
        if (res.status === 200) {
          d.delivered = true;
          return;
        }
      } catch (e) {
        d.attempts.push({ at: new Date(), error: e instanceof Error ? e.message : String(e) });
      }
    }
  }

  /** A delay that `stop()` cuts short. */
  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(t);
        sleepers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      sleepers.add(wake);
    });
  }

  function accountInfo(a: Account) {
    return { type: 'LINKEDIN', feature: 'classic', user_id: a.person.providerId };
  }
  function attendee(p: Person) {
    return { attendee_id: `att_${p.providerId}`, attendee_name: `${p.firstName} ${p.lastName}`, attendee_provider_id: p.providerId, attendee_profile_url: `https://www.linkedin.com/in/${p.providerId}/` };
  }

  function emitMessage(a: Account, chat: Chat, msg: ChatMessage): void {
    const sender = msg.senderProviderId === a.person.providerId ? a.person : personFor(msg.senderProviderId);
    const other = personFor(chat.attendeeProviderId);
    emit('messaging', a.id, 'message_received', (webhook_name) => ({
      account_id: a.id,
      account_type: 'LINKEDIN',
      account_info: accountInfo(a),
      event: 'message_received',
      chat_id: chat.id,
      timestamp: msg.at.toISOString(),
      webhook_name,
      message_id: msg.id,
      message: msg.text,
      sender: attendee(sender),
      attendees: [attendee(other)],
      attachments: [],
    }));
  }

  function addMessage(a: Account, chat: Chat, senderProviderId: string, text: string): ChatMessage {
    const msg: ChatMessage = { id: newId('msg_'), senderProviderId, text, at: new Date() };
    chat.messages.push(msg);
    chat.updatedAt = msg.at;
    return msg;
  }

  function newChat(a: Account, providerId: string, inmail: boolean, subject?: string): Chat {
    const chat: Chat = { id: newId('chat_'), accountId: a.id, providerId: `2-${hashInt(a.id + providerId).toString(36)}`, attendeeProviderId: providerId, inmail, subject, messages: [], updatedAt: new Date() };
    chats.set(chat.id, chat);
    return chat;
  }

  function accept(a: Account, p: Person): boolean {
    const inv = pendingInvitation(a.id, p.providerId);
    const rel = relationsOf(a.id);
    if (!inv && rel.has(p.providerId)) return false;
    if (inv) inv.status = 'ACCEPTED';
    rel.set(p.providerId, new Date());
    changed();
    emit('users', a.id, 'new_relation', (webhook_name) => ({
      event: 'new_relation',
      account_id: a.id,
      account_type: 'LINKEDIN',
      webhook_name,
      user_full_name: `${p.firstName} ${p.lastName}`,
      user_provider_id: p.providerId,
      user_public_identifier: p.slug,
      user_profile_url: `https://www.linkedin.com/in/${p.slug}/`,
      user_picture_url: `https://media.licdn.com/sandbox/${p.slug}.jpg`,
    }));
    // LinkedIn turns an accepted note into a chat whose only message is the note, sent by us.
    if (inv?.message) {
      const chat = chatWith(a.id, p.providerId) ?? newChat(a, p.providerId, false);
      emitMessage(a, chat, addMessage(a, chat, a.person.providerId, inv.message));
    }
    return true;
  }

  function reply(a: Account, p: Person, text: string): { chatId: string; messageId: string } {
    const chat = chatWith(a.id, p.providerId) ?? newChat(a, p.providerId, false);
    const msg = addMessage(a, chat, p.providerId, text);
    emitMessage(a, chat, msg);
    changed();
    return { chatId: chat.id, messageId: msg.id };
  }

  function setAccountStatus(a: Account, status: Account['status'], message: string): void {
    a.status = status;
    changed();
    emit('account_status', a.id, message, () => ({ AccountStatus: { account_id: a.id, account_type: 'LINKEDIN', message } }));
  }

  // ---- serialisation ---------------------------------------------------------------------------

  function accountJson(a: Account) {
    const status = a.status === 'OK' ? 'OK' : a.status === 'CREDENTIALS' ? 'CREDENTIALS' : 'ERROR';
    return {
      object: 'Account',
      id: a.id,
      name: a.name,
      type: a.type ?? 'LINKEDIN',
      created_at: a.createdAt.toISOString(),
      groups: [],
      connection_params: { im: { id: a.person.providerId, username: a.name, premiumContractId: a.premiumFeatures.length ? `contract_${a.id}` : null, premiumFeatures: a.premiumFeatures } },
      sources: [{ id: `${a.id}_MESSAGING`, status }],
    };
  }
  function postJson(p: Person, post: SandboxPost, a: Account | undefined) {
    const days = Math.floor((Date.now() - post.at.getTime()) / 86_400_000);
    return {
      object: 'Post',
      provider: 'LINKEDIN',
      id: post.id,
      social_id: post.socialId,
      share_url: `https://www.linkedin.com/posts/${p.slug}_activity-${post.id}`,
      text: post.text,
      date: days === 0 ? 'today' : `${days}d`,
      parsed_datetime: post.at.toISOString(),
      reaction_counter: 3,
      comment_counter: comments.get(post.socialId)?.length ?? 0,
      repost_counter: 0,
      impressions_counter: 100,
      user_reacted: a ? (reactions.get(`${a.id}|${post.socialId}`)?.toUpperCase() ?? null) : null,
      author: { public_identifier: p.slug, id: p.providerId, name: `${p.firstName} ${p.lastName}`, is_company: false, headline: `${p.title} at ${p.company}` },
      permissions: { can_react: true, can_share: true, can_post_comments: true },
      is_repost: false,
      attachments: [],
    };
  }
  function chatJson(c: Chat) {
    const p = personFor(c.attendeeProviderId);
    return {
      object: 'Chat',
      id: c.id,
      account_id: c.accountId,
      account_type: 'LINKEDIN',
      provider_id: c.providerId,
      attendee_provider_id: c.attendeeProviderId,
      name: `${p.firstName} ${p.lastName}`,
      type: 0,
      timestamp: c.updatedAt.toISOString(),
      unread_count: 0,
      archived: 0,
      muted_until: null,
      read_only: 0,
      // Unipile's schema: `subject` is an optional string, absent (never null) on a chat without one.
      ...(c.subject !== undefined ? { subject: c.subject } : {}),
      ...(c.inmail ? { content_type: 'inmail' } : {}),
      folder: ['INBOX_LINKEDIN_CLASSIC'],
    };
  }
  function messageJson(c: Chat, m: ChatMessage) {
    const a = accounts.get(c.accountId);
    const fromUs = a?.person.providerId === m.senderProviderId;
    return {
      object: 'Message',
      id: m.id,
      account_id: c.accountId,
      chat_id: c.id,
      chat_provider_id: c.providerId,
      provider_id: `p_${m.id}`,
      sender_id: m.senderProviderId,
      sender_attendee_id: `att_${m.senderProviderId}`,
      text: m.text,
      attachments: [],
      reactions: [],
      timestamp: m.at.toISOString(),
      is_sender: fromUs ? 1 : 0,
      seen: 0,
      seen_by: {},
      hidden: 0,
      deleted: 0,
      edited: 0,
      is_event: 0,
      delivered: 1,
      behavior: null,
      original: '',
    };
  }

  // ---- request helpers -------------------------------------------------------------------------

  const str = (v: unknown): string | undefined => (Array.isArray(v) ? str(v[0]) : typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);
  const list = (v: unknown): string[] =>
    v === undefined ? [] : (Array.isArray(v) ? v : [v]).flatMap((x) => String(x).split(',')).map((s) => s.trim()).filter(Boolean);
  const truthy = (v: unknown): boolean => v === true || str(v) === 'true' || str(v) === '1';

  function requireAccount(id: string | undefined): Account {
    if (!id) throw new HttpError(400, 'missing_parameters', 'Missing parameters', 'account_id is required');
    const a = accounts.get(id);
    if (!a) throw new HttpError(422, 'invalid_account', 'Invalid account', `no account ${id}`);
    if (a.status === 'CREDENTIALS') throw new HttpError(401, 'disconnected_account', 'Disconnected account', 'The account appears to be disconnected from the provider service.');
    if (a.status === 'RESTRICTED') throw new HttpError(403, 'account_restricted', 'Account restricted', 'LinkedIn restricted this account.');
    return a;
  }
  function requirePerson(identifier: string): Person {
    const p = personFor(identifier);
    if (p.notFound) throw new HttpError(404, 'resource_not_found', 'Resource not found.', 'User not found');
    return p;
  }
  function page<T>(items: T[], ctx: Ctx, def: number, max: number, objectName: string) {
    let offset = 0;
    let limit = Number(str(ctx.query.limit) ?? def);
    const cursor = str(ctx.query.cursor);
    if (cursor) {
      try {
        const c = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8')) as { offset: number; limit: number };
        offset = c.offset;
        limit = c.limit;
      } catch {
        throw new HttpError(400, 'invalid_parameters', 'Invalid parameters', 'bad cursor');
      }
    }
    if (!Number.isInteger(limit) || limit < 1 || limit > max) throw new HttpError(400, 'invalid_parameters', 'Invalid parameters', `limit must be 1-${max}`);
    const slice = items.slice(offset, offset + limit);
    const next = offset + limit < items.length ? Buffer.from(JSON.stringify({ offset: offset + limit, limit })).toString('base64') : null;
    return { body: { object: objectName, items: slice, cursor: next } };
  }
  function postBySocialId(socialId: string): { person: Person; post: SandboxPost } | undefined {
    for (const person of people.values()) for (const post of person.posts) if (post.socialId === socialId) return { person, post };
    return undefined;
  }

  // ---- routes ----------------------------------------------------------------------------------

  const routes: Array<{ method: string; re: RegExp; handler: Handler }> = [];
  const route = (method: string, pattern: string, handler: Handler) => {
    routes.push({ method, re: new RegExp(`^${API}${pattern.replace(/:[a-z_]+/g, '([^/]+)')}$`), handler });
  };

  route('GET', '/accounts', (ctx) => page([...accounts.values()].map(accountJson), ctx, 100, 250, 'AccountList'));
  route('GET', '/accounts/:id', (ctx) => {
    const a = accounts.get(ctx.params[0]!);
    if (!a) throw new HttpError(404, 'resource_not_found', 'Resource not found.');
    return { body: accountJson(a) };
  });

  route('GET', '/users/me', (ctx) => {
    const a = requireAccount(str(ctx.query.account_id));
    const p = a.person;
    return {
      body: {
        object: 'AccountOwnerProfile',
        provider: 'LINKEDIN',
        provider_id: p.providerId,
        entity_urn: `urn:li:fsd_profile:${p.providerId}`,
        object_urn: `urn:li:member:${hashInt(p.slug)}`,
        first_name: p.firstName,
        last_name: p.lastName,
        profile_picture_url: null,
        public_identifier: p.slug,
        public_profile_url: `https://www.linkedin.com/in/${p.slug}/`,
        email: `${p.slug}@example.test`,
        premium: a.premiumFeatures.includes('premium'),
        open_profile: false,
        recruiter: null,
        sales_navigator: null,
      },
    };
  });

  route('GET', '/users/invite/sent', (ctx) => {
    const a = requireAccount(str(ctx.query.account_id));
    const items = [...invitations.values()]
      .filter((i) => i.accountId === a.id && i.status === 'PENDING')
      .sort((x, y) => y.at.getTime() - x.at.getTime())
      .map((i) => {
        const p = personFor(i.providerId);
        return {
          object: 'InvitationSent',
          id: i.id,
          date: 'Sent today',
          parsed_datetime: i.at.toISOString(),
          invitation_text: i.message ?? null,
          invited_user: `${p.firstName} ${p.lastName}`,
          invited_user_id: p.providerId,
          invited_user_public_id: p.slug,
          invited_user_description: `${p.title} at ${p.company}`,
          specifics: { provider: 'LINKEDIN', shared_secret: `s_${i.id}` },
        };
      });
    return page(items, ctx, 10, 100, 'InvitationList');
  });

  route('DELETE', '/users/invite/sent/:id', (ctx) => {
    const a = requireAccount(str(ctx.query.account_id));
    const inv = invitations.get(ctx.params[0]!);
    if (!inv || inv.accountId !== a.id || inv.status !== 'PENDING') throw new HttpError(404, 'resource_not_found', 'Resource not found.', 'Invitation not found');
    inv.status = 'WITHDRAWN';
    inv.withdrawnAt = new Date();
    countWrite(a.id, inv.providerId, 'cancel_invitation');
    return { body: { object: 'InvitationCanceled' } };
  });

  route('POST', '/users/invite', (ctx) => {
    const a = requireAccount(str(ctx.body.account_id));
    const providerId = str(ctx.body.provider_id);
    if (!providerId) throw new HttpError(400, 'missing_parameters', 'Missing parameters', 'provider_id is required');
    if (!slugFromProviderId(providerId)) throw new HttpError(400, 'invalid_parameters', 'Invalid parameters', 'provider_id has to be the provider internal id');
    const p = requirePerson(providerId);
    const message = str(ctx.body.message);
    if (message !== undefined && message.length > 300) throw new HttpError(400, 'too_many_characters', 'Too many characters', 'The invitation message exceeds 300 characters');
    if (p.blocked) throw new HttpError(422, 'cannot_invite_attendee', 'Cannot invite attendee');
    if (relationsOf(a.id).has(p.providerId)) throw new HttpError(422, 'already_connected', 'Already connected');
    // What Unipile answers: a pending invitation → already_invited_recently; one withdrawn less than about
    // three weeks ago → cannot_resend_yet.
    if (pendingInvitation(a.id, p.providerId)) {
      throw new HttpError(422, 'already_invited_recently', 'Should delay new invitation to this recipient', 'An invitation has already been sent recently to this recipient. Please try again later.');
    }
    const withdrawn = [...invitations.values()].some(
      (i) => i.accountId === a.id && i.providerId === p.providerId && i.status === 'WITHDRAWN' && Date.now() - (i.withdrawnAt ?? i.at).getTime() < reinviteAfterMs,
    );
    if (withdrawn) throw new HttpError(422, 'cannot_resend_yet', 'Cannot resend yet', 'An invitation to this recipient was withdrawn recently');
    if (message && a.premiumFeatures.length === 0) {
      const monthAgo = Date.now() - 30 * 86_400_000;
      const notes = [...invitations.values()].filter((i) => i.accountId === a.id && i.message && i.at.getTime() > monthAgo).length;
      if (notes >= freeNotesPerMonth) throw new HttpError(422, 'limit_exceeded', 'Limit exceeded', 'Monthly limit of personalized invitations reached: send without a note');
    }
    const day = new Date().toISOString().slice(0, 10);
    const today = a.invitesByDay.get(day) ?? 0;
    if (today >= dailyLimit) {
      if (opts.invitationLimitStatus === 429) throw new HttpError(429, 'too_many_requests', 'Too many requests', 'The provider cannot accept more requests right now');
      throw new HttpError(422, 'limit_exceeded', 'Limit exceeded', 'Invitation limit reached');
    }
    a.invitesByDay.set(day, today + 1);
    const id = newId('inv_');
    const delay = p.acceptAfterMs === undefined ? opts.acceptAfterMs : p.acceptAfterMs;
    // A person with their own delay accepts; the others accept with the sandbox's probability (seeded per invitation).
    const accepts = delay !== null && delay !== undefined && (p.acceptAfterMs !== undefined || seededRandom(seed ^ hashInt(id))() < acceptProbability);
    const inv: Invitation = { id, accountId: a.id, providerId: p.providerId, message, at: new Date(), status: 'PENDING', acceptAt: accepts ? new Date(Date.now() + delay) : null };
    invitations.set(inv.id, inv);
    countWrite(a.id, p.providerId, 'invitation');
    planAcceptance(inv);
    // Like Unipile, `usage` comes only when the account crosses 50, 75, 90 or 95 % of its quota.
    const before = (today / dailyLimit) * 100;
    const after = ((today + 1) / dailyLimit) * 100;
    const crossed = [95, 90, 75, 50].find((t) => before < t && after >= t);
    return { body: { object: 'UserInvitationSent', invitation_id: inv.id, ...(crossed !== undefined ? { usage: Math.round(after) } : {}) } };
  });

  route('GET', '/linkedin/inmail_balance', (ctx) => {
    const a = requireAccount(str(ctx.query.account_id));
    const f = a.premiumFeatures;
    return {
      body: {
        object: 'LinkedinInmailBalance',
        premium: f.includes('premium') || f.length === 0 ? a.inmailCredits : null,
        recruiter: f.includes('recruiter') ? a.inmailCredits : null,
        sales_navigator: f.includes('sales_navigator') ? a.inmailCredits : null,
      },
    };
  });

  route('GET', '/users/relations', (ctx) => {
    const a = requireAccount(str(ctx.query.account_id));
    const filter = str(ctx.query.filter)?.toLowerCase();
    const items = [...relationsOf(a.id).entries()]
      .sort((x, y) => y[1].getTime() - x[1].getTime())
      .map(([providerId, since]) => ({ p: personFor(providerId), since }))
      .filter(({ p }) => !filter || `${p.firstName} ${p.lastName}`.toLowerCase().includes(filter))
      .map(({ p, since }) => ({
        object: 'UserRelation',
        first_name: p.firstName,
        last_name: p.lastName,
        headline: `${p.title} at ${p.company}`,
        public_identifier: p.slug,
        public_profile_url: `https://www.linkedin.com/in/${p.slug}/`,
        created_at: since.getTime(),
        member_id: p.providerId,
        member_urn: `urn:li:member:${hashInt(p.slug)}`,
        connection_urn: `urn:li:fsd_connection:${p.providerId}`,
      }));
    return page(items, ctx, 100, 1000, 'UserRelationsList');
  });

  route('GET', '/users/:identifier/posts', (ctx) => {
    const a = requireAccount(str(ctx.query.account_id));
    const p = requirePerson(ctx.params[0]!);
    const items = [...p.posts].sort((x, y) => y.at.getTime() - x.at.getTime()).map((post) => postJson(p, post, a));
    return page(items, ctx, 100, 100, 'PostList');
  });

  route('GET', '/users/:identifier', (ctx) => {
    const a = requireAccount(str(ctx.query.account_id));
    const p = requirePerson(ctx.params[0]!);
    const sections = list(ctx.query.linkedin_sections);
    const connected = relationsOf(a.id).has(p.providerId);
    const inv = pendingInvitation(a.id, p.providerId);
    if (truthy(ctx.query.notify)) countWrite(a.id, p.providerId, 'profile_view');
    const all = sections.includes('*');
    return {
      body: {
        object: 'UserProfile',
        provider: 'LINKEDIN',
        provider_id: p.providerId,
        public_identifier: p.slug,
        first_name: p.firstName,
        last_name: p.lastName,
        headline: `${p.title} at ${p.company}`,
        location: 'Paris, Île-de-France, France',
        websites: [],
        public_profile_url: `https://www.linkedin.com/in/${p.slug}/`,
        network_distance: connected ? 'FIRST_DEGREE' : 'SECOND_DEGREE',
        is_relationship: connected,
        can_send_inmail: p.allowInmail,
        follower_count: 500,
        connections_count: 400,
        ...(inv ? { invitation: { type: 'SENT', status: 'PENDING' } } : {}),
        ...(all || sections.includes('experience')
          ? { work_experience: [{ position: p.title, company: p.company, skills: [], current: true, start: '1/1/2020', end: null }] }
          : {}),
        ...(all || sections.includes('about') ? { summary: `${p.firstName} works at ${p.company}.` } : {}),
      },
    };
  });

  route('GET', '/posts/:id', (ctx) => {
    const a = requireAccount(str(ctx.query.account_id));
    const found = postBySocialId(ctx.params[0]!) ?? postBySocialId(`urn:li:activity:${ctx.params[0]!}`);
    if (!found) throw new HttpError(404, 'resource_not_found', 'Resource not found.');
    return { body: postJson(found.person, found.post, a) };
  });

  route('POST', '/posts/reaction', (ctx) => {
    const a = requireAccount(str(ctx.body.account_id));
    const postId = str(ctx.body.post_id);
    if (!postId) throw new HttpError(400, 'missing_parameters', 'Missing parameters', 'post_id is required');
    // Reactions need the social_id; a bare numeric id is refused, as integrators report.
    const found = postBySocialId(postId);
    if (!found) throw new HttpError(422, 'invalid_post', 'Invalid post', 'Use the post social_id');
    const type = str(ctx.body.reaction_type) ?? 'like';
    if (!['like', 'celebrate', 'support', 'love', 'insightful', 'funny'].includes(type)) throw new HttpError(400, 'invalid_parameters', 'Invalid parameters', 'reaction_type');
    reactions.set(`${a.id}|${postId}`, type);
    countWrite(a.id, found.person.providerId, 'reaction');
    return { body: { object: 'ReactionAdded' } };
  });

  route('POST', '/posts/:id/comments', (ctx) => {
    const a = requireAccount(str(ctx.body.account_id));
    const found = postBySocialId(ctx.params[0]!);
    if (!found) throw new HttpError(422, 'invalid_post', 'Invalid post', 'Use the post social_id');
    const text = str(ctx.body.text) ?? '';
    if (!text) throw new HttpError(400, 'missing_parameters', 'Missing parameters', 'text is required');
    if (text.length > 1250) throw new HttpError(400, 'too_many_characters', 'Too many characters');
    const list = comments.get(found.post.socialId) ?? [];
    list.push({ id: newId('cmt_'), text, authorProviderId: a.person.providerId, at: new Date() });
    comments.set(found.post.socialId, list);
    countWrite(a.id, found.person.providerId, 'comment');
    return { body: { object: 'CommentSent' } };
  });

  route('GET', '/posts/:id/comments', (ctx) => {
    requireAccount(str(ctx.query.account_id));
    const items = [...(comments.get(ctx.params[0]!) ?? [])].reverse().map((c) => {
      const author = personFor(c.authorProviderId);
      return {
        object: 'Comment',
        id: c.id,
        text: c.text,
        date: c.at.toISOString(),
        author: `${author.firstName} ${author.lastName}`,
        author_details: { id: c.authorProviderId, headline: `${author.title} at ${author.company}`, profile_url: `https://www.linkedin.com/in/${author.slug}/`, network_distance: null },
        reaction_counter: 0,
        reply_counter: 0,
      };
    });
    const out = page(items, ctx, 100, 100, 'CommentList');
    return { body: { ...out.body, total_items: items.length } };
  });

  route('POST', '/chats', (ctx) => {
    const a = requireAccount(str(ctx.body.account_id));
    const attendees = list(ctx.body.attendees_ids);
    const text = str(ctx.body.text);
    if (!attendees.length || !text) throw new HttpError(400, 'missing_parameters', 'Missing parameters', 'attendees_ids and text are required');
    const linkedin = (ctx.body.linkedin ?? {}) as Record<string, unknown>;
    const inmail = truthy(ctx.body['linkedin[inmail]'] ?? linkedin.inmail);
    const subject = str(ctx.body.subject);
    const p = personFor(attendees[0]!);
    if (p.notFound || !slugFromProviderId(attendees[0]!)) throw new HttpError(422, 'invalid_recipient', 'Invalid recipient');
    if (p.blocked) throw new HttpError(422, 'blocked_recipient', 'Blocked recipient');
    const connected = relationsOf(a.id).has(p.providerId);
    if (inmail) {
      if (!p.allowInmail) throw new HttpError(422, 'not_allowed_inmail', 'InMail not allowed');
      if (a.inmailCredits <= 0) throw new HttpError(422, 'insufficient_credits', 'Insufficient credits');
      a.inmailCredits--;
    } else if (!connected) {
      throw new HttpError(422, 'no_connection_with_recipient', 'No connection with recipient');
    }
    // LinkedIn posts into the existing 1:1 conversation when there is one.
    const chat = (!inmail && chatWith(a.id, p.providerId)) || newChat(a, p.providerId, inmail, subject);
    const msg = addMessage(a, chat, a.person.providerId, text);
    countWrite(a.id, p.providerId, inmail ? 'inmail' : 'message');
    scheduleReply(a, p);
    return { body: { object: 'ChatStarted', chat_id: chat.id, message_id: msg.id } };
  });

  function scheduleReply(a: Account, p: Person): void {
    const delay = p.replyAfterMs === undefined ? opts.replyAfterMs : p.replyAfterMs;
    if (delay !== null && delay !== undefined) planReply({ accountId: a.id, providerId: p.providerId, at: new Date(Date.now() + delay) }, true);
  }

  route('POST', '/chats/:id/messages', (ctx) => {
    const chat = chats.get(ctx.params[0]!);
    const given = str(ctx.body.account_id);
    if (!chat || (given && given !== chat.accountId)) throw new HttpError(404, 'resource_not_found', 'Resource not found.', 'Chat not found');
    const a = requireAccount(chat.accountId);
    const text = str(ctx.body.text);
    if (!text) throw new HttpError(400, 'missing_parameters', 'Missing parameters', 'text is required');
    const msg = addMessage(a, chat, a.person.providerId, text);
    countWrite(a.id, chat.attendeeProviderId, chat.inmail ? 'inmail' : 'message');
    scheduleReply(a, personFor(chat.attendeeProviderId));
    return { body: { object: 'MessageSent', message_id: msg.id } };
  });

  route('GET', '/chats', (ctx) => {
    const accountId = str(ctx.query.account_id);
    if (accountId) requireAccount(accountId);
    const items = [...chats.values()]
      .filter((c) => !accountId || c.accountId === accountId)
      .sort((x, y) => y.updatedAt.getTime() - x.updatedAt.getTime())
      .map(chatJson);
    return page(items, ctx, 100, 250, 'ChatList');
  });
  route('GET', '/chats/:id', (ctx) => {
    const chat = chats.get(ctx.params[0]!);
    if (!chat) throw new HttpError(404, 'resource_not_found', 'Resource not found.');
    const last = chat.messages.at(-1);
    return { body: { ...chatJson(chat), lastMessage: last ? messageJson(chat, last) : null } };
  });
  route('GET', '/chats/:id/messages', (ctx) => {
    const chat = chats.get(ctx.params[0]!);
    if (!chat) throw new HttpError(404, 'resource_not_found', 'Resource not found.');
    const sender = str(ctx.query.sender_id);
    const items = [...chat.messages]
      .reverse()
      .filter((m) => !sender || m.senderProviderId === sender)
      .map((m) => messageJson(chat, m));
    return page(items, ctx, 100, 250, 'MessageList');
  });
  route('GET', '/chat_attendees/:id/chats', (ctx) => {
    const id = ctx.params[0]!.replace(/^att_/, '');
    const accountId = str(ctx.query.account_id);
    const items = [...chats.values()]
      .filter((c) => c.attendeeProviderId === id && (!accountId || c.accountId === accountId))
      .sort((x, y) => y.updatedAt.getTime() - x.updatedAt.getTime())
      .map(chatJson);
    return page(items, ctx, 100, 250, 'ChatList');
  });

  // Unipile's Webhook object: account_ids as account options, format, data, type AUTO; `source` kept as well.
  // Its published schema lists `events` for messaging and mail sources only (a `users` webhook lists none).
  const webhookJson = (w: Webhook) => ({
    object: 'Webhook',
    id: w.id,
    type: 'AUTO',
    source: w.source,
    name: w.name,
    request_url: w.request_url,
    format: 'json',
    enabled: w.enabled,
    headers: w.headers,
    account_ids: (w.account_ids ?? []).map((id) => ({ id, type: 'LINKEDIN' })),
    data: [],
    ...(w.events && w.source !== 'users' ? { events: w.events } : {}),
  });
  route('GET', '/webhooks', (ctx) => page([...webhooks.values()].map(webhookJson), ctx, 100, 250, 'WebhookList'));
  route('POST', '/webhooks', (ctx) => {
    const request_url = str(ctx.body.request_url);
    const source = str(ctx.body.source);
    if (!request_url || !source) throw new HttpError(400, 'missing_parameters', 'Missing parameters', 'request_url and source are required');
    if (!['messaging', 'users', 'account_status', 'email', 'email_tracking', 'calendar_event'].includes(source)) throw new HttpError(400, 'invalid_parameters', 'Invalid parameters', 'source');
    const headers = Array.isArray(ctx.body.headers) ? (ctx.body.headers as Array<{ key: string; value: string }>).map((h) => ({ key: String(h.key), value: String(h.value) })) : [];
    const w: Webhook = {
      id: newId('wh_'),
      request_url,
      source,
      name: str(ctx.body.name) ?? `webhook-${webhooks.size + 1}`,
      headers,
      account_ids: Array.isArray(ctx.body.account_ids) ? (ctx.body.account_ids as string[]) : undefined,
      events: Array.isArray(ctx.body.events) ? (ctx.body.events as string[]) : undefined,
      enabled: ctx.body.enabled !== false,
    };
    webhooks.set(w.id, w);
    return { status: 201, body: { object: 'WebhookCreated', webhook_id: w.id } };
  });
  route('DELETE', '/webhooks/:id', (ctx) => {
    if (!webhooks.delete(ctx.params[0]!)) throw new HttpError(404, 'resource_not_found', 'Resource not found.');
    return { body: { object: 'WebhookDeleted' } };
  });

  // The hosted auth wizard (unipile-api.md §4.1). The link is a page of this server; completing it
  // (the user "logs in": a POST to the link, or the control call) creates the account and calls notify_url.
  route('POST', '/hosted/accounts/link', (ctx) => {
    const type = str(ctx.body.type);
    const notifyUrl = str(ctx.body.notify_url);
    const name = str(ctx.body.name);
    const expiresOn = str(ctx.body.expiresOn);
    const apiUrl = str(ctx.body.api_url);
    if (!type || !notifyUrl || !name || !expiresOn || !apiUrl || ctx.body.providers === undefined) {
      throw new HttpError(400, 'missing_parameters', 'Missing parameters', 'type, providers, api_url, expiresOn, notify_url and name are required');
    }
    if (type !== 'create' && type !== 'reconnect') throw new HttpError(400, 'invalid_parameters', 'Invalid parameters', 'type');
    const expiresAt = new Date(expiresOn);
    if (Number.isNaN(expiresAt.getTime())) throw new HttpError(400, 'invalid_parameters', 'Invalid parameters', 'expiresOn');
    const reconnectAccount = str(ctx.body.reconnect_account);
    if (type === 'reconnect' && (!reconnectAccount || !accounts.has(reconnectAccount))) throw new HttpError(400, 'invalid_parameters', 'Invalid parameters', 'reconnect_account');
    const id = randomBytes(18).toString('base64url');
    hosted.set(id, { id, name, notifyUrl, expiresAt, type, reconnectAccount });
    return { status: 201, body: { object: 'HostedAuthURL', url: `${publicUrl}/hosted/${id}` } };
  });

  async function completeHosted(linkId: string, o: { accountId?: string; name?: string } = {}) {
    const link = hosted.get(linkId);
    if (!link) throw new Error(`sandbox: no hosted auth link ${linkId}`);
    if (link.expiresAt.getTime() <= Date.now()) throw new Error('sandbox: the hosted auth link expired');
    let accountId: string;
    let status: 'CREATION_SUCCESS' | 'RECONNECTED';
    if (link.type === 'reconnect' && link.reconnectAccount) {
      accountId = link.reconnectAccount;
      setAccountStatus(findAccount(accountId), 'OK', 'OK');
      status = 'RECONNECTED';
    } else {
      accountId = link.completedAccountId ?? control.createAccount({ id: o.accountId, name: o.name }).id;
      status = 'CREATION_SUCCESS';
    }
    link.completedAccountId = accountId;
    let notifyStatus: number | null = null;
    try {
      const res = await fetch(link.notifyUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status, account_id: accountId, name: link.name }),
        signal: AbortSignal.timeout(30_000),
      });
      notifyStatus = res.status;
      await res.arrayBuffer();
    } catch {
      notifyStatus = null;
    }
    return { accountId, status, notifyStatus };
  }

  // ---- control ---------------------------------------------------------------------------------

  const control: SandboxControl = {
    createAccount(o = {}) {
      const id = o.id ?? `sbx${Buffer.from(newId('')).toString('base64url')}`.slice(0, 22);
      const person = personBySlug(o.slug ?? `sandbox-sender-${accounts.size + 1}`);
      const known = accounts.get(id);
      // An account the sandbox already has (kept in stateFile) stays as it is: its relations and chats are its own.
      if (known) return { id, providerId: known.person.providerId };
      accounts.set(id, { id, name: o.name ?? `${person.firstName} ${person.lastName}`, type: o.type,
        status: 'OK',
        person,
        createdAt: new Date(),
        inmailCredits: o.inmailCredits ?? 30,
        invitesByDay: new Map(),
        premiumFeatures: o.premiumFeatures ?? ['premium'],
        apiCalls: { windowStart: Date.now(), count: 0 },
      });
      changed();
      return { id, providerId: person.providerId };
    },
    setAccount(accountId, o) {
      const a = findAccount(accountId);
      if (o.premiumFeatures) a.premiumFeatures = [...o.premiumFeatures];
      if (o.inmailCredits !== undefined) a.inmailCredits = o.inmailCredits;
    },
    setApiRateLimit(config) {
      apiRateLimit = config;
    },
    disconnect(accountId, message = 'CREDENTIALS') {
      setAccountStatus(findAccount(accountId), 'CREDENTIALS', message);
    },
    reconnect(accountId) {
      setAccountStatus(findAccount(accountId), 'OK', 'OK');
    },
    restrict(accountId) {
      setAccountStatus(findAccount(accountId), 'RESTRICTED', 'ERROR');
    },
    setPerson(id, o) {
      const p = personFor(id);
      if (o.firstName !== undefined) p.firstName = o.firstName;
      if (o.lastName !== undefined) p.lastName = o.lastName;
      if (o.company !== undefined) p.company = o.company;
      if (o.title !== undefined) p.title = o.title;
      if ('acceptAfterMs' in o) p.acceptAfterMs = o.acceptAfterMs;
      if ('replyAfterMs' in o) p.replyAfterMs = o.replyAfterMs;
      if (o.notFound !== undefined) p.notFound = o.notFound;
      if (o.blocked !== undefined) p.blocked = o.blocked;
      if (o.allowInmail !== undefined) p.allowInmail = o.allowInmail;
      if (o.posts) p.posts = makePosts(p.slug, o.posts, Date.now());
      changed();
      return { providerId: p.providerId, slug: p.slug };
    },
    person(id) {
      const p = personFor(id);
      return { providerId: p.providerId, slug: p.slug, firstName: p.firstName, lastName: p.lastName, posts: p.posts.map((x) => ({ id: x.id, social_id: x.socialId })) };
    },
    connect(accountId, id) {
      relationsOf(findAccount(accountId).id).set(personFor(id).providerId, new Date());
      changed();
    },
    acceptInvitation(accountId, id) {
      return accept(findAccount(accountId), personFor(id));
    },
    ignoreInvitation(accountId, id) {
      const inv = pendingInvitation(findAccount(accountId).id, personFor(id).providerId);
      if (!inv) return false;
      inv.acceptAt = null;
      changed();
      return true;
    },
    reply(accountId, id, text) {
      return reply(findAccount(accountId), personFor(id), text);
    },
    setFaults(config) {
      faults = config ? { ...config, rng: seededRandom(config.seed ?? seed) } : null;
    },
    failNext(rule) {
      rules.push({ ...rule, left: rule.times ?? 1 });
    },
    clearFaults() {
      faults = null;
      rules = [];
    },
    writeCounts() {
      return [...writes.entries()].map(([k, count]) => {
        const [accountId, providerId, kind] = k.split('|') as [string, string, WriteKind];
        return { accountId, providerId, kind, count };
      });
    },
    writeCount(accountId, id, kind) {
      return writes.get(`${accountId}|${personFor(id).providerId}|${kind}`) ?? 0;
    },
    pendingInvitations(accountId) {
      return [...invitations.values()].filter((i) => i.accountId === accountId && i.status === 'PENDING').map((i) => ({ id: i.id, providerId: i.providerId, message: i.message, acceptAt: i.acceptAt }));
    },
    chatMessages(accountId, id) {
      const a = findAccount(accountId);
      const chat = chatWith(accountId, personFor(id).providerId);
      return (chat?.messages ?? []).map((m) => ({ text: m.text, fromUs: m.senderProviderId === a.person.providerId }));
    },
    deliveries: () => deliveries,
    hostedLinks: () =>
      [...hosted.values()].map((l) => ({ id: l.id, url: `${publicUrl}/hosted/${l.id}`, name: l.name, notifyUrl: l.notifyUrl, expiresAt: l.expiresAt, type: l.type, completedAccountId: l.completedAccountId })),
    completeHostedLink: (linkId, o) => completeHosted(linkId, o),
    async flushWebhooks() {
      while (inflight.size) await Promise.all([...inflight]);
    },
  };

  // ---- HTTP ------------------------------------------------------------------------------------

  async function readBody(req: IncomingMessage): Promise<{ body: Record<string, unknown> | undefined; kind: SandboxCall['contentType'] }> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const buf = Buffer.concat(chunks);
    const ct = req.headers['content-type'] ?? '';
    if (!buf.length) return { body: undefined, kind: 'none' };
    if (ct.startsWith('multipart/form-data') || ct.startsWith('application/x-www-form-urlencoded')) {
      const form = await new Response(buf, { headers: { 'content-type': ct } }).formData();
      const body: Record<string, unknown> = {};
      for (const [k, v] of form.entries()) {
        const value = typeof v === 'string' ? v : { filename: v.name, size: v.size };
        const prev = body[k];
        body[k] = prev === undefined ? value : Array.isArray(prev) ? [...(prev as unknown[]), value] : [prev, value];
      }
      return { body, kind: ct.startsWith('multipart') ? 'multipart' : 'form' };
    }
    try {
      const parsed = JSON.parse(buf.toString('utf8')) as unknown;
      return { body: parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : { value: parsed }, kind: 'json' };
    } catch {
      return { body: { raw: buf.toString('utf8') }, kind: 'other' };
    }
  }

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (res.writableEnded || res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }
  /** A slug with its own prefix (`api/too_many_requests`) is sent as is; others get v1's `errors/`. */
  function errorBody(e: HttpError) {
    return { title: e.title, detail: e.detail ?? e.title, instance: '', type: e.slug.includes('/') ? e.slug : `errors/${e.slug}`, status: e.status };
  }

  /** Unipile's limiter for the account the request names: its headers, and whether this call is over it. */
  function apiLimiter(call: SandboxCall): { headers: Record<string, string>; over: boolean } {
    const id = str(call.query.account_id) ?? str(call.body?.account_id);
    const a = id ? accounts.get(id) : undefined;
    if (!apiRateLimit || !a) return { headers: {}, over: false };
    const now = Date.now();
    if (now - a.apiCalls.windowStart >= apiRateLimit.windowMs) a.apiCalls = { windowStart: now, count: 0 };
    a.apiCalls.count++;
    const resetIn = Math.max(1, Math.ceil((a.apiCalls.windowStart + apiRateLimit.windowMs - now) / 1000));
    const over = a.apiCalls.count > apiRateLimit.limit;
    const headers: Record<string, string> = {
      'x-ratelimit-limit': String(apiRateLimit.limit),
      'x-ratelimit-remaining': String(Math.max(0, apiRateLimit.limit - a.apiCalls.count)),
      'x-ratelimit-reset': String(resetIn),
      ...(over ? { 'retry-after': String(resetIn) } : {}),
    };
    return { headers, over };
  }
  const typeForStatus: Record<number, string> = { 429: 'too_many_requests', 500: 'unexpected_error', 503: 'service_unavailable', 504: 'request_timeout' };

  /** The fault this request gets, if any: a scripted rule first, then the random profile. */
  function pickFault(method: string, path: string): { status?: number; type?: string; timeout?: boolean; afterWrite: boolean; label: string; retryAfterSeconds?: number } | null {
    const isWrite = method !== 'GET' && WRITE_ROUTES.test(path);
    const matches = (p: string | RegExp | undefined) => !p || (typeof p === 'string' ? path === p || path.startsWith(p) : p.test(path));
    const rule = rules.find((r) => r.left > 0 && (!r.method || r.method === method) && matches(r.path));
    if (rule) {
      rule.left--;
      rules = rules.filter((r) => r.left > 0);
      return { status: rule.status, type: rule.type, timeout: rule.timeout, afterWrite: !!rule.afterWrite && isWrite, label: 'rule', retryAfterSeconds: rule.retryAfterSeconds };
    }
    const f = faults;
    if (!f || (f.writesOnly && !isWrite) || !matches(f.path)) return null;
    const afterWrite = !!f.afterWrite && isWrite;
    if (f.rateLimitRate && f.rng() < f.rateLimitRate) return { status: 429, afterWrite, label: 'rate_limit' };
    if (f.timeoutRate && f.rng() < f.timeoutRate) return { timeout: true, afterWrite, label: 'timeout' };
    if (f.errorRate && f.rng() < f.errorRate) {
      const statuses = f.statuses?.length ? f.statuses : [500, 503, 504];
      return { status: statuses[Math.floor(f.rng() * statuses.length)]!, afterWrite, label: 'error' };
    }
    return null;
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, call: SandboxCall, body: Record<string, unknown> | undefined): Promise<void> {
    if (req.headers['x-api-key'] !== accessToken) {
      call.status = 401;
      return send(res, 401, errorBody(new HttpError(401, 'missing_credentials', 'Missing credentials', 'A valid X-API-KEY header is required')));
    }
    if (faults?.latencyMs) await new Promise((r) => setTimeout(r, faults?.latencyMs));
    const limiter = apiLimiter(call);
    if (limiter.over) {
      call.status = 429;
      call.fault = 'api_rate_limit';
      return send(res, 429, errorBody(new HttpError(429, 'api/too_many_requests', 'Too many requests', "Unipile's rate limit for this account is reached")), limiter.headers);
    }
    const fault = pickFault(call.method, url.pathname);
    if (fault) call.fault = fault.label;
    if (fault && !fault.afterWrite) return applyFault(res, call, fault);

    const r = routes.find((x) => x.method === call.method && x.re.test(url.pathname));
    let status: number;
    let payload: unknown;
    if (!r) {
      status = 404;
      payload = errorBody(new HttpError(404, 'resource_not_found', 'Resource not found.', `no route ${call.method} ${url.pathname}`));
    } else {
      const params = (r.re.exec(url.pathname) ?? []).slice(1).map((s) => decodeURIComponent(s));
      try {
        const out = await r.handler({ method: call.method, path: url.pathname, params, query: call.query, body: body ?? {} });
        status = out.status ?? 200;
        payload = out.body;
      } catch (e) {
        if (!(e instanceof HttpError)) throw e;
        status = e.status;
        payload = errorBody(e);
      }
    }
    changed();
    if (fault) return applyFault(res, call, fault); // the write happened; the client sees a failure
    call.status = status;
    send(res, status, payload, limiter.headers);
  }

  function applyFault(res: ServerResponse, call: SandboxCall, fault: { status?: number; type?: string; timeout?: boolean; retryAfterSeconds?: number }): void {
    if (fault.timeout || !fault.status) {
      call.status = 0;
      later(hangMs, () => res.destroy());
      return;
    }
    call.status = fault.status;
    const type = fault.type ?? typeForStatus[fault.status] ?? 'unexpected_error';
    send(res, fault.status, errorBody(new HttpError(fault.status, type, 'Sandbox fault', 'injected by the sandbox')), fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {});
  }

  /** Control routes change the simulated LinkedIn: they need the sandbox's access token like the API does. */
  function controlAuthorized(req: IncomingMessage): boolean {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    return req.headers['x-api-key'] === accessToken || bearer === accessToken;
  }

  /** The hosted wizard page: GET shows it, POST is the user finishing it. */
  async function handleHostedPage(req: IncomingMessage, res: ServerResponse, linkId: string): Promise<void> {
    const link = hosted.get(linkId);
    if (!link) return send(res, 404, { error: 'no such hosted auth link' });
    if (link.expiresAt.getTime() <= Date.now()) return send(res, 410, { error: 'the hosted auth link expired' });
    if (req.method === 'POST') return send(res, 200, await completeHosted(linkId));
    const html = `<!doctype html><title>Sandbox LinkedIn: connect an account</title><form method="post"><p>Sandbox hosted auth (${link.type})</p><button>Connect LinkedIn account</button></form>`;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) });
    res.end(html);
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL, body: Record<string, unknown>): Promise<void> {
    if (!controlAuthorized(req)) return send(res, 401, { error: 'control routes need the sandbox access token (X-API-KEY or Authorization: Bearer)' });
    const m = req.method ?? 'GET';
    const p = url.pathname.replace(/^\/_sandbox/, '');
    const seg = p.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
    try {
      if (m === 'POST' && p === '/accounts') return send(res, 201, control.createAccount(body));
      if (m === 'PATCH' && seg[0] === 'accounts' && seg[1] && !seg[2]) {
        return send(res, 200, (control.setAccount(seg[1], { premiumFeatures: Array.isArray(body.premiumFeatures) ? body.premiumFeatures.map(String) : undefined, inmailCredits: typeof body.inmailCredits === 'number' ? body.inmailCredits : undefined }), { ok: true }));
      }
      if ((m === 'PUT' || m === 'POST') && p === '/rate-limit') {
        const limit = Number(body.limit);
        const windowMs = Number(body.windowMs);
        return send(res, 200, (control.setApiRateLimit(limit > 0 && windowMs > 0 ? { limit, windowMs } : null), { ok: true }));
      }
      if (m === 'POST' && seg[0] === 'accounts' && seg[2] === 'disconnect') return send(res, 200, (control.disconnect(seg[1]!, (str(body.message) as 'CREDENTIALS') ?? 'CREDENTIALS'), { ok: true }));
      if (m === 'POST' && seg[0] === 'accounts' && seg[2] === 'reconnect') return send(res, 200, (control.reconnect(seg[1]!), { ok: true }));
      if (m === 'POST' && seg[0] === 'accounts' && seg[2] === 'restrict') return send(res, 200, (control.restrict(seg[1]!), { ok: true }));
      if (m === 'POST' && p === '/accept') return send(res, 200, { accepted: control.acceptInvitation(str(body.account_id) ?? '', str(body.person) ?? '') });
      if (m === 'POST' && p === '/ignore') return send(res, 200, { ignored: control.ignoreInvitation(str(body.account_id) ?? '', str(body.person) ?? '') });
      if (m === 'POST' && p === '/connect') return send(res, 200, (control.connect(str(body.account_id) ?? '', str(body.person) ?? ''), { ok: true }));
      if (m === 'GET' && p === '/invitations') return send(res, 200, { items: control.pendingInvitations(str(url.searchParams.get('account_id')) ?? '') });
      if (m === 'GET' && p === '/messages') {
        return send(res, 200, { items: control.chatMessages(str(url.searchParams.get('account_id')) ?? '', str(url.searchParams.get('person')) ?? '') });
      }
      if (m === 'POST' && p === '/fail-next') return send(res, 200, (control.failNext(body), { ok: true }));
      if (m === 'POST' && p === '/reply') return send(res, 200, control.reply(str(body.account_id) ?? '', str(body.person) ?? '', str(body.text) ?? ''));
      if (m === 'POST' && seg[0] === 'people' && seg[1]) return send(res, 200, control.setPerson(seg[1], body));
      if (m === 'GET' && seg[0] === 'people' && seg[1]) return send(res, 200, control.person(seg[1]));
      if ((m === 'PUT' || m === 'POST') && p === '/faults') return send(res, 200, (control.setFaults(body), { ok: true }));
      if (m === 'DELETE' && p === '/faults') return send(res, 200, (control.clearFaults(), { ok: true }));
      if (m === 'GET' && p === '/calls') return send(res, 200, { items: handle.calls() });
      if (m === 'DELETE' && p === '/calls') return send(res, 200, (handle.clearCalls(), { ok: true }));
      if (m === 'GET' && p === '/writes') return send(res, 200, { items: control.writeCounts() });
      if (m === 'GET' && p === '/deliveries') return send(res, 200, { items: control.deliveries() });
      if (m === 'GET' && p === '/webhooks') return send(res, 200, { items: [...webhooks.values()] });
      if (m === 'POST' && seg[0] === 'hosted' && seg[1] && seg[2] === 'complete') return send(res, 200, await completeHosted(seg[1], { accountId: str(body.account_id), name: str(body.name) }));
      return send(res, 404, { error: 'no such control route' });
    } catch (e) {
      return send(res, 400, { error: e instanceof Error ? e.message : String(e) });
    }
  }

  const server = createServer((req, res) => {
    // Recorded when the request arrived, not after its body was read: tests compare it with moments they mark.
    const arrived = new Date();
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://sandbox');
      const { body, kind } = await readBody(req);
      if (url.pathname.startsWith('/_sandbox')) {
        await handleControl(req, res, url, body ?? {});
        return changed();
      }
      const hostedPage = /^\/hosted\/([A-Za-z0-9_-]+)$/.exec(url.pathname);
      if (hostedPage) {
        await handleHostedPage(req, res, hostedPage[1]!);
        return changed();
      }
      const query: Record<string, string | string[]> = {};
      for (const [k, v] of url.searchParams) {
        const prev = query[k];
        query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      const call: SandboxCall = {
        method: req.method ?? 'GET',
        path: decodeURIComponent(url.pathname),
        query,
        body,
        contentType: kind,
        headers: { 'content-type': req.headers['content-type'], accept: req.headers.accept },
        at: arrived,
        status: 0,
      };
      calls.push(call);
      if (!url.pathname.startsWith(`${API}/`)) {
        call.status = 404;
        return send(res, 404, errorBody(new HttpError(404, 'resource_not_found', 'Resource not found.')));
      }
      return handleApi(req, res, url, call, body);
    })().catch((e: unknown) => send(res, 500, { title: 'Sandbox bug', detail: e instanceof Error ? e.message : String(e), type: 'errors/unexpected_error', status: 500 }));
  });

  if (opts.stateFile) restore(opts.stateFile);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}`;
  publicUrl = url;

  const handle: SandboxHandle = {
    url,
    dsn: url,
    accessToken,
    control,
    calls(filter) {
      return calls.filter(
        (c) => (!filter?.method || c.method === filter.method) && (!filter?.path || (typeof filter.path === 'string' ? c.path === filter.path : filter.path.test(c.path))),
      );
    },
    clearCalls() {
      calls.length = 0;
    },
    async stop() {
      stopped = true;
      clearTimeout(saveTimer);
      save();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const wake of [...sleepers]) wake();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await Promise.allSettled([...inflight]);
    },
  };
  return handle;
}

export { providerIdForSlug };
