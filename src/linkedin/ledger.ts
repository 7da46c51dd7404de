/**
 * The write ledger: exactly-once LinkedIn effects on top of at-least-once activities.
 *
 * Each effect has an idempotency key (`${campaignId}:${leadId}:${stepId}:${kind}[:n]`). The intent is
 * recorded (`pending`, attempts+1) BEFORE the HTTP write and the outcome after. A later attempt with the
 * same key: returns the recorded outcome when it is final (`succeeded`/`skipped`); when an earlier attempt
 * may have written (`pending` after a crash, `unknown` after a timeout/504) it asks `reconcile()` first and
 * writes only if the effect is not there. `failed` means LinkedIn surely refused, so writing again is safe.
 *
 * Assumes one attempt per key at a time (Temporal runs one attempt of an activity at a time; an attempt
 * that outlived its timeout could overlap the next one: heartbeat timeouts keep that window short).
 */
import type { Db } from '../db/connection';
import type { LedgerStatus, LedgerTables, LinkedinAction } from './ledger.schema';

export type WriteAttempt<R extends Record<string, unknown>> =
  | { status: 'succeeded'; result: R }
  | { status: 'skipped'; reason: string; detail?: Record<string, unknown> };

export type LedgerOutcome<R extends Record<string, unknown>> = WriteAttempt<R> & {
  /** The outcome was already recorded: nothing was sent this time. */
  replayed: boolean;
  /** An earlier attempt's effect was found by `reconcile()`: nothing was sent this time. */
  reconciled: boolean;
};

export interface PerformWriteInput<R extends Record<string, unknown>> {
  key: string;
  organizationId: string;
  accountId: string;
  campaignId?: string | null;
  leadId?: string | null;
  stepId?: string | null;
  kind: string;
  targetProviderId?: string | null;
  /** Evidence that the effect already exists (returned as the result), or null when it does not. */
  reconcile?: () => Promise<R | null>;
  write: () => Promise<WriteAttempt<R>>;
  /** For a thrown error: may the write have happened anyway? Yes → `unknown` (reconciled next time). Default: yes. */
  mayHaveHappened?: (err: unknown) => boolean;
}

const ledger = (db: Db) => db.withTables<LedgerTables>();

export async function performWrite<R extends Record<string, unknown>>(db: Db, input: PerformWriteInput<R>): Promise<LedgerOutcome<R>> {
  const l = ledger(db);
  await l
    .insertInto('linkedin_actions')
    .values({
      organization_id: input.organizationId,
      account_id: input.accountId,
      campaign_id: input.campaignId ?? null,
      lead_id: input.leadId ?? null,
      step_id: input.stepId ?? null,
      kind: input.kind,
      idempotency_key: input.key,
      target_provider_id: input.targetProviderId ?? null,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .execute();
  const row = await l.selectFrom('linkedin_actions').selectAll().where('idempotency_key', '=', input.key).executeTakeFirstOrThrow();

  const recorded = recordedOutcome<R>(row);
  if (recorded) return { ...recorded, replayed: true, reconciled: false };

  if ((row.status === 'pending' || row.status === 'unknown') && row.attempts > 0 && input.reconcile) {
    const evidence = await input.reconcile();
    if (evidence) {
      await finish(db, input.key, 'succeeded', { result: evidence });
      return { status: 'succeeded', result: evidence, replayed: false, reconciled: true };
    }
  }

  await l
    .updateTable('linkedin_actions')
    .set((eb) => ({ status: 'pending', attempts: eb('attempts', '+', 1), updated_at: new Date() }))
    .where('idempotency_key', '=', input.key)
    .execute();
  let outcome: WriteAttempt<R>;
  try {
    outcome = await input.write();
  } catch (err) {
    const maybe = input.mayHaveHappened ? input.mayHaveHappened(err) : true;
    await finish(db, input.key, maybe ? 'unknown' : 'failed', { error: describeError(err) });
    throw err;
  }
  if (outcome.status === 'succeeded') await finish(db, input.key, 'succeeded', { result: outcome.result });
  else await finish(db, input.key, 'skipped', { error: { reason: outcome.reason, ...(outcome.detail ? { detail: outcome.detail } : {}) } });
  return { ...outcome, replayed: false, reconciled: false };
}

function recordedOutcome<R extends Record<string, unknown>>(row: LinkedinAction): WriteAttempt<R> | null {
  if (row.status === 'succeeded') return { status: 'succeeded', result: (row.result ?? {}) as R };
  if (row.status === 'skipped') {
    const err = row.error ?? {};
    const detail = err.detail && typeof err.detail === 'object' ? (err.detail as Record<string, unknown>) : undefined;
    return { status: 'skipped', reason: typeof err.reason === 'string' ? err.reason : 'skipped', ...(detail ? { detail } : {}) };
  }
  return null;
}

async function finish(db: Db, key: string, status: LedgerStatus, data: { result?: unknown; error?: unknown }): Promise<void> {
  await ledger(db)
    .updateTable('linkedin_actions')
    .set({
      status,
      ...(data.result !== undefined ? { result: JSON.stringify(data.result) } : {}),
      ...(data.error !== undefined ? { error: JSON.stringify(data.error) } : {}),
      updated_at: new Date(),
    })
    .where('idempotency_key', '=', key)
    .execute();
}

/** What the ledger keeps of a failure: name, type and message (our errors never carry a secret). */
function describeError(err: unknown): Record<string, unknown> {
  if (err instanceof Error) {
    const e = err as Error & { type?: unknown; status?: unknown };
    return { name: e.name, message: e.message, ...(typeof e.type === 'string' ? { type: e.type } : {}), ...(typeof e.status === 'number' ? { status: e.status } : {}) };
  }
  return { message: String(err) };
}

/**
 * Has this organization already done `kind` to this person (succeeded), in another campaign?
 * Used so one person is not invited or messaged twice across an organization's campaigns.
 */
export async function alreadyDoneForPerson(
  db: Db,
  q: { organizationId: string; providerId: string; kind: string | string[]; exceptCampaignId?: string | null; since?: Date },
): Promise<LinkedinAction | null> {
  const kinds = Array.isArray(q.kind) ? q.kind : [q.kind];
  let query = ledger(db)
    .selectFrom('linkedin_actions')
    .selectAll()
    .where('organization_id', '=', q.organizationId)
    .where('target_provider_id', '=', q.providerId)
    .where('kind', 'in', kinds)
    .where('status', '=', 'succeeded');
  if (q.since) query = query.where('created_at', '>=', q.since);
  if (q.exceptCampaignId) {
    const except = q.exceptCampaignId;
    query = query.where((eb) => eb.or([eb('campaign_id', 'is', null), eb('campaign_id', '!=', except)]));
  }
  return (await query.orderBy('created_at', 'asc').limit(1).executeTakeFirst()) ?? null;
}

/** The recorded row of one effect, e.g. the invitation a campaign sent to a lead (for the withdraw step). */
export async function findAction(
  db: Db,
  q: { campaignId: string; leadId: string; kind: string; status?: LedgerStatus[] },
): Promise<LinkedinAction | null> {
  let query = ledger(db).selectFrom('linkedin_actions').selectAll().where('campaign_id', '=', q.campaignId).where('lead_id', '=', q.leadId).where('kind', '=', q.kind);
  if (q.status?.length) query = query.where('status', 'in', q.status);
  return (await query.orderBy('created_at', 'desc').limit(1).executeTakeFirst()) ?? null;
}

/** Succeeded effects whose key starts with `prefix` (the per-post reactions and comments of one step). */
export async function listActions(db: Db, q: { keyPrefix: string; status?: LedgerStatus[] }): Promise<LinkedinAction[]> {
  let query = ledger(db).selectFrom('linkedin_actions').selectAll().where('idempotency_key', 'like', `${q.keyPrefix.replace(/[\\%_]/g, '\\$&')}%`);
  if (q.status?.length) query = query.where('status', 'in', q.status);
  return query.orderBy('created_at', 'asc').execute();
}

export function idempotencyKey(parts: { campaignId: string; leadId: string; stepId: string; kind: string; n?: string | number }): string {
  return [parts.campaignId, parts.leadId, parts.stepId, parts.kind, ...(parts.n !== undefined ? [String(parts.n)] : [])].join(':');
}
