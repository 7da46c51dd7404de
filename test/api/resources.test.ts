import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seedCampaign, startTestApi, tableCounts, type TestApi } from './support';

void describe('accounts, webhook endpoints, lead lists, leads', () => {
  let api: TestApi;
  before(async () => (api = await startTestApi()));
  after(() => api.close());

  void it('connected accounts: create, duplicate 409, list, disconnect and reconnect', async () => {
    api.unipileAccount('unipile-1');
    const res = await api.call({
      method: 'POST',
      url: '/api/accounts',
      payload: { providerAccountId: 'unipile-1', displayName: 'Jane', capabilities: { premium: true } },
    });
    assert.equal(res.statusCode, 201);
    const account = res.json();
    assert.deepEqual(
      [account.status, account.provider, account.capabilities],
      ['connected', 'linkedin', { premium: true }],
    );

    const before = await tableCounts(api.db);
    const dup = await api.call({
      method: 'POST',
      url: '/api/accounts',
      payload: { providerAccountId: 'unipile-1' },
    });
    assert.equal(dup.statusCode, 409);
    assert.equal(dup.json().error.code, 'account_already_exists');
    assert.deepEqual(await tableCounts(api.db), before);
    // A Unipile account belongs to one organization (the victim scenario: test/api/account-ownership.test.ts).
    const taken = await api.call({
      as: api.orgB,
      method: 'POST',
      url: '/api/accounts',
      payload: { providerAccountId: 'unipile-1' },
    });
    assert.equal(taken.statusCode, 409);
    assert.equal(taken.json().error.code, 'account_taken');

    await api.db
      .updateTable('connected_accounts')
      .set({ status: 'error', status_reason: 'credentials expired' })
      .where('id', '=', account.id)
      .execute();
    const reconnected = await api.call({
      method: 'PATCH',
      url: `/api/accounts/${account.id}`,
      payload: { status: 'connected' },
    });
    assert.deepEqual([reconnected.json().status, reconnected.json().statusReason], ['connected', null]);
    const renamed = await api.call({
      method: 'PATCH',
      url: `/api/accounts/${account.id}`,
      payload: { displayName: 'Jane D.' },
    });
    assert.equal(renamed.json().displayName, 'Jane D.');
    assert.equal(
      (await api.call({ method: 'PATCH', url: `/api/accounts/${account.id}`, payload: {} })).statusCode,
      400,
    );

    const list = (await api.call({ method: 'GET', url: '/api/accounts' })).json();
    assert.deepEqual(
      list.items.map((a: { providerAccountId: string }) => a.providerAccountId),
      ['unipile-1'],
    );
  });

  void it('deleting an account a running campaign uses answers 409 account_in_use; otherwise it goes and the campaign loses its sender', async () => {
    const { account, campaign } = await seedCampaign(api, api.orgA);
    await api.db
      .updateTable('campaigns')
      .set({ status: 'in_progress' })
      .where('id', '=', campaign.id)
      .execute();
    const before = await tableCounts(api.db);
    const res = await api.call({ method: 'DELETE', url: `/api/accounts/${account.id}` });
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().error.code, 'account_in_use');
    assert.deepEqual(res.json().error.details, { campaignIds: [campaign.id] });
    assert.deepEqual(await tableCounts(api.db), before);

    await api.db
      .updateTable('campaigns')
      .set({ status: 'completed' })
      .where('id', '=', campaign.id)
      .execute();
    assert.equal((await api.call({ method: 'DELETE', url: `/api/accounts/${account.id}` })).statusCode, 204);
    assert.equal((await api.call({ method: 'GET', url: `/api/accounts/${account.id}` })).statusCode, 404);
    assert.equal(
      (await api.call({ method: 'GET', url: `/api/campaigns/${campaign.id}` })).json().senderAccountId,
      null,
    );
  });

  void it('webhook endpoints: the signing secret is shown once, never listed', async () => {
    const res = await api.call({
      method: 'POST',
      url: '/api/webhook-endpoints',
      payload: { name: 'CRM', url: 'https://crm.example.com/hooks/clento' },
    });
    assert.equal(res.statusCode, 201);
    const created = res.json();
    assert.match(created.signingSecret, /^whsec_[A-Za-z0-9_-]{43}$/);
    const one = (await api.call({ method: 'GET', url: `/api/webhook-endpoints/${created.id}` })).json();
    assert.equal(one.signingSecret, undefined);
    const list = await api.call({ method: 'GET', url: '/api/webhook-endpoints' });
    assert.ok(!list.body.includes(created.signingSecret));
    assert.equal(list.json().items.length, 1);

    const bad = await api.call({
      method: 'POST',
      url: '/api/webhook-endpoints',
      payload: { url: 'ftp://example.com/x' },
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.details[0].path, 'body.url');
    assert.equal(
      (await api.call({ method: 'DELETE', url: `/api/webhook-endpoints/${created.id}` })).statusCode,
      204,
    );
    assert.equal(
      (await api.call({ method: 'DELETE', url: `/api/webhook-endpoints/${created.id}` })).statusCode,
      404,
    );
  });

  void it('lead lists: create, rename, page through with a cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1)
      ids.push(
        (
          await api.call({ as: api.orgB, method: 'POST', url: '/api/lead-lists', payload: { name: `L${i}` } })
        ).json().id,
      );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Array<{ id: string }>; nextCursor: string | null } = (
        await api.call({
          as: api.orgB,
          method: 'GET',
          url: `/api/lead-lists?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        })
      ).json();
      assert.ok(page.items.length <= 2);
      seen.push(...page.items.map((l: { id: string }) => l.id));
      cursor = page.nextCursor;
    } while (cursor);
    assert.deepEqual([...seen].sort(), [...ids].sort());

    const patched = await api.call({
      as: api.orgB,
      method: 'PATCH',
      url: `/api/lead-lists/${ids[0]}`,
      payload: { name: 'Renamed', description: null },
    });
    assert.equal(patched.json().name, 'Renamed');
  });

  void it('leads: page by cursor, get one, delete one (total kept), refuse while a campaign processes it', async () => {
    const { list, campaign } = await seedCampaign(api, api.orgA, { leads: 5 });
    const page1 = (await api.call({ method: 'GET', url: `/api/lead-lists/${list.id}/leads?limit=3` })).json();
    const page2 = (
      await api.call({
        method: 'GET',
        url: `/api/lead-lists/${list.id}/leads?limit=3&cursor=${page1.nextCursor}`,
      })
    ).json();
    assert.deepEqual([page1.items.length, page2.items.length, page2.nextCursor], [3, 2, null]);
    const lead = page1.items[0];
    assert.equal(
      (await api.call({ method: 'GET', url: `/api/leads/${lead.id}` })).json().linkedinUrl,
      lead.linkedinUrl,
    );

    await api.db
      .insertInto('campaign_executions')
      .values({ campaign_id: campaign.id, lead_id: lead.id, status: 'in_progress', execution_data: '{}' })
      .execute();
    const busy = await api.call({ method: 'DELETE', url: `/api/leads/${lead.id}` });
    assert.equal(busy.statusCode, 409);
    assert.equal(busy.json().error.code, 'lead_in_use');

    const other = page1.items[1];
    assert.equal((await api.call({ method: 'DELETE', url: `/api/leads/${other.id}` })).statusCode, 204);
    assert.equal((await api.call({ method: 'GET', url: `/api/leads/${other.id}` })).statusCode, 404);
    assert.equal((await api.call({ method: 'GET', url: `/api/lead-lists/${list.id}` })).json().totalLeads, 4);
  });

  void it('a lead list a campaign uses cannot be deleted (409 lead_list_in_use); once the campaign is deleted it can', async () => {
    const { list, campaign } = await seedCampaign(api, api.orgA);
    const before = await tableCounts(api.db);
    const res = await api.call({ method: 'DELETE', url: `/api/lead-lists/${list.id}` });
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().error.code, 'lead_list_in_use');
    assert.deepEqual(await tableCounts(api.db), before);

    assert.equal(
      (await api.call({ method: 'DELETE', url: `/api/campaigns/${campaign.id}` })).statusCode,
      204,
    );
    assert.equal((await api.call({ method: 'DELETE', url: `/api/lead-lists/${list.id}` })).statusCode, 204);
    assert.equal(
      (await api.call({ method: 'GET', url: `/api/lead-lists/${list.id}/leads` })).statusCode,
      404,
    );
    assert.equal((await tableCounts(api.db)).leads, before.leads! - 2);
  });
});
