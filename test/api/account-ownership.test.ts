import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { UnipileClient } from '../../src/linkedin/unipile.client';
import { unipileAccountDirectory } from '../../src/runtime/account-directory';
import { signLinkToken } from '../../src/services/account-ownership';
import { startTestApi, tableCounts, TEST_HOSTED_AUTH_SECRET, type TestApi } from './support';

/**
 * Issue 8, security 1: a Unipile account belongs to exactly one organization, and an organization
 * proves it owns one through Unipile's hosted auth link (the sandbox plays Unipile, over HTTP).
 */
void describe('account ownership', () => {
  let api: TestApi;
  let baseUrl: string;
  before(async () => {
    api = await startTestApi();
    baseUrl = await api.listen();
  });
  after(() => api.close());

  const register = (as: TestApi['orgA'], providerAccountId: string) =>
    api.call({ as, method: 'POST', url: '/api/accounts', payload: { providerAccountId } });

  void it("the victim scenario: another organization's Unipile account id is refused with 409 account_taken", async () => {
    const victim = api.orgB;
    const attacker = api.orgA;
    const victimAccount = api.unipileAccount();
    assert.equal((await register(victim, victimAccount)).statusCode, 201);

    const before = await tableCounts(api.db);
    const res = await register(attacker, victimAccount);
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().error.code, 'account_taken');
    assert.ok(!res.body.includes(victim.organizationId), 'the answer does not say who holds it');
    assert.deepEqual(await tableCounts(api.db), before, 'nothing was written');
    // The attacker has no account to send from, so no campaign of theirs can use the victim's.
    const attackerAccounts = (await api.call({ as: attacker, method: 'GET', url: '/api/accounts' })).json();
    assert.ok(!attackerAccounts.items.some((a: { providerAccountId: string }) => a.providerAccountId === victimAccount));
    // The victim still holds it, alone.
    const holders = await api.db.selectFrom('connected_accounts').select('organization_id').where('provider_account_id', '=', victimAccount).execute();
    assert.deepEqual(holders, [{ organization_id: victim.organizationId }]);
  });

  void it('two organizations racing for the same id: exactly one wins (the unique constraint decides)', async () => {
    for (let round = 0; round < 5; round++) {
      const id = api.unipileAccount();
      const answers = await Promise.all([register(api.orgA, id), register(api.orgB, id), register(api.orgA, id), register(api.orgB, id)]);
      const codes = answers.map((r) => (r.statusCode === 201 ? 'created' : r.json().error.code)).sort();
      assert.equal(codes.filter((c) => c === 'created').length, 1, codes.join(','));
      assert.ok(codes.every((c) => ['created', 'account_taken', 'account_already_exists'].includes(c)), codes.join(','));
      const rows = await api.db.selectFrom('connected_accounts').select('organization_id').where('provider_account_id', '=', id).execute();
      assert.equal(rows.length, 1);
    }
  });

  void it('an id Unipile does not know, or a non-LinkedIn account, is refused with 422 provider_account_invalid', async () => {
    const before = await tableCounts(api.db);
    const unknown = await register(api.orgA, 'no-such-account');
    assert.equal(unknown.statusCode, 422);
    assert.equal(unknown.json().error.code, 'provider_account_invalid');
    const whatsapp = api.sandbox.control.createAccount({ type: 'WHATSAPP' }).id;
    const wrongKind = await register(api.orgA, whatsapp);
    assert.equal(wrongKind.statusCode, 422);
    assert.match(wrongKind.json().error.message, /WHATSAPP/);
    assert.deepEqual(await tableCounts(api.db), before);
    assert.ok(api.sandbox.calls({ method: 'GET', path: '/api/v1/accounts/no-such-account' }).length >= 1, 'Unipile was asked');
  });

  void it('Unipile unreachable: 503 unipile_unavailable, nothing registered', async () => {
    const offline = await startTestApi({
      accountDirectory: unipileAccountDirectory(new UnipileClient({ dsn: 'http://127.0.0.1:1', accessToken: 'x', timeoutMs: 2000 })),
    });
    try {
      const res = await offline.call({ method: 'POST', url: '/api/accounts', payload: { providerAccountId: 'whatever' } });
      assert.equal(res.statusCode, 503);
      assert.equal(res.json().error.code, 'unipile_unavailable');
      assert.equal((await tableCounts(offline.db)).connected_accounts, 0);
    } finally {
      await offline.close();
    }
  });

  void it('hosted auth: the link names the organization; completing it in the sandbox connects the account to that organization only', async () => {
    const link = await api.call({ method: 'POST', url: '/api/accounts/hosted-link', payload: {} });
    assert.equal(link.statusCode, 201);
    const { url, expiresAt } = link.json();
    assert.ok(Date.parse(expiresAt) > Date.now());
    const asked = api.sandbox.control.hostedLinks().at(-1)!;
    assert.equal(asked.url, url);
    assert.equal(asked.notifyUrl, `${baseUrl}/api/webhooks/unipile/hosted-auth`);
    assert.match(asked.name, new RegExp(`^clh1\\.${api.orgA.organizationId}\\.`));

    // The user opens the link and finishes the wizard (the sandbox page's form posts back to it).
    const page = await fetch(url);
    assert.equal(page.status, 200);
    await page.arrayBuffer();
    const done = (await fetch(url, { method: 'POST' }).then((r) => r.json())) as { accountId: string; status: string; notifyStatus: number };
    assert.deepEqual([done.status, done.notifyStatus], ['CREATION_SUCCESS', 200]);

    const mine = (await api.call({ method: 'GET', url: '/api/accounts?limit=500' })).json();
    const connected = mine.items.find((a: { providerAccountId: string }) => a.providerAccountId === done.accountId);
    assert.ok(connected, 'the account is connected to organization A');
    assert.equal(connected.status, 'connected');
    const theirs = (await api.call({ as: api.orgB, method: 'GET', url: '/api/accounts?limit=500' })).json();
    assert.ok(!theirs.items.some((a: { providerAccountId: string }) => a.providerAccountId === done.accountId));

    // Unipile delivering the callback again changes nothing; organization B cannot then register it.
    // (Sent as text/plain this time: Unipile's calls do not always say they are JSON.)
    const again = await api.app.inject({
      method: 'POST',
      url: '/api/webhooks/unipile/hosted-auth',
      headers: { 'content-type': 'text/plain' },
      payload: JSON.stringify({ status: 'CREATION_SUCCESS', account_id: done.accountId, name: asked.name }),
    });
    assert.deepEqual([again.statusCode, again.json().created, again.json().accountId], [200, false, connected.id]);
    assert.equal((await register(api.orgB, done.accountId)).json().error.code, 'account_taken');
  });

  void it('the callback refuses forged, tampered and expired tokens, and accounts Unipile does not know', async () => {
    const callback = (name: string, accountId: string) =>
      api.app.inject({ method: 'POST', url: '/api/webhooks/unipile/hosted-auth', payload: { status: 'CREATION_SUCCESS', account_id: accountId, name } });
    const target = api.unipileAccount();
    const before = await tableCounts(api.db);
    const inAnHour = new Date(Date.now() + 3600_000);

    const forged = signLinkToken('not-our-secret', api.orgA.organizationId, inAnHour);
    const genuineForB = signLinkToken(TEST_HOSTED_AUTH_SECRET, api.orgB.organizationId, inAnHour);
    const tampered = genuineForB.replace(api.orgB.organizationId, api.orgA.organizationId);
    const expired = signLinkToken(TEST_HOSTED_AUTH_SECRET, api.orgA.organizationId, new Date(Date.now() - 1000));
    for (const [what, token] of [
      ['forged', forged],
      ['tampered', tampered],
      ['expired', expired],
      ['not a token', api.orgA.organizationId],
    ] as const) {
      const res = await callback(token, target);
      assert.equal(res.statusCode, 401, what);
      assert.equal(res.json().error.code, 'invalid_hosted_auth_token', what);
    }
    const unknown = await callback(signLinkToken(TEST_HOSTED_AUTH_SECRET, api.orgA.organizationId, inAnHour), 'made-up-account');
    assert.equal(unknown.statusCode, 422);
    assert.equal(unknown.json().error.code, 'provider_account_invalid');
    assert.deepEqual(await tableCounts(api.db), before, 'nothing was connected');
  });

  void it('reconnect through the hosted link: the account is ours again and connected', async () => {
    const id = api.unipileAccount();
    const account = (await register(api.orgA, id)).json();
    await api.db.updateTable('connected_accounts').set({ status: 'disconnected', status_reason: 'CREDENTIALS' }).where('id', '=', account.id).execute();
    const foreign = await api.call({ as: api.orgB, method: 'POST', url: '/api/accounts/hosted-link', payload: { reconnectAccountId: account.id } });
    assert.equal(foreign.statusCode, 404, "another organization's account id is not found");
    const link = (await api.call({ method: 'POST', url: '/api/accounts/hosted-link', payload: { reconnectAccountId: account.id } })).json();
    const linkId = new URL(link.url).pathname.split('/').pop()!;
    const done = await api.sandbox.control.completeHostedLink(linkId);
    assert.deepEqual([done.status, done.accountId, done.notifyStatus], ['RECONNECTED', id, 200]);
    const after = (await api.call({ method: 'GET', url: `/api/accounts/${account.id}` })).json();
    assert.deepEqual([after.status, after.statusReason], ['connected', null]);
  });
});
