import { createHash } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../db/connection';
import type { Logger } from '../logger';
import { backlogFrom, type Backlog } from './backlog';
import { unipileWebhookEvents } from '../telemetry/metrics';
import { invitationAcceptedSignal, leadWorkflowId, replyReceivedSignal } from '../workflows/definitions';
import { recordDisconnect, resolveInvitationByProviderAccount } from '../quota/sender-safety';

/**
 * Inbound Unipile webhooks: every event is stored (deduplicated by its identity), answered at once,
 * then applied idempotently, at once and, until that succeeds, by the background loop every process
 * runs (src/services/background.ts) with back-off (Temporal down, database hiccup): `new_relation` tells the waiting lead workflows their
 * invitation was accepted; a `message_received` from a lead is a reply (stop on reply in every
 * campaign of the organization that targets that person); `AccountStatus` updates the account and
 * pauses its campaigns when it can no longer act.
 */

type Payload = Record<string, unknown>;

const ACCOUNT_DOWN = new Set(['CREDENTIALS', 'ERROR', 'STOPPED', 'PERMISSIONS', 'DELETED']);
const ACCOUNT_UP = new Set(['OK', 'RECONNECTED', 'CREATION_SUCCESS', 'SYNC_SUCCESS']);

export interface UnipileWebhookService {
  /** Stores the event; `duplicate` when this very event (by its identity) was already received. */
  receive(payload: unknown): Promise<{ id: string; duplicate: boolean }>;
  /** One attempt at applying a stored event; on failure it is scheduled again with back-off. */
  process(eventId: string): Promise<void>;
  /** Applies the stored events that are due (never applied, back-off elapsed); returns how many it tried. */
  processPending(limit?: number): Promise<number>;
  /** Stored events not applied yet, and the age of the oldest (for /ready). */
  backlog(): Promise<Backlog>;
}

/** Back-off between attempts at one event: 1, 2, 4 ... 60 s, then every minute until it is applied. */
export function retryDelayMs(attempts: number): number {
  return Math.min(60_000, 1_000 * 2 ** Math.max(0, attempts - 1));
}
/** A claimed event is someone's for this long; a processor that died with it loses it after that. */
const CLAIM_MS = 60_000;
const SIGNAL_DEADLINE_MS = 5_000;

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/**
 * The event's identity, never its content alone: Unipile retries a delivery it thinks failed (same
 * identity, one effect), while a new event with the same content (a second disconnect, a reused message
 * id after a restart) is a new event. Unipile's own event id wins when it sends one; otherwise:
 * - messages: account + chat + message id + the message's timestamp;
 * - relations: account + person + the day received (the payload has no time; a redelivery comes
 *   within hours, and applying an acceptance twice is harmless);
 * - account status: account + status + its timestamp when there is one; without one, the status
 *   status event it follows: the same status again while the account still is in the state it set is
 *   a redelivery (same key, no effect to lose); a change, or a status the account has since left
 *   (reconnected through the API in between), is a new event.
 */
export function classifyEvent(
  payload: Payload,
  ctx: {
    receivedAt: Date;
    /** The last account-status event stored for this account, and whether the account already is in the state it set. */
    previousAccountStatus?: { id: string; key: string; message: string; stillInEffect: boolean } | undefined;
  },
): { type: string; key: string; accountId: string | undefined } {
  const status = payload.AccountStatus as Payload | undefined;
  const eventId = str(payload.event_id) ?? str(payload.id);
  if (status && typeof status === 'object') {
    const accountId = str(status.account_id);
    const message = str(status.message) ?? 'unknown';
    const at = str(status.timestamp) ?? str(payload.timestamp);
    const prev = ctx.previousAccountStatus;
    if (!eventId && !at && prev?.message === message && prev.stillInEffect) return { type: 'account_status', key: prev.key, accountId };
    const identity = eventId ?? at ?? (prev ? `after:${prev.id}:${ctx.receivedAt.toISOString()}` : 'first');
    return { type: 'account_status', key: `account_status:${accountId}:${message}:${identity}`, accountId };
  }
  const event = str(payload.event) ?? 'unknown';
  const accountId = str(payload.account_id);
  if (eventId) return { type: event, key: `${event}:${accountId}:id:${eventId}`, accountId };
  if (event === 'new_relation') {
    const person = str(payload.user_provider_id) ?? str(payload.user_public_identifier) ?? hashOf(payload);
    const at = str(payload.timestamp) ?? ctx.receivedAt.toISOString().slice(0, 10);
    return { type: event, key: `new_relation:${accountId}:${person}:${at}`, accountId };
  }
  if (event.startsWith('message_')) {
    const messageId = str(payload.message_id);
    const at = str(payload.timestamp);
    const identity = messageId && at ? `${messageId}:${at}` : `${messageId ?? ''}:${hashOf(payload)}`;
    return { type: event, key: `${event}:${accountId}:${str(payload.chat_id) ?? ''}:${identity}`, accountId };
  }
  return { type: event, key: `${event}:${accountId}:${eventId ?? hashOf(payload)}`, accountId };
}

const KNOWN_EVENTS = new Set(['account_status', 'new_relation', 'message_received', 'message_read', 'message_reaction', 'message_edited', 'message_deleted', 'message_delivered']);
/** A metric label: the event types we know, anything else (the sender decides the name) as `other`. */
/** Stored events not applied yet and when the oldest arrived: /ready's backlog and the metrics read this. */
export async function pendingUnipileEvents(db: Db): Promise<{ pending: number; oldest: Date | null }> {
  const row = await db
    .selectFrom('unipile_events')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('received_at').as('oldest')])
    .where('processed_at', 'is', null)
    .executeTakeFirstOrThrow();
  return { pending: Number(row.n), oldest: row.oldest ? new Date(row.oldest) : null };
}

export function eventLabel(type: string): string {
  return KNOWN_EVENTS.has(type) ? type : 'other';
}

function hashOf(payload: unknown): string {
  return createHash('sha256').update(JSON.stringify(payload)).digest('hex').slice(0, 32);
}

export function createUnipileWebhookService(deps: {
  db: Db;
  client: Client;
  logger: Logger;
  pauseCampaignsOfAccount: (accountId: string, reason: string) => Promise<unknown>;
  /** Wakes the reconnected account's leads that wait for it (optional: their control poll finds out). */
  resumeLeadsOfAccount?: (accountId: string) => Promise<unknown>;
}): UnipileWebhookService {
  const { db, client, logger } = deps;

  async function signalLead(campaignId: string, leadId: string, send: (h: ReturnType<Client['workflow']['getHandle']>) => Promise<void>): Promise<boolean> {
    try {
      // Bounded: with Temporal down the attempt fails in seconds and the event is retried later.
      await client.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, () => send(client.workflow.getHandle(leadWorkflowId(campaignId, leadId))));
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  /**
   * Running executions of leads that are this person: on this Unipile account, or (`everySender`) in
   * every campaign of the organizations that hold the account and have one voice on.
   */
  async function runningExecutionsFor(unipileAccountId: string, person: { providerId?: string; publicIdentifier?: string }, opts: { everySender?: boolean } = {}) {
    if (!person.providerId && !person.publicIdentifier) return [];
    return db
      .selectFrom('campaign_executions as ce')
      .innerJoin('campaigns as c', 'c.id', 'ce.campaign_id')
      .innerJoin('connected_accounts as a', 'a.id', 'c.sender_account')
      .innerJoin('leads as l', 'l.id', 'ce.lead_id')
      .select(['ce.campaign_id', 'ce.lead_id', 'c.organization_id'])
      .where((eb) => {
        const onAccount = eb('a.provider_account_id', '=', unipileAccountId);
        if (!opts.everySender) return onAccount;
        const oneVoiceOrgs = eb
          .selectFrom('connected_accounts as held')
          .innerJoin('organizations as o', 'o.id', 'held.organization_id')
          .select('held.organization_id')
          .where('held.provider_account_id', '=', unipileAccountId)
          .where('o.one_voice', '=', true);
        return eb.or([onAccount, eb('c.organization_id', 'in', oneVoiceOrgs)]);
      })
      .where('ce.status', 'in', ['pending', 'in_progress'])
      .where((eb) => {
        const ors = [];
        if (person.providerId) ors.push(eb('l.provider_id', '=', person.providerId), eb('l.linkedin_id', '=', person.providerId));
        if (person.publicIdentifier) ors.push(eb('l.linkedin_url', 'ilike', `%/in/${person.publicIdentifier}/%`), eb('l.linkedin_id', '=', person.publicIdentifier));
        return eb.or(ors);
      })
      .execute();
  }

  async function handle(type: string, payload: Payload): Promise<Record<string, unknown>> {
    if (type === 'account_status') {
      const status = payload.AccountStatus as Payload;
      const accountId = str(status.account_id);
      const message = str(status.message) ?? '';
      if (!accountId) return { ignored: 'no account_id' };
      const accounts = await db.selectFrom('connected_accounts').select(['id', 'status']).where('provider_account_id', '=', accountId).execute();
      if (ACCOUNT_DOWN.has(message)) {
        for (const a of accounts) {
          await db.updateTable('connected_accounts').set({ status: 'disconnected', status_reason: `unipile_${message.toLowerCase()}`, updated_at: new Date() }).where('id', '=', a.id).execute();
          await deps.pauseCampaignsOfAccount(a.id, `account_disconnected: ${message}`);
          if (a.status !== 'disconnected') await recordDisconnect(db, a.id, `unipile_${message.toLowerCase()}`, new Date());
        }
        return { accounts: accounts.length, status: 'disconnected' };
      }
      if (ACCOUNT_UP.has(message)) {
        // Reconnected: the account may act again, and its leads that wait for it go on. Campaigns paused
        // because no sender could act wait for a person to resume them.
        for (const a of accounts) {
          await db.updateTable('connected_accounts').set({ status: 'connected', status_reason: null, updated_at: new Date() }).where('id', '=', a.id).execute();
          // Best effort: a lead not woken here sees the reconnect at its control poll.
          await deps.resumeLeadsOfAccount?.(a.id).catch((err: unknown) => logger.warn({ err: String(err), accountId: a.id }, 'could not wake the account\'s waiting leads'));
        }
        return { accounts: accounts.length, status: 'connected' };
      }
      return { ignored: `status ${message}` };
    }

    const accountId = str(payload.account_id);
    if (!accountId) return { ignored: 'no account_id' };

    if (type === 'new_relation') {
      const accepted = str(payload.user_provider_id);
      if (accepted) await resolveInvitationByProviderAccount(db, { providerAccountId: accountId, providerId: accepted, at: new Date() });
      const executions = await runningExecutionsFor(accountId, {
        providerId: str(payload.user_provider_id),
        publicIdentifier: str(payload.user_public_identifier),
      });
      let signalled = 0;
      for (const e of executions) {
        if (await signalLead(e.campaign_id, e.lead_id, (h) => h.signal(invitationAcceptedSignal, { source: 'webhook', at: new Date().toISOString() }))) signalled++;
      }
      return { signalled };
    }

    if (type === 'message_received') {
      const sender = (payload.sender ?? {}) as Payload;
      const senderId = str(sender.attendee_provider_id);
      const ownId = str((payload.account_info as Payload | undefined)?.user_id);
      // Messages we send fire this event too: only a message from someone else is a reply.
      if (!senderId || senderId === ownId) return { ignored: 'own message' };
      // One voice: a reply to any sender stops that person in every campaign of the organization.
      const executions = await runningExecutionsFor(accountId, { providerId: senderId }, { everySender: true });
      let signalled = 0;
      for (const e of executions) {
        if (await signalLead(e.campaign_id, e.lead_id, (h) => h.signal(replyReceivedSignal, { messageId: str(payload.message_id), at: new Date().toISOString() }))) signalled++;
      }
      return { signalled };
    }
    return { ignored: `event ${type}` };
  }

  /** The last account-status event stored for this Unipile account (what a new one follows). */
  async function previousAccountStatus(accountId: string | undefined): Promise<{ id: string; key: string; message: string; stillInEffect: boolean } | undefined> {
    if (!accountId) return undefined;
    const row = await db
      .selectFrom('unipile_events')
      .select(['id', 'event_key', 'payload'])
      .where('event_type', '=', 'account_status')
      .where('unipile_account_id', '=', accountId)
      .orderBy('received_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!row) return undefined;
    const message = str(((row.payload as Payload).AccountStatus as Payload | undefined)?.message) ?? 'unknown';
    const target = ACCOUNT_DOWN.has(message) ? 'disconnected' : ACCOUNT_UP.has(message) ? 'connected' : undefined;
    const accounts = await db.selectFrom('connected_accounts').select('status').where('provider_account_id', '=', accountId).execute();
    return { id: row.id, key: row.event_key, message, stillInEffect: target === undefined || accounts.every((a) => a.status === target) };
  }

  /** Applies a claimed event; success marks it processed, failure schedules the next attempt. */
  async function apply(eventId: string, type: string, payload: Payload, attempts: number): Promise<void> {
    try {
      const outcome = await handle(type, payload);
      await db.updateTable('unipile_events').set({ processed_at: new Date(), next_attempt_at: null, last_error: null, outcome: JSON.stringify(outcome) }).where('id', '=', eventId).execute();
      unipileWebhookEvents.inc({ event: eventLabel(type), result: 'applied' });
    } catch (err) {
      unipileWebhookEvents.inc({ event: eventLabel(type), result: 'failed' });
      const delay = retryDelayMs(attempts);
      const message = err instanceof Error ? err.message : String(err);
      logger.warn({ err: message, eventId, type, attempts, retryInMs: delay }, 'unipile webhook not applied yet; retrying later');
      await db
        .updateTable('unipile_events')
        .set({ next_attempt_at: new Date(Date.now() + delay), last_error: message.slice(0, 500) })
        .where('id', '=', eventId)
        .execute()
        .catch((e: unknown) => logger.error({ err: String(e), eventId }, 'could not schedule the webhook retry (the claim expires and it is retried)'));
    }
  }

  /** Claims up to `limit` due events (one processor each, whatever the number of processes). */
  async function claim(limit: number, onlyId?: string) {
    return db.transaction().execute(async (trx) => {
      let q = trx
        .selectFrom('unipile_events')
        .select('id')
        .where('processed_at', 'is', null)
        .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', new Date())]))
        .orderBy('received_at')
        .limit(limit)
        .forUpdate()
        .skipLocked();
      if (onlyId) q = q.where('id', '=', onlyId);
      const due = await q.execute();
      if (due.length === 0) return [];
      return trx
        .updateTable('unipile_events')
        .set((eb) => ({ attempts: eb('attempts', '+', 1), next_attempt_at: new Date(Date.now() + CLAIM_MS) }))
        .where('id', 'in', due.map((d) => d.id))
        .returning(['id', 'event_type', 'payload', 'attempts'])
        .execute();
    });
  }

  const service: UnipileWebhookService = {
    async receive(raw) {
      const payload = (raw && typeof raw === 'object' ? raw : {}) as Payload;
      const receivedAt = new Date();
      const isStatus = Boolean(payload.AccountStatus && typeof payload.AccountStatus === 'object');
      const previous = isStatus ? await previousAccountStatus(str((payload.AccountStatus as Payload).account_id)) : undefined;
      const { type, key, accountId } = classifyEvent(payload, { receivedAt, previousAccountStatus: previous });
      const inserted = await db
        .insertInto('unipile_events')
        .values({ event_key: key, event_type: type, unipile_account_id: accountId ?? null, payload: JSON.stringify(payload), received_at: receivedAt })
        .onConflict((oc) => oc.column('event_key').doNothing())
        .returning('id')
        .executeTakeFirst();
      unipileWebhookEvents.inc({ event: eventLabel(type), result: inserted ? 'received' : 'duplicate' });
      if (inserted) return { id: inserted.id, duplicate: false };
      const existing = await db.selectFrom('unipile_events').select('id').where('event_key', '=', key).executeTakeFirstOrThrow();
      return { id: existing.id, duplicate: true };
    },

    async process(eventId) {
      const [claimed] = await claim(1, eventId);
      if (claimed) await apply(claimed.id, claimed.event_type, claimed.payload as Payload, claimed.attempts);
    },

    async processPending(limit = 20) {
      const claimed = await claim(limit);
      for (const c of claimed) await apply(c.id, c.event_type, c.payload as Payload, c.attempts);
      return claimed.length;
    },

    async backlog() {
      const { pending, oldest } = await pendingUnipileEvents(db);
      return backlogFrom(pending, oldest);
    },
  };
  return service;
}
