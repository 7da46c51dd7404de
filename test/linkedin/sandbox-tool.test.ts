/**
 * The sandbox LinkedIn as a tool a user drives: its state survives a restart (stateFile), its own
 * acceptances follow a configurable delay and probability, and every control route of its README answers.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandboxLinkedIn, type SandboxHandle } from '../../src/linkedin/sandbox/server';
import { UnipileClient } from '../../src/linkedin/unipile.client';

const dir = mkdtempSync(join(tmpdir(), 'sandbox-state-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 5_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

void describe('sandbox LinkedIn state across restarts (stateFile)', () => {
  void it('keeps accounts, relations, invitations, chats, messages and the id counter; a planned acceptance still happens', async () => {
    const stateFile = join(dir, 'restart.json');
    const token = 'sbx-restart';
    let sb: SandboxHandle = await startSandboxLinkedIn({ stateFile, accessToken: token, acceptAfterMs: null });
    const client = () => new UnipileClient({ dsn: sb.dsn, accessToken: token });
    const account = sb.control.createAccount({ name: 'Kept' }).id;
    sb.control.setPerson('late-lou', { acceptAfterMs: 400, firstName: 'Lou' });
    sb.control.connect(account, 'conny-kept');
    const chat = await client().messaging.startNewChat({ account_id: account, attendees_ids: [sb.control.person('conny-kept').providerId], text: 'Hello before the restart' });
    const { messageId: replyBefore } = sb.control.reply(account, 'conny-kept', 'Reply before');
    await client().users.sendInvitation({ account_id: account, provider_id: sb.control.person('late-lou').providerId });
    await client().users.sendInvitation({ account_id: account, provider_id: sb.control.person('pending-pat').providerId });
    await sb.stop();

    sb = await startSandboxLinkedIn({ stateFile, accessToken: token, acceptAfterMs: null });
    try {
      assert.equal(sb.control.createAccount({ id: account }).id, account, 'the runner re-creating a known account changes nothing');
      assert.equal(sb.control.person('late-lou').firstName, 'Lou');
      const relations = await client().users.getAllRelations({ account_id: account });
      assert.deepEqual(
        relations.items.map((r) => r.public_identifier),
        ['conny-kept'],
      );
      assert.deepEqual(sb.control.chatMessages(account, 'conny-kept'), [
        { text: 'Hello before the restart', fromUs: true },
        { text: 'Reply before', fromUs: false },
      ]);
      // The id counter continues: a new message never reuses an id minted before the restart.
      const { messageId: replyAfter } = sb.control.reply(account, 'conny-kept', 'Reply after');
      const ids = (await client().messaging.getAllMessagesFromChat({ chat_id: chat.chat_id! })).items.map((m) => m.id);
      assert.equal(new Set(ids).size, 3);
      assert.ok(ids.includes(replyBefore) && ids.includes(replyAfter));
      // late-lou's acceptance was planned 400 ms after the invitation: it happens after the restart.
      await waitFor('late-lou accepted', async () =>
        (await client().users.getAllRelations({ account_id: account })).items.some((r) => r.public_identifier === 'late-lou') ? true : undefined,
      );
      assert.deepEqual(
        sb.control.pendingInvitations(account).map((i) => [sb.control.person(i.providerId).slug, i.acceptAt]),
        [['pending-pat', null]],
      );
      await assert.rejects(client().users.sendInvitation({ account_id: account, provider_id: sb.control.person('pending-pat').providerId }), /422 already_invited_recently/);
    } finally {
      await sb.stop();
    }
  });
});

void describe('sandbox LinkedIn acceptance policy', () => {
  const inviteMany = async (opts: { acceptProbability?: number; acceptAfterMs: number | null }, n: number) => {
    const sb = await startSandboxLinkedIn({ ...opts, seed: 3 });
    try {
      const c = new UnipileClient({ dsn: sb.dsn, accessToken: sb.accessToken });
      const a = sb.control.createAccount().id;
      for (let i = 0; i < n; i++) await c.users.sendInvitation({ account_id: a, provider_id: sb.control.person(`lead-${i}-x`).providerId });
      const planned = sb.control.pendingInvitations(a).filter((i) => i.acceptAt !== null).length;
      return { planned, sb, a };
    } catch (e) {
      await sb.stop();
      throw e;
    }
  };

  void it('acceptProbability 0: nothing is accepted on its own; 1: everything; 0.5: some of each, the same for a seed', async () => {
    const none = await inviteMany({ acceptProbability: 0, acceptAfterMs: 10 }, 10);
    await none.sb.stop();
    assert.equal(none.planned, 0);
    const all = await inviteMany({ acceptProbability: 1, acceptAfterMs: 60_000 }, 10);
    await all.sb.stop();
    assert.equal(all.planned, 10);
    const half = await inviteMany({ acceptProbability: 0.5, acceptAfterMs: 60_000 }, 20);
    await half.sb.stop();
    assert.ok(half.planned > 0 && half.planned < 20, `planned ${half.planned} of 20`);
    const again = await inviteMany({ acceptProbability: 0.5, acceptAfterMs: 60_000 }, 20);
    await again.sb.stop();
    assert.equal(again.planned, half.planned);
  });
});

void describe('sandbox LinkedIn control routes (src/linkedin/sandbox/README.md)', () => {
  void it('accounts, people, accept, ignore, reply, invitations, messages, faults, fail-next, calls, writes, deliveries', async () => {
    // Everyone accepts after 5 s on their own, unless told otherwise (Ada never on her own: /accept does it).
    const sb = await startSandboxLinkedIn({ acceptAfterMs: 5_000 });
    const ctl = (method: string, path: string, body?: unknown) =>
      fetch(`${sb.url}/_sandbox${path}`, { method, headers: { 'x-api-key': sb.accessToken, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined }).then(
        async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }),
      );
    const c = new UnipileClient({ dsn: sb.dsn, accessToken: sb.accessToken });
    try {
      const acc = (await ctl('POST', '/accounts', { name: 'Driven' })).body as { id: string };
      const ada = (await ctl('POST', '/people/ada-driven', { firstName: 'Ada', company: 'Analytical', acceptAfterMs: null })).body as { providerId: string };
      assert.equal((await ctl('GET', '/people/ada-driven')).body.firstName, 'Ada');
      await c.users.sendInvitation({ account_id: acc.id, provider_id: ada.providerId });
      const invitedIvyAt = Date.now();
      await c.users.sendInvitation({ account_id: acc.id, provider_id: sb.control.person('ivy-ignores').providerId });
      assert.deepEqual((await ctl('POST', '/ignore', { account_id: acc.id, person: 'ivy-ignores' })).body, { ignored: true });
      assert.ok(Date.now() - invitedIvyAt < 5_000, 'ignored before her planned acceptance (machine too slow for this check)');
      assert.deepEqual((await ctl('POST', '/accept', { account_id: acc.id, person: 'ada-driven' })).body, { accepted: true });
      await new Promise((r) => setTimeout(r, Math.max(0, invitedIvyAt + 5_500 - Date.now()))); // past her planned acceptance: still pending
      const pending = (await ctl('GET', `/invitations?account_id=${acc.id}`)).body.items as Array<{ providerId: string; acceptAt: null }>;
      assert.deepEqual(
        pending.map((i) => [i.providerId, i.acceptAt]),
        [[sb.control.person('ivy-ignores').providerId, null]],
      );
      assert.equal((await ctl('POST', '/reply', { account_id: acc.id, person: 'ada-driven', text: 'Hi there' })).status, 200);
      assert.deepEqual((await ctl('GET', `/messages?account_id=${acc.id}&person=ada-driven`)).body.items, [{ text: 'Hi there', fromUs: false }]);
      await ctl('POST', '/connect', { account_id: acc.id, person: 'conny-driven' });
      assert.equal((await c.users.getAllRelations({ account_id: acc.id })).items.length, 2);

      await ctl('POST', '/fail-next', { method: 'GET', path: '/api/v1/accounts', status: 503 });
      await assert.rejects(c.account.getAll(), /503/);
      await c.account.getAll();
      await ctl('PUT', '/faults', { errorRate: 1, statuses: [500] });
      await assert.rejects(c.account.getAll(), /500/);
      await ctl('DELETE', '/faults');
      await c.account.getAll();

      const calls = (await ctl('GET', '/calls')).body.items as Array<{ path: string; status: number; fault?: string }>;
      assert.deepEqual(
        calls.filter((x) => x.path === '/api/v1/accounts').map((x) => [x.status, x.fault ?? null]),
        [
          [503, 'rule'],
          [200, null],
          [500, 'error'],
          [200, null],
        ],
      );
      const writes = (await ctl('GET', '/writes')).body.items as Array<{ kind: string }>;
      assert.equal(writes.filter((w) => w.kind === 'invitation').length, 2);
      assert.deepEqual((await ctl('GET', '/deliveries')).body.items, []);
      assert.equal((await ctl('POST', `/accounts/${acc.id}/disconnect`, {})).status, 200);
      await assert.rejects(c.users.getAllRelations({ account_id: acc.id }), /401 disconnected_account/);
      assert.equal((await ctl('POST', `/accounts/${acc.id}/reconnect`)).status, 200);
      assert.equal((await ctl('GET', '/nope')).status, 404);
    } finally {
      await sb.stop();
    }
  });
});
