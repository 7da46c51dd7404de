import { createHash } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../db/connection';
import type { Logger } from '../logger';
import { invitationAcceptedSignal, leadWorkflowId, replyReceivedSignal } from '../workflows/definitions';
import { recordDisconnect, resolveInvitationByProviderAccount } from '../quota/sender-safety';

/**
 * Inbound Unipile webhooks: every event is stored (deduplicated by its natural key), answered at
 * once, then processed idempotently: `new_relation` tells the waiting lead workflows their
 * invitation was accepted; a `message_received` from a lead is a reply (stop on reply in every
 * campaign of the organization that targets that person); `AccountStatus` updates the account and
 * pauses its campaigns when it can no longer act.
 */

type Payload = Record<string, unknown>;

const ACCOUNT_DOWN = new Set(['CREDENTIALS', 'ERROR', 'STOPPED', 'PERMISSIONS', 'DELETED']);
const ACCOUNT_UP = new Set(['OK', 'RECONNECTED', 'CREATION_SUCCESS', 'SYNC_SUCCESS']);

export interface UnipileWebhookService {
  /** Stores the event; returns false when the same event was already received. */
  receive(payload: unknown): Promise<{ id: string; duplicate: boolean }>;
  process(eventId: string): Promise<void>;
  /** Processes whatever was stored but not processed (after a crash). */
  processPending(): Promise<number>;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

export function classifyEvent(payload: Payload): { type: string; key: string; accountId: string | undefined } {
  const status = payload.AccountStatus as Payload | undefined;
  if (status && typeof status === 'object') {
    const accountId = str(status.account_id);
    return { type: 'account_status', key: `account_status:${hashOf(payload)}`, accountId };
  }
  const event = str(payload.event) ?? 'unknown';
  const accountId = str(payload.account_id);
  if (event === 'new_relation') return { type: event, key: `new_relation:${accountId}:${str(payload.user_provider_id) ?? hashOf(payload)}`, accountId };
  if (event.startsWith('message_')) return { type: event, key: `${event}:${str(payload.message_id) ?? hashOf(payload)}`, accountId };
  return { type: event, key: `${event}:${hashOf(payload)}`, accountId };
}

function hashOf(payload: unknown): string {
  return createHash('sha256').update(JSON.stringify(payload)).digest('hex').slice(0, 32);
}

export function createUnipileWebhookService(deps: {
  db: Db;
  client: Client;
  logger: Logger;
  pauseCampaignsOfAccount: (accountId: string, reason: string) => Promise<unknown>;
}): UnipileWebhookService {
  const { db, client, logger } = deps;

  async function signalLead(campaignId: string, leadId: string, send: (h: ReturnType<Client['workflow']['getHandle']>) => Promise<void>): Promise<boolean> {
    try {
      await send(client.workflow.getHandle(leadWorkflowId(campaignId, leadId)));
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  /** Running executions, on this Unipile account, of leads that are this person. */
  async function runningExecutionsFor(unipileAccountId: string, person: { providerId?: string; publicIdentifier?: string }) {
    if (!person.providerId && !person.publicIdentifier) return [];
    return db
      .selectFrom('campaign_executions as ce')
      .innerJoin('campaigns as c', 'c.id', 'ce.campaign_id')
      .innerJoin('connected_accounts as a', 'a.id', 'c.sender_account')
      .innerJoin('leads as l', 'l.id', 'ce.lead_id')
      .select(['ce.campaign_id', 'ce.lead_id', 'c.organization_id'])
      .where('a.provider_account_id', '=', unipileAccountId)
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
        // Reconnected: the account may act again. Its paused campaigns wait for a person to resume them.
        for (const a of accounts) {
          await db.updateTable('connected_accounts').set({ status: 'connected', status_reason: null, updated_at: new Date() }).where('id', '=', a.id).execute();
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
      const executions = await runningExecutionsFor(accountId, { providerId: senderId });
      let signalled = 0;
      for (const e of executions) {
        if (await signalLead(e.campaign_id, e.lead_id, (h) => h.signal(replyReceivedSignal, { messageId: str(payload.message_id), at: new Date().toISOString() }))) signalled++;
      }
      return { signalled };
    }
    return { ignored: `event ${type}` };
  }

  const service: UnipileWebhookService = {
    async receive(raw) {
      const payload = (raw && typeof raw === 'object' ? raw : {}) as Payload;
      const { type, key, accountId } = classifyEvent(payload);
      const inserted = await db
        .insertInto('unipile_events')
        .values({ event_key: key, event_type: type, unipile_account_id: accountId ?? null, payload: JSON.stringify(payload) })
        .onConflict((oc) => oc.column('event_key').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (inserted) return { id: inserted.id, duplicate: false };
      const existing = await db.selectFrom('unipile_events').select('id').where('event_key', '=', key).executeTakeFirstOrThrow();
      return { id: existing.id, duplicate: true };
    },

    async process(eventId) {
      // Claim the event: only one processor applies its effect, however often it is delivered.
      const claimed = await db
        .updateTable('unipile_events')
        .set({ processed_at: new Date() })
        .where('id', '=', eventId)
        .where('processed_at', 'is', null)
        .returning(['event_type', 'payload'])
        .executeTakeFirst();
      if (!claimed) return;
      try {
        const outcome = await handle(claimed.event_type, claimed.payload as Payload);
        await db.updateTable('unipile_events').set({ outcome: JSON.stringify(outcome) }).where('id', '=', eventId).execute();
      } catch (err) {
        // Release the claim so a later sweep retries it.
        await db.updateTable('unipile_events').set({ processed_at: null, outcome: JSON.stringify({ error: String(err) }) }).where('id', '=', eventId).execute();
        logger.error({ err, eventId }, 'unipile webhook processing failed');
      }
    },

    async processPending() {
      const rows = await db.selectFrom('unipile_events').select('id').where('processed_at', 'is', null).orderBy('received_at').limit(1000).execute();
      for (const r of rows) await service.process(r.id);
      return rows.length;
    },
  };
  return service;
}
