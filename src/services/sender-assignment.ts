/**
 * Which sender of a campaign's pool works a lead (issue 11). A lead gets its sender when it starts and
 * keeps it (the conversation belongs to that account); it moves only while that sender has not
 * contacted it and can no longer act (disconnected, restricted, removed from the pool).
 *
 * The choice, among the pool's connected senders:
 * 1. a sender already connected to the person (1st degree: it messaged them, they accepted its
 *    invitation, or Unipile reported the relation);
 * 2. otherwise the sender with the most room for the lead's first write, relative to its limit:
 *    (remaining today and this week − leads already given to it that still wait for that write) /
 *    its daily limit. While every sender is saturated this gives each the share of its limit, so
 *    over a campaign the leads spread across senders in proportion to their limits;
 * 3. ties by account id.
 * The campaign's assignments are serialized (an advisory lock per campaign), so concurrent leads
 * see each other's choices.
 */
import { sql } from 'kysely';
import type { Db } from '../db/connection';
import { activeSenderStatuses } from '../db/repositories/campaign-sender.repository';
import type { LedgerTables } from '../linkedin/ledger.schema';
import type { QuotaKind } from '../quota/limits';
import { publicIdentifierFromUrl } from '../linkedin/identifiers';
import { getAccountUsage, type AccountUsage } from '../quota/quota.repository';
import type { QuotaTables } from '../quota/quota.schema';

export interface AssignLeadSenderInput {
  organizationId: string;
  campaignId: string;
  leadId: string;
  /** The plan's first write (its quota kind and step id): what the senders' room is measured for. */
  firstWrite: { kind: QuotaKind; stepId: string } | null;
  campaignSchedule?: unknown;
  /** The workflow's clock. */
  now: string;
  /**
   * The lead's sender failed as disconnected or restricted: choose again, never this one. Without it
   * an assigned lead keeps its sender while that one is in the pool and connected. The caller asks only
   * while the sender has not contacted the lead.
   */
  replace?: string;
}

export type AssignLeadSenderResult =
  | { accountId: string; reason: 'kept' | 'first_degree' | 'most_room' | 'only_sender'; previous?: string }
  | { accountId: null; reason: 'no_sender_can_act' };

export interface SenderCandidate {
  accountId: string;
  firstDegree: boolean;
  /** Remaining quota for the first write today (bounded by the rolling week), null when unlimited. */
  remaining: number | null;
  dailyLimit: number | null;
  /** Leads of this campaign given to it that have not been granted their first write yet. */
  waiting: number;
}

/** The pure choice (exported for its tests). */
export function chooseSender(candidates: readonly SenderCandidate[]): SenderCandidate | undefined {
  const room = (c: SenderCandidate) => (c.remaining === null || !c.dailyLimit ? Number.POSITIVE_INFINITY : (c.remaining - c.waiting) / c.dailyLimit);
  return [...candidates].sort((a, b) => Number(b.firstDegree) - Number(a.firstDegree) || room(b) - room(a) || (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0))[0];
}

export async function assignLeadSender(db: Db, input: AssignLeadSenderInput): Promise<AssignLeadSenderResult> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`sender-assignment:${input.campaignId}`}, 0))`.execute(trx);
    const execution = await trx
      .selectFrom('campaign_executions')
      .select(['id', 'sender_account_id'])
      .where('campaign_id', '=', input.campaignId)
      .where('lead_id', '=', input.leadId)
      .executeTakeFirst();
    const senders = await activeSenderStatuses(trx, input.organizationId, input.campaignId);
    const current = execution?.sender_account_id ?? null;
    const connected = senders.filter((s) => s.status === 'connected' && s.accountId !== input.replace);
    // Kept while it can act; the caller asks only while the sender has not contacted the lead.
    if (current && connected.some((s) => s.accountId === current)) return { accountId: current, reason: 'kept' as const };
    if (connected.length === 0) return { accountId: null, reason: 'no_sender_can_act' as const };
    const candidates = await describeCandidates(trx, input, connected.map((s) => s.accountId));
    const chosen = chooseSender(candidates)!;
    const reason = connected.length === 1 ? 'only_sender' : chosen.firstDegree ? 'first_degree' : 'most_room';
    if (execution) await trx.updateTable('campaign_executions').set({ sender_account_id: chosen.accountId }).where('id', '=', execution.id).execute();
    if (current && current !== chosen.accountId) await releaseUnusedGrants(trx, input, current);
    return { accountId: chosen.accountId, reason, ...(current ? { previous: current } : {}) } as const;
  });
}

async function describeCandidates(db: Db, input: AssignLeadSenderInput, accountIds: string[]): Promise<SenderCandidate[]> {
  const now = new Date(input.now);
  const firstDegree = await connectedSenders(db, input, accountIds);
  const waiting = new Map<string, number>();
  if (input.firstWrite) {
    const grantKey = sql<string>`e.campaign_id::text || ':' || e.lead_id::text || ':' || ${input.firstWrite.stepId}`;
    const rows = await db
      .withTables<QuotaTables>()
      .selectFrom('campaign_executions as e')
      .select(['e.sender_account_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('e.campaign_id', '=', input.campaignId)
      .where('e.sender_account_id', 'in', accountIds)
      .where('e.status', 'in', ['pending', 'in_progress'])
      .where('e.lead_id', '!=', input.leadId)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('account_action_grants as g').select('g.id').where('g.idempotency_key', '=', grantKey))))
      .groupBy('e.sender_account_id')
      .execute();
    for (const r of rows) if (r.sender_account_id) waiting.set(r.sender_account_id, Number(r.n));
  }
  const out: SenderCandidate[] = [];
  const kind = input.firstWrite?.kind;
  // Limits, pace, health: read once per account and minute (usageOf). What was granted: read now, in one query.
  const usages = kind ? await Promise.all(accountIds.map((id) => usageOf(db, id, now, input.campaignSchedule))) : [];
  const used = kind ? await grantedNow(db, kind, now, usages) : new Map<string, { day: number; week: number }>();
  for (const [i, accountId] of accountIds.entries()) {
    let remaining: number | null = null;
    let dailyLimit: number | null = null;
    if (kind) {
      const usage = usages[i]!;
      const today = usage.today.perKind[kind];
      const weekly = usage.week.perKind[kind].limit;
      const done = used.get(accountId) ?? { day: 0, week: 0 };
      const dayLeft = Math.max(0, Math.min(today.limit, today.pace) - done.day);
      remaining = weekly === null ? dayLeft : Math.min(dayLeft, Math.max(0, weekly - done.week));
      dailyLimit = today.limit;
    }
    out.push({ accountId, firstDegree: firstDegree.has(accountId), remaining, dailyLimit, waiting: waiting.get(accountId) ?? 0 });
  }
  return out;
}

/**
 * The senders already connected to the person (1st degree): one it has messaged, one whose invitation
 * the person accepted, or one Unipile reported a new relation with (`new_relation`, by provider id or
 * public identifier).
 */
async function connectedSenders(db: Db, input: AssignLeadSenderInput, accountIds: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  const lead = await db.selectFrom('leads').select(['provider_id', 'linkedin_url']).where('id', '=', input.leadId).executeTakeFirst();
  const providerId = lead?.provider_id ?? null;
  const publicId = lead?.linkedin_url ? publicIdentifierFromUrl(lead.linkedin_url) : null;
  if (!providerId && !publicId) return out;
  if (providerId) {
    const messaged = await db
      .withTables<LedgerTables>()
      .selectFrom('linkedin_actions')
      .select('account_id')
      .distinct()
      .where('organization_id', '=', input.organizationId)
      .where('account_id', 'in', accountIds)
      .where('target_provider_id', '=', providerId)
      .where('kind', '=', 'message')
      .where('status', '=', 'succeeded')
      .execute();
    for (const r of messaged) out.add(r.account_id);
    const accepted = await db
      .withTables<QuotaTables>()
      .selectFrom('account_invitations')
      .select('account_id')
      .distinct()
      .where('account_id', 'in', accountIds)
      .where('provider_id', '=', providerId)
      .where('state', '=', 'accepted')
      .execute();
    for (const r of accepted) out.add(r.account_id);
  }
  const related = await db
    .selectFrom('unipile_events as ev')
    .innerJoin('connected_accounts as a', 'a.provider_account_id', 'ev.unipile_account_id')
    .select('a.id')
    .distinct()
    .where('a.id', 'in', accountIds)
    .where('a.organization_id', '=', input.organizationId)
    .where('ev.event_type', '=', 'new_relation')
    .where((eb) =>
      eb.or([
        ...(providerId ? [eb(sql<string>`ev.payload->>'user_provider_id'`, '=', providerId)] : []),
        ...(publicId ? [eb(sql<string>`lower(ev.payload->>'user_public_identifier')`, '=', publicId.toLowerCase())] : []),
      ]),
    )
    .execute();
  for (const r of related) out.add(r.id);
  return out;
}

/** Each account's grants of `kind` on its local day and in the last 7x24 h, as of now. */
async function grantedNow(db: Db, kind: QuotaKind, now: Date, usages: AccountUsage[]): Promise<Map<string, { day: number; week: number }>> {
  const out = new Map<string, { day: number; week: number }>();
  if (usages.length === 0) return out;
  const rows = await db
    .withTables<QuotaTables>()
    .selectFrom('account_action_grants')
    .select(['account_id', sql<string>`to_char(local_day, 'YYYY-MM-DD')`.as('day'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('kind', '=', kind)
    .where('account_id', 'in', usages.map((u) => u.accountId))
    .where('granted_at', '>', new Date(now.getTime() - 7 * 86_400_000))
    .groupBy(['account_id', 'local_day'])
    .execute();
  const todayOf = new Map(usages.map((u) => [u.accountId, u.today.date]));
  for (const r of rows) {
    const entry = out.get(r.account_id) ?? { day: 0, week: 0 };
    entry.week += Number(r.n);
    if (r.day === todayOf.get(r.account_id)) entry.day += Number(r.n);
    out.set(r.account_id, entry);
  }
  return out;
}

/**
 * An account's usage, read at most once per account and workflow minute in this process: a campaign's
 * leads start in bursts (hundreds in the same minute) and each compares every sender of the pool; the
 * limits, pace and health it gives change slowly; the counts of what was granted are read fresh
 * (grantedNow), so senders granting during the burst are not seen with the room they had before it.
 */
const usageCache = new Map<string, { minute: number; usage: Promise<AccountUsage> }>();
const USAGE_CACHE_MAX = 10_000;
function usageOf(db: Db, accountId: string, now: Date, campaignSchedule: unknown): Promise<AccountUsage> {
  const minute = Math.floor(now.getTime() / 60_000);
  const key = `${accountId}:${JSON.stringify(campaignSchedule ?? null)}`;
  const hit = usageCache.get(key);
  if (hit && hit.minute === minute) return hit.usage;
  if (usageCache.size >= USAGE_CACHE_MAX) usageCache.clear();
  const usage = getAccountUsage(db, { accountId, now, campaignSchedule });
  usageCache.set(key, { minute, usage });
  usage.catch(() => usageCache.delete(key));
  return usage;
}

/**
 * The slots the old sender reserved for this lead's steps and never used (the step failed there:
 * disconnected) go back to it, so the new sender can reserve the same steps. A slot it used (a
 * profile visit that went out) stays counted on it.
 */
async function releaseUnusedGrants(db: Db, input: AssignLeadSenderInput, accountId: string): Promise<void> {
  const prefix = `${input.campaignId}:${input.leadId}:`;
  const grants = await db
    .withTables<QuotaTables>()
    .selectFrom('account_action_grants')
    .select(['id', 'idempotency_key'])
    .where('account_id', '=', accountId)
    .where('idempotency_key', 'like', `${prefix}%`)
    .execute();
  for (const grant of grants) {
    const stepId = grant.idempotency_key.slice(prefix.length);
    const used = await db
      .withTables<LedgerTables>()
      .selectFrom('linkedin_actions')
      .select('id')
      .where('account_id', '=', accountId)
      .where('campaign_id', '=', input.campaignId)
      .where('lead_id', '=', input.leadId)
      .where('step_id', '=', stepId)
      .where('status', 'in', ['succeeded', 'unknown', 'pending'])
      .executeTakeFirst();
    if (!used) await db.withTables<QuotaTables>().deleteFrom('account_action_grants').where('id', '=', grant.id).execute();
  }
}
