import type { Db } from '../connection';
import type { AccountStatus, ConnectedAccount } from '../schema';
import { ACTIVE_CAMPAIGN_STATUSES } from './campaign.repository';

/** Connected LinkedIn accounts, always scoped by organization. */

/**
 * A Unipile account belongs to one organization: the unique index on (provider, provider_account_id)
 * decides, so two organizations racing for the same id cannot both get it. On a conflict the
 * holder is read only to say whether it is this organization or another one.
 */
export async function insertAccount(
  db: Db,
  input: {
    organizationId: string;
    providerAccountId: string;
    displayName?: string | null;
    capabilities?: Record<string, unknown>;
    status?: AccountStatus;
  },
): Promise<{ inserted: ConnectedAccount } | { conflict: 'same_organization' | 'other_organization'; existing?: ConnectedAccount }> {
  const row = await db
    .insertInto('connected_accounts')
    .values({
      organization_id: input.organizationId,
      provider_account_id: input.providerAccountId,
      display_name: input.displayName ?? null,
      capabilities: JSON.stringify(input.capabilities ?? {}),
      ...(input.status ? { status: input.status } : {}),
    })
    .onConflict((oc) => oc.columns(['provider', 'provider_account_id']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (row) return { inserted: row };
  const holder = await findByProviderAccountId(db, input.providerAccountId);
  if (holder && holder.organization_id === input.organizationId) return { conflict: 'same_organization', existing: holder };
  return { conflict: 'other_organization' };
}

export async function findByProviderAccountId(db: Db, providerAccountId: string): Promise<ConnectedAccount | undefined> {
  return db
    .selectFrom('connected_accounts')
    .selectAll()
    .where('provider', '=', 'linkedin')
    .where('provider_account_id', '=', providerAccountId)
    .executeTakeFirst();
}

export async function listAccounts(
  db: Db,
  organizationId: string,
  page: { limit: number; cursor?: string },
): Promise<ConnectedAccount[]> {
  let query = db.selectFrom('connected_accounts').selectAll().where('organization_id', '=', organizationId);
  if (page.cursor) query = query.where('id', '>', page.cursor);
  return query
    .orderBy('id')
    .limit(page.limit + 1)
    .execute();
}

export async function findAccount(
  db: Db,
  organizationId: string,
  id: string,
): Promise<ConnectedAccount | undefined> {
  return db
    .selectFrom('connected_accounts')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function updateAccount(
  db: Db,
  organizationId: string,
  id: string,
  patch: { displayName?: string | null; status?: AccountStatus },
): Promise<ConnectedAccount | undefined> {
  return db
    .updateTable('connected_accounts')
    .set({
      updated_at: new Date(),
      ...(patch.displayName !== undefined ? { display_name: patch.displayName } : {}),
      // Setting `connected` again is a reconnect: whatever made it fail no longer applies.
      ...(patch.status
        ? { status: patch.status, ...(patch.status === 'connected' ? { status_reason: null } : {}) }
        : {}),
    })
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Campaigns (not deleted) that are running on this account: in progress, scheduled or paused. */
export async function activeCampaignsUsingAccount(
  db: Db,
  organizationId: string,
  accountId: string,
): Promise<string[]> {
  const rows = await db
    .selectFrom('campaigns')
    .select('id')
    .where('organization_id', '=', organizationId)
    // The campaign's first sender, or any sender of its pool (a removed one may still finish its leads).
    .where((eb) =>
      eb.or([
        eb('sender_account', '=', accountId),
        eb.exists(eb.selectFrom('campaign_senders as s').select('s.account_id').whereRef('s.campaign_id', '=', 'campaigns.id').where('s.account_id', '=', accountId)),
      ]),
    )
    .where('is_deleted', '=', false)
    .where('status', 'in', ACTIVE_CAMPAIGN_STATUSES)
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Deletes the account unless a running campaign sends from it. Campaigns that are not running keep
 * their history but lose the sender (the foreign key forbids a dangling one); they need a new
 * sender before they can start again.
 */
export async function deleteAccount(
  db: Db,
  organizationId: string,
  id: string,
): Promise<
  | { deleted: true }
  | { deleted: false; reason: 'not_found' }
  | { deleted: false; reason: 'in_use'; campaignIds: string[] }
> {
  return db.transaction().execute(async (trx) => {
    const account = await trx
      .selectFrom('connected_accounts')
      .select('id')
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!account) return { deleted: false, reason: 'not_found' } as const;
    const campaignIds = await activeCampaignsUsingAccount(trx, organizationId, id);
    if (campaignIds.length > 0) return { deleted: false, reason: 'in_use', campaignIds } as const;
    // Inactive campaigns lose it from their pools; one it was the first sender of takes the next one (or none).
    await trx.deleteFrom('campaign_senders').where('account_id', '=', id).execute();
    await trx
      .updateTable('campaigns')
      .set((eb) => ({
        sender_account: eb
          .selectFrom('campaign_senders as s')
          .select('s.account_id')
          .whereRef('s.campaign_id', '=', 'campaigns.id')
          .where('s.removed_at', 'is', null)
          .orderBy('s.position')
          .limit(1),
        updated_at: new Date(),
      }))
      .where('sender_account', '=', id)
      .execute();
    await trx.updateTable('campaign_executions').set({ sender_account_id: null }).where('sender_account_id', '=', id).execute();
    await trx.deleteFrom('connected_accounts').where('id', '=', id).execute();
    return { deleted: true } as const;
  });
}
