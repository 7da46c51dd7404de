// Which sender of a pool a lead gets (issue 11), on a real database: a sender already connected to the
// person comes first, whether the connection is known from a message it sent, an invitation the person
// accepted or a `new_relation` event from Unipile (by provider id or public identifier); otherwise the
// sender with the most room for the first write, relative to its limit; a connection to another
// organization's account counts for nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { replaceCampaignSenders } from '../../src/db/repositories/campaign-sender.repository';
import type { QuotaTables } from '../../src/quota/quota.schema';
import { updateAccountSettings } from '../../src/quota/quota.repository';
import { assignLeadSender, chooseSender } from '../../src/services/sender-assignment';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { quickDefinition, seedCampaign } from '../support/fixtures';

describe('sender assignment', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db?.drop());

  /** A campaign of `leads` leads whose pool has three senders, each with 20 invitations a day; the first two used 10 of theirs today. */
  async function pool(prefix: string, leads = 3) {
    const seeded = await seedCampaign(db.db, { unipileAccountId: `${prefix}-a`, definition: quickDefinition(), leads, slugPrefix: prefix });
    const ids = [seeded.accountId];
    for (const name of ['b', 'c']) {
      const row = await db.db
        .insertInto('connected_accounts')
        .values({ organization_id: seeded.organizationId, provider_account_id: `${prefix}-${name}`, display_name: name, capabilities: '{}' })
        .returning('id')
        .executeTakeFirstOrThrow();
      ids.push(row.id);
    }
    for (const [i, id] of ids.entries()) {
      await updateAccountSettings(db.db, id, { timezone: 'UTC', workingHours: { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' }, limits: { invitation: { daily: 20, weekly: null } }, warmup: { days: 0, startPercent: 100 } });
      if (i === 2) continue;
      const now = new Date();
      await db.db
        .withTables<QuotaTables>()
        .insertInto('account_action_grants')
        .values(Array.from({ length: 10 }, (_, k) => ({ account_id: id, kind: 'invitation' as const, idempotency_key: `${prefix}-used-${i}-${k}`, granted_at: now, local_day: now.toISOString().slice(0, 10), local_week: 'W' })))
        .execute();
    }
    await replaceCampaignSenders(db.db, seeded.campaignId, ids);
    return { seeded, ids };
  }
  const assign = (seeded: { organizationId: string; campaignId: string }, leadId: string) =>
    assignLeadSender(db.db, { organizationId: seeded.organizationId, campaignId: seeded.campaignId, leadId, firstWrite: { kind: 'invitation', stepId: 'invite' }, now: new Date().toISOString() });

  it('without any connection the sender with the most room relative to its limit', async () => {
    const { seeded, ids } = await pool('room');
    assert.deepEqual(await assign(seeded, seeded.leadIds[0]!), { accountId: ids[2], reason: 'most_room' });
  });

  it('a sender the person accepted an invitation from, or that messaged them, is 1st degree and comes first', async () => {
    const { seeded, ids } = await pool('known');
    const [accepted, messaged] = seeded.leadIds as [string, string];
    await db.db.updateTable('leads').set({ provider_id: 'ACoAAAccepted' }).where('id', '=', accepted).execute();
    await db.db.updateTable('leads').set({ provider_id: 'ACoAAMessaged' }).where('id', '=', messaged).execute();
    await db.db
      .withTables<QuotaTables>()
      .insertInto('account_invitations')
      .values({ account_id: ids[1]!, provider_id: 'ACoAAAccepted', sent_at: new Date(Date.now() - 86_400_000), state: 'accepted', resolved_at: new Date() })
      .execute();
    await db.db
      .insertInto('linkedin_actions' as never)
      .values({ organization_id: seeded.organizationId, account_id: ids[0], kind: 'message', idempotency_key: 'known-message-1', target_provider_id: 'ACoAAMessaged', status: 'succeeded' })
      .execute();
    assert.deepEqual(await assign(seeded, accepted), { accountId: ids[1], reason: 'first_degree' });
    assert.deepEqual(await assign(seeded, messaged), { accountId: ids[0], reason: 'first_degree' });
  });

  it("Unipile's new_relation event makes a sender 1st degree, matched by provider id or by the profile's public identifier", async () => {
    const { seeded, ids } = await pool('related');
    const [byId, bySlug, elsewhere] = seeded.leadIds as [string, string, string];
    await db.db.updateTable('leads').set({ provider_id: 'ACoAARelated' }).where('id', '=', byId).execute();
    const event = (key: string, account: string, payload: object) =>
      db.db.insertInto('unipile_events').values({ event_key: key, event_type: 'new_relation', unipile_account_id: account, payload: JSON.stringify({ event: 'new_relation', account_id: account, ...payload }), received_at: new Date() }).execute();
    await event('rel-1', 'related-b', { user_provider_id: 'ACoAARelated' });
    // seedCampaign's leads are https://www.linkedin.com/in/<prefix>-<n>/: the second lead, by its slug.
    await event('rel-2', 'related-a', { user_public_identifier: 'Related-2' });
    // The same person connected to an account of another organization: nothing for this pool.
    const other = await seedCampaign(db.db, { unipileAccountId: 'related-foreign', definition: quickDefinition(), leads: 1, slugPrefix: 'foreign' });
    await event('rel-3', 'related-foreign', { user_public_identifier: 'related-3' });
    assert.ok(other.accountId);
    assert.deepEqual(await assign(seeded, byId), { accountId: ids[1], reason: 'first_degree' });
    assert.deepEqual(await assign(seeded, bySlug), { accountId: ids[0], reason: 'first_degree' });
    assert.deepEqual(await assign(seeded, elsewhere), { accountId: ids[2], reason: 'most_room' });
  });

  it('the pure choice: 1st degree, then room over the limit net of leads already waiting, then the account id', () => {
    const c = (accountId: string, o: Partial<Parameters<typeof chooseSender>[0][number]> = {}) => ({ accountId, firstDegree: false, remaining: 10, dailyLimit: 10, waiting: 0, ...o });
    assert.equal(chooseSender([c('a'), c('b', { firstDegree: true, remaining: 0 })])!.accountId, 'b');
    assert.equal(chooseSender([c('a', { waiting: 6 }), c('b', { remaining: 5 })])!.accountId, 'b');
    assert.equal(chooseSender([c('b'), c('a')])!.accountId, 'a');
    assert.equal(chooseSender([c('a', { remaining: 40, dailyLimit: 40, waiting: 20 }), c('b', { remaining: 10, dailyLimit: 10, waiting: 4 })])!.accountId, 'b', '(40-20)/40 < (10-4)/10');
  });
});
