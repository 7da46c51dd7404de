import type { Db } from '../connection';

/**
 * A campaign's sender pool (issue 11). `campaign_senders` holds the pool; `campaigns.sender_account`
 * names its first active sender, so the design's single sender stays valid. A campaign written with
 * only `sender_account` (the existing front end, rows older than pools) is a pool of that one.
 */

export interface CampaignSender {
  accountId: string;
  addedAt: Date;
  removedAt: Date | null;
}

/** Every sender the campaign has had, active first in pool order, then the removed ones. */
export async function listCampaignSenders(db: Db, campaignId: string): Promise<CampaignSender[]> {
  const rows = await db
    .selectFrom('campaign_senders')
    .select(['account_id', 'added_at', 'removed_at'])
    .where('campaign_id', '=', campaignId)
    .orderBy((eb) => eb.case().when('removed_at', 'is', null).then(0).else(1).end())
    .orderBy('position')
    .execute();
  if (rows.length > 0) return rows.map((r) => ({ accountId: r.account_id, addedAt: new Date(r.added_at), removedAt: r.removed_at ? new Date(r.removed_at) : null }));
  const campaign = await db.selectFrom('campaigns').select(['sender_account', 'created_at']).where('id', '=', campaignId).executeTakeFirst();
  return campaign?.sender_account ? [{ accountId: campaign.sender_account, addedAt: new Date(campaign.created_at), removedAt: null }] : [];
}

export async function activeSenderIds(db: Db, campaignId: string): Promise<string[]> {
  return (await listCampaignSenders(db, campaignId)).filter((s) => s.removedAt === null).map((s) => s.accountId);
}

/**
 * Makes `accountIds` (non-empty, in order) the campaign's active pool: new ones added, missing ones
 * marked removed (their rows stay for the leads they contacted), `sender_account` set to the first.
 * Run it in the transaction that writes the campaign.
 */
export async function replaceCampaignSenders(db: Db, campaignId: string, accountIds: readonly string[], now = new Date()): Promise<void> {
  await materialize(db, campaignId);
  for (const [position, accountId] of accountIds.entries()) {
    await db
      .insertInto('campaign_senders')
      .values({ campaign_id: campaignId, account_id: accountId, position, added_at: now })
      .onConflict((oc) =>
        oc.columns(['campaign_id', 'account_id']).doUpdateSet((eb) => ({
          position,
          // Re-adding a removed sender starts it again; an active one keeps its added_at.
          added_at: eb.case().when('campaign_senders.removed_at', 'is', null).then(eb.ref('campaign_senders.added_at')).else(now).end(),
          removed_at: null,
        })),
      )
      .execute();
  }
  await db
    .updateTable('campaign_senders')
    .set({ removed_at: now })
    .where('campaign_id', '=', campaignId)
    .where('removed_at', 'is', null)
    .where('account_id', 'not in', [...accountIds])
    .execute();
  await db.updateTable('campaigns').set({ sender_account: accountIds[0] }).where('id', '=', campaignId).execute();
}

/** Adds one sender at the end of the pool (re-activates it if it was removed). */
export async function addCampaignSender(db: Db, campaignId: string, accountId: string, now = new Date()): Promise<void> {
  const active = await activeSenderIds(db, campaignId);
  if (active.includes(accountId)) return;
  await replaceCampaignSenders(db, campaignId, [...active, accountId], now);
}

/** Removes one sender; false when it is the last active one (a campaign keeps at least one). */
export async function removeCampaignSender(db: Db, campaignId: string, accountId: string, now = new Date()): Promise<boolean> {
  const active = await activeSenderIds(db, campaignId);
  const rest = active.filter((id) => id !== accountId);
  if (rest.length === 0) return false;
  if (rest.length !== active.length) await replaceCampaignSenders(db, campaignId, rest, now);
  return true;
}

/** A campaign whose pool lives only in `sender_account` gets its row before the pool changes. */
async function materialize(db: Db, campaignId: string): Promise<void> {
  await db
    .insertInto('campaign_senders')
    .columns(['campaign_id', 'account_id', 'position', 'added_at'])
    .expression((eb) =>
      eb
        .selectFrom('campaigns')
        .select((s) => [s.ref('id').as('campaign_id'), s.ref('sender_account').as('account_id'), s.lit(0).as('position'), s.ref('created_at').as('added_at')])
        .where('id', '=', campaignId)
        .where('sender_account', 'is not', null)
        .where((w) => w.not(w.exists(w.selectFrom('campaign_senders').select('account_id').where('campaign_id', '=', campaignId)))),
    )
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** The active pools of several campaigns in one query (the campaigns list), same fallback as above. */
export async function activeSenderIdsOf(db: Db, campaigns: ReadonlyArray<{ id: string; sender_account: string | null }>): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (campaigns.length === 0) return out;
  const rows = await db
    .selectFrom('campaign_senders')
    .select(['campaign_id', 'account_id', 'removed_at'])
    .where('campaign_id', 'in', campaigns.map((c) => c.id))
    .orderBy('position')
    .execute();
  const known = new Set(rows.map((r) => r.campaign_id));
  for (const r of rows) if (r.removed_at === null) out.set(r.campaign_id, [...(out.get(r.campaign_id) ?? []), r.account_id]);
  for (const c of campaigns) if (!known.has(c.id)) out.set(c.id, c.sender_account ? [c.sender_account] : []);
  return out;
}

/** The active senders with their account status (only the organization's own accounts). */
export async function activeSenderStatuses(db: Db, organizationId: string, campaignId: string): Promise<Array<{ accountId: string; status: string }>> {
  const ids = await activeSenderIds(db, campaignId);
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('connected_accounts').select(['id', 'status']).where('id', 'in', ids).where('organization_id', '=', organizationId).execute();
  return ids.flatMap((id) => rows.filter((r) => r.id === id).map((r) => ({ accountId: r.id, status: r.status })));
}

/** Running campaigns with `accountId` in their active pool (pool rows, or sender_account for a pool of one). */
export async function runningCampaignsWithSender(db: Db, accountId: string): Promise<Array<{ id: string; organizationId: string }>> {
  const rows = await db
    .selectFrom('campaigns as c')
    .select(['c.id', 'c.organization_id'])
    .where('c.status', '=', 'in_progress')
    .where((eb) =>
      eb.or([
        eb.exists(eb.selectFrom('campaign_senders as s').select('s.account_id').whereRef('s.campaign_id', '=', 'c.id').where('s.account_id', '=', accountId).where('s.removed_at', 'is', null)),
        eb.and([eb('c.sender_account', '=', accountId), eb.not(eb.exists(eb.selectFrom('campaign_senders as s').select('s.account_id').whereRef('s.campaign_id', '=', 'c.id')))]),
      ]),
    )
    .execute();
  return rows.map((r) => ({ id: r.id, organizationId: r.organization_id }));
}
