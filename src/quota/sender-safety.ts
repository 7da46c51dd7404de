/**
 * What the activities tell the quota module about an account between reservations: every invitation
 * sent and what became of it (pending count, acceptance, withdrawals), invitation notes spent, the
 * account's LinkedIn type and InMail credits, and Unipile's quota signals. The reservation
 * (quota.repository) reads these; nothing here calls Unipile.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { readAccountSettings } from './account-settings';
import { accountTypeFromPremiumFeatures, noteBudget, type AccountType } from './limits';
import type { InmailBalance, QuotaTables } from './quota.schema';

type Db = Kysely<Database>;
const q = (db: Db) => db.withTables<QuotaTables>();

/** Type checks older than this are refreshed from Unipile's account object. */
export const ACCOUNT_TYPE_MAX_AGE_MS = 24 * 3_600_000;

export async function recordInvitationSent(
  db: Db,
  i: { accountId: string; providerId: string; campaignId?: string | null; leadId?: string | null; stepId?: string | null; invitationId: string | null; withNote: boolean; sentAt: Date },
): Promise<void> {
  // One row per invitation: a retried activity whose write was replayed must not add a second one.
  const same = await q(db)
    .selectFrom('account_invitations')
    .select('id')
    .where('account_id', '=', i.accountId)
    .where('provider_id', '=', i.providerId)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  if (same) return;
  await q(db)
    .insertInto('account_invitations')
    .values({
      account_id: i.accountId,
      provider_id: i.providerId,
      campaign_id: i.campaignId ?? null,
      lead_id: i.leadId ?? null,
      step_id: i.stepId ?? null,
      invitation_id: i.invitationId,
      with_note: i.withNote,
      sent_at: i.sentAt,
    })
    .execute();
}

/** The person accepted, or we withdrew: the invitation is no longer pending. A withdrawal starts the re-invite wait. */
export async function resolveInvitation(db: Db, r: { accountId: string; providerId: string; state: 'accepted' | 'withdrawn'; at: Date }): Promise<number> {
  const res = await q(db)
    .updateTable('account_invitations')
    .set({ state: r.state, resolved_at: r.at })
    .where('account_id', '=', r.accountId)
    .where('provider_id', '=', r.providerId)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  const n = Number(res.numUpdatedRows);
  if (n === 0 && r.state === 'withdrawn') {
    // A withdrawal of an invitation we never recorded (sent before this table existed): remember it anyway.
    await q(db).insertInto('account_invitations').values({ account_id: r.accountId, provider_id: r.providerId, invitation_id: null, sent_at: r.at, state: 'withdrawn', resolved_at: r.at }).execute();
  }
  return n;
}

/** By Unipile's account id (webhooks know only that): marks the person's pending invitation accepted on every matching account. */
export async function resolveInvitationByProviderAccount(db: Db, r: { providerAccountId: string; providerId: string; at: Date }): Promise<void> {
  await sql`
    update account_invitations set state = 'accepted', resolved_at = ${r.at}
    where state = 'pending' and provider_id = ${r.providerId}
      and account_id in (select id from connected_accounts where provider_account_id = ${r.providerAccountId})
  `.execute(db);
}

/** When the re-invite wait after a withdrawal of this person ends (null: none). */
export async function resendAllowedAt(db: Db, r: { accountId: string; providerId: string }): Promise<Date | null> {
  const settings = await readAccountSettings(q(db), r.accountId);
  const row = await q(db)
    .selectFrom('account_invitations')
    .select(sql<Date | null>`max(resolved_at)`.as('at'))
    .where('account_id', '=', r.accountId)
    .where('provider_id', '=', r.providerId)
    .where('state', '=', 'withdrawn')
    .executeTakeFirst();
  if (!row?.at) return null;
  return new Date(new Date(row.at).getTime() + settings.safety.reinviteAfterWithdrawalDays * 86_400_000);
}

/** Pending invitations older than the account's withdraw age, oldest first. */
export async function stalePendingInvitations(db: Db, r: { accountId: string; now: Date; limit: number }) {
  const settings = await readAccountSettings(q(db), r.accountId);
  return q(db)
    .selectFrom('account_invitations')
    .select(['id', 'provider_id', 'invitation_id', 'campaign_id', 'lead_id', 'step_id', 'sent_at'])
    .where('account_id', '=', r.accountId)
    .where('state', '=', 'pending')
    .where('sent_at', '<', new Date(r.now.getTime() - settings.safety.withdrawPendingAfterDays * 86_400_000))
    .orderBy('sent_at')
    .limit(r.limit)
    .execute();
}

/**
 * Whether this invitation (reservation key) may carry its note: yes when no budget applies to the
 * account, else only when its reservation took a note from the budget.
 */
export async function invitationNoteAllowed(db: Db, r: { accountId: string; idempotencyKey: string }): Promise<{ allowed: boolean; budget: number | null }> {
  const settings = await readAccountSettings(q(db), r.accountId);
  const type = await accountType(db, r.accountId);
  const budget = noteBudget(settings.safety, type);
  if (budget === null) return { allowed: true, budget };
  const held = await q(db).selectFrom('account_note_uses').select('idempotency_key').where('idempotency_key', '=', r.idempotencyKey).executeTakeFirst();
  return { allowed: Boolean(held), budget };
}

/** The invitation did not go out with its note after all (skipped, or sent without): the note goes back to the budget. */
export async function releaseNoteUse(db: Db, idempotencyKey: string): Promise<void> {
  await q(db).deleteFrom('account_note_uses').where('idempotency_key', '=', idempotencyKey).execute();
}

export async function accountType(db: Db, accountId: string): Promise<AccountType | null> {
  const row = await q(db).selectFrom('account_provider_state').select('account_type').where('account_id', '=', accountId).executeTakeFirst();
  return row?.account_type ?? null;
}

/** Whether the stored type is missing or older than ACCOUNT_TYPE_MAX_AGE_MS. */
export async function accountTypeStale(db: Db, accountId: string, now: Date): Promise<boolean> {
  const row = await q(db).selectFrom('account_provider_state').select('type_checked_at').where('account_id', '=', accountId).executeTakeFirst();
  return !row?.type_checked_at || now.getTime() - new Date(row.type_checked_at).getTime() > ACCOUNT_TYPE_MAX_AGE_MS;
}

type StatePatch = Partial<{
  account_type: AccountType | null;
  premium_features: string;
  type_checked_at: Date;
  inmail_balance: string;
  inmail_checked_at: Date;
  rate_limit: string;
  usage_percent: number | null;
  usage_at: Date;
}>;

async function upsertState(db: Db, accountId: string, patch: StatePatch): Promise<void> {
  const values = { account_id: accountId, ...patch, updated_at: new Date() };
  const { account_id: _id, ...update } = values;
  await q(db).insertInto('account_provider_state').values(values).onConflict((oc) => oc.column('account_id').doUpdateSet(update)).execute();
}

/** From Unipile's account object (`connection_params.im.premiumFeatures`). */
export async function recordAccountType(db: Db, accountId: string, premiumFeatures: unknown, at: Date): Promise<AccountType> {
  const type = accountTypeFromPremiumFeatures(premiumFeatures);
  await upsertState(db, accountId, { account_type: type, premium_features: JSON.stringify(Array.isArray(premiumFeatures) ? premiumFeatures : []), type_checked_at: at });
  return type;
}

/** A failed read of the type: try again in an hour, not on every reservation. */
export async function recordAccountTypeCheckFailed(db: Db, accountId: string, at: Date): Promise<void> {
  await upsertState(db, accountId, { type_checked_at: new Date(at.getTime() - ACCOUNT_TYPE_MAX_AGE_MS + 3_600_000) });
}

export async function recordInmailBalance(db: Db, accountId: string, balance: InmailBalance, at: Date): Promise<void> {
  await upsertState(db, accountId, { inmail_balance: JSON.stringify(balance), inmail_checked_at: at });
}

/** The invitation answer's `usage` (percent of LinkedIn's quota): slows invitations for a day from 50 %. */
export async function recordUsageSignal(db: Db, accountId: string, usagePercent: number, at: Date): Promise<void> {
  await upsertState(db, accountId, { usage_percent: Math.round(usagePercent), usage_at: at });
}

export async function recordRateLimitHeaders(db: Db, accountId: string, s: { limit: number | null; remaining: number | null; resetAt: Date | null }, at: Date): Promise<void> {
  await upsertState(db, accountId, { rate_limit: JSON.stringify({ limit: s.limit, remaining: s.remaining, resetAt: s.resetAt?.toISOString() ?? null, at: at.toISOString() }) });
}

export async function recordDisconnect(db: Db, accountId: string, reason: string, at: Date): Promise<void> {
  await q(db).insertInto('account_safety_events').values({ account_id: accountId, kind: 'disconnect', reason, at }).execute();
}
