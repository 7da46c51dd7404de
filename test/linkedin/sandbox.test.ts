import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSandboxLinkedIn, type SandboxHandle } from '../../src/linkedin/sandbox/server';
import { providerIdForSlug, slugFromProviderId } from '../../src/linkedin/sandbox/people';
import { UnipileClient } from '../../src/linkedin/unipile.client';
import { UnipileError } from '../../src/linkedin/errors';
import { registerProductWebhooks } from '../../src/linkedin/register-webhooks';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A webhook receiver that fails the first `failFirst` deliveries with 500. */
async function receiver(failFirst = 0): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  let n = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(n++ < failFirst ? 500 : 200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks/unipile`, received, server };
}

void describe('sandbox LinkedIn', () => {
  let sb: SandboxHandle;
  let client: UnipileClient;
  const servers: Server[] = [];
  before(async () => {
    sb = await startSandboxLinkedIn({ webhookRetryDelaysMs: [5, 5, 5, 5, 5] });
    client = new UnipileClient({ dsn: sb.dsn, accessToken: sb.accessToken });
  });
  after(async () => {
    await sb.stop();
    for (const s of servers) s.close();
  });

  void it('provider ids are derived from the slug and decode back', () => {
    const id = providerIdForSlug('jean-dupont-12');
    assert.match(id, /^ACoAA[A-Za-z0-9_-]+$/);
    assert.equal(slugFromProviderId(id), 'jean-dupont-12');
    assert.equal(slugFromProviderId('ACoAAAcDMMQ'), null);
  });

  void it('new_relation is delivered with the registered headers and retried until 200', async () => {
    const r = await receiver(2);
    servers.push(r.server);
    const account = sb.control.createAccount().id;
    await client.webhook.create({ request_url: r.url, source: 'users', headers: [{ key: 'Unipile-Auth', value: 'shh' }, { key: 'Content-Type', value: 'application/json' }] });
    await client.users.sendInvitation({ account_id: account, provider_id: sb.control.person('accepting-ann').providerId });
    assert.equal(sb.control.acceptInvitation(account, 'accepting-ann'), true);
    await sb.control.flushWebhooks();
    assert.equal(r.received.length, 3, 'two 500s, then delivered');
    const last = r.received.at(-1)!;
    assert.equal(last.headers['unipile-auth'], 'shh');
    assert.equal(last.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(last.body), {
      event: 'new_relation',
      account_id: account,
      account_type: 'LINKEDIN',
      webhook_name: JSON.parse(last.body).webhook_name,
      user_full_name: 'Accepting Ann',
      user_provider_id: sb.control.person('accepting-ann').providerId,
      user_public_identifier: 'accepting-ann',
      user_profile_url: 'https://www.linkedin.com/in/accepting-ann/',
      user_picture_url: 'https://media.licdn.com/sandbox/accepting-ann.jpg',
    });
    const d = sb.control.deliveries().at(-1)!;
    assert.deepEqual(
      d.attempts.map((a) => a.status),
      [500, 500, 200],
    );
    const rel = await client.users.getAllRelations({ account_id: account });
    assert.equal(rel.items[0]!.public_identifier, 'accepting-ann');
  });

  void it('gives up after 5 retries; no Content-Type unless registered', async () => {
    const r = await receiver(100);
    servers.push(r.server);
    const account = sb.control.createAccount().id;
    const { webhook_id } = await client.webhook.create({ request_url: r.url, source: 'account_status', account_ids: [account] });
    sb.control.disconnect(account);
    await sb.control.flushWebhooks();
    assert.equal(r.received.length, 6);
    assert.equal(r.received[0]!.headers['content-type'], undefined);
    assert.deepEqual(JSON.parse(r.received[0]!.body), { AccountStatus: { account_id: account, account_type: 'LINKEDIN', message: 'CREDENTIALS' } });
    await client.webhook.delete(webhook_id);
  });

  void it('a disconnected account answers 401 disconnected_account on LinkedIn routes, CREDENTIALS in /accounts; reconnect', async () => {
    const account = sb.control.createAccount().id;
    sb.control.disconnect(account);
    const err = await client.users.getProfile({ account_id: account, identifier: 'x' }).catch((e: unknown) => e);
    assert.ok(err instanceof UnipileError && err.status === 401 && err.type === 'disconnected_account');
    assert.equal((await client.account.getOne(account)).sources?.[0]?.status, 'CREDENTIALS');
    sb.control.reconnect(account);
    assert.equal((await client.users.getProfile({ account_id: account, identifier: 'x' })).public_identifier, 'x');
  });

  void it('reply → message in the chat + message_received webhook from the lead', async () => {
    const r = await receiver();
    servers.push(r.server);
    const account = sb.control.createAccount().id;
    const { webhook_id } = await client.webhook.create({ request_url: r.url, source: 'messaging', account_ids: [account] });
    sb.control.connect(account, 'rick-reply');
    await client.messaging.startNewChat({ account_id: account, attendees_ids: [sb.control.person('rick-reply').providerId], text: 'hi' });
    const { chatId, messageId } = sb.control.reply(account, 'rick-reply', 'Sure, let us talk');
    await sb.control.flushWebhooks();
    const payload = JSON.parse(r.received.at(-1)!.body);
    assert.equal(payload.event, 'message_received');
    assert.equal(payload.chat_id, chatId);
    assert.equal(payload.message_id, messageId);
    assert.equal(payload.message, 'Sure, let us talk');
    assert.equal(payload.sender.attendee_provider_id, sb.control.person('rick-reply').providerId);
    assert.notEqual(payload.sender.attendee_provider_id, payload.account_info.user_id);
    await client.webhook.delete(webhook_id);
  });

  void it('acceptAfterMs accepts automatically; a per-person "never" overrides it', async () => {
    const auto = await startSandboxLinkedIn({ acceptAfterMs: 20 });
    try {
      const c = new UnipileClient({ dsn: auto.dsn, accessToken: auto.accessToken });
      const a = auto.control.createAccount().id;
      auto.control.setPerson('never-nick', { acceptAfterMs: null });
      await c.users.sendInvitation({ account_id: a, provider_id: auto.control.person('auto-al').providerId });
      await c.users.sendInvitation({ account_id: a, provider_id: auto.control.person('never-nick').providerId });
      await new Promise((r) => setTimeout(r, 100));
      const rel = await c.users.getAllRelations({ account_id: a });
      assert.deepEqual(
        rel.items.map((x) => x.public_identifier),
        ['auto-al'],
      );
      assert.deepEqual(
        (await c.users.getAllInvitationsSent({ account_id: a })).items.map((i) => i.invited_user_public_id),
        ['never-nick'],
      );
    } finally {
      await auto.stop();
    }
  });

  void it('invitation rules: 300-char note → 400 too_many_characters; slug instead of provider id → 400', async () => {
    const a = sb.control.createAccount().id;
    const pid = sb.control.person('note-nora').providerId;
    await assert.rejects(client.users.sendInvitation({ account_id: a, provider_id: pid, message: 'x'.repeat(301) }), /400 too_many_characters/);
    await client.users.sendInvitation({ account_id: a, provider_id: pid, message: 'x'.repeat(300) });
    await assert.rejects(client.users.sendInvitation({ account_id: a, provider_id: 'note-nora' }), /400 invalid_parameters/);
    await assert.rejects(client.users.sendInvitation({ account_id: 'nope', provider_id: pid }), /422 invalid_account/);
  });

  void it('random faults are deterministic for a seed', async () => {
    const run = async () => {
      const s = await startSandboxLinkedIn({ seed: 7 });
      try {
        const c = new UnipileClient({ dsn: s.dsn, accessToken: s.accessToken });
        s.control.setFaults({ errorRate: 0.5, statuses: [500, 503], seed: 42 });
        const out: string[] = [];
        for (let i = 0; i < 12; i++) out.push(await c.account.getAll().then(() => 'ok', (e: UnipileError) => String(e.status)));
        return out;
      } finally {
        await s.stop();
      }
    };
    const a = await run();
    assert.deepEqual(await run(), a);
    assert.ok(a.includes('ok') && a.some((x) => x !== 'ok'), a.join(','));
  });

  void it('HTTP control surface: accounts, people, accept, calls, writes (with the access token)', async () => {
    const auth = { 'x-api-key': sb.accessToken };
    const post = (path: string, body: unknown) => fetch(`${sb.url}/_sandbox${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(body) }).then((r) => r.json());
    const acc = (await post('/accounts', { name: 'Remote' })) as { id: string };
    const person = (await post('/people/remote-rae', { firstName: 'Rae' })) as { providerId: string };
    await client.users.sendInvitation({ account_id: acc.id, provider_id: person.providerId });
    assert.deepEqual(await post('/accept', { account_id: acc.id, person: 'remote-rae' }), { accepted: true });
    const writes = (await fetch(`${sb.url}/_sandbox/writes`, { headers: auth }).then((r) => r.json())) as { items: Array<{ accountId: string; kind: string; count: number }> };
    assert.deepEqual(
      writes.items.filter((w) => w.accountId === acc.id),
      [{ accountId: acc.id, providerId: person.providerId, kind: 'invitation', count: 1 }],
    );
    const calls = (await fetch(`${sb.url}/_sandbox/calls`, { headers: { authorization: `Bearer ${sb.accessToken}` } }).then((r) => r.json())) as { items: Array<{ path: string }> };
    assert.ok(calls.items.some((c) => c.path === '/api/v1/users/invite'));
  });

  void it('control routes refuse requests without the access token (an SSRF from our own worker cannot drive them)', async () => {
    const before = sb.control.writeCounts().length;
    for (const [method, path, body] of [
      ['POST', '/accounts', { name: 'Intruder' }],
      ['POST', '/accept', { account_id: 'x', person: 'y' }],
      ['PUT', '/faults', { errorRate: 1 }],
      ['GET', '/calls', undefined],
    ] as const) {
      const res = await fetch(`${sb.url}/_sandbox${path}`, { method, headers: { 'content-type': 'application/json', 'x-api-key': 'wrong' }, body: body ? JSON.stringify(body) : undefined });
      assert.equal(res.status, 401, `${method} ${path}`);
      await res.arrayBuffer();
    }
    assert.equal((await fetch(`${sb.url}/_sandbox/writes`)).status, 401);
    assert.equal(sb.control.writeCounts().length, before);
    // The faults were not set: a read still works.
    const acc = sb.control.createAccount();
    assert.equal((await client.account.getOne(acc.id)).id, acc.id);
  });

  void it('hosted auth: the link is a page; completing it creates the account and POSTs {status, account_id, name} to notify_url', async () => {
    const received: unknown[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const notifyUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify`;
      const link = await client.hostedAuth.createLink({ type: 'create', providers: ['LINKEDIN'], api_url: sb.url, expiresOn: new Date(Date.now() + 60_000).toISOString(), notify_url: notifyUrl, name: 'token-123' });
      assert.ok(link.url.startsWith(`${sb.url}/hosted/`), link.url);
      const page = await fetch(link.url);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<form method="post">/);
      const done = (await fetch(link.url, { method: 'POST' }).then((r) => r.json())) as { accountId: string; status: string; notifyStatus: number };
      assert.equal(done.status, 'CREATION_SUCCESS');
      assert.equal(done.notifyStatus, 200);
      assert.deepEqual(received, [{ status: 'CREATION_SUCCESS', account_id: done.accountId, name: 'token-123' }]);
      assert.equal((await client.account.getOne(done.accountId)).type, 'LINKEDIN');
      // An expired link cannot be completed.
      const old = await client.hostedAuth.createLink({ type: 'create', providers: ['LINKEDIN'], api_url: sb.url, expiresOn: new Date(Date.now() - 1000).toISOString(), notify_url: notifyUrl, name: 'late' });
      assert.equal((await fetch(old.url, { method: 'POST' })).status, 410);
      assert.equal(received.length, 1);
    } finally {
      await new Promise<void>((r) => receiver.close(() => r()));
    }
  });

  void it('registerProductWebhooks registers messaging, users, account_status once (idempotent), with auth and content-type headers', async () => {
    const s = await startSandboxLinkedIn();
    try {
      const c = new UnipileClient({ dsn: s.dsn, accessToken: s.accessToken });
      const first = await registerProductWebhooks(c, { baseUrl: 'https://app.example.com/', secret: 'whs' });
      assert.equal(first.url, 'https://app.example.com/api/webhooks/unipile');
      assert.deepEqual(
        first.webhooks.map((w) => [w.source, w.created]),
        [
          ['messaging', true],
          ['users', true],
          ['account_status', true],
        ],
      );
      const created = s.calls({ method: 'POST', path: '/api/v1/webhooks' });
      assert.deepEqual(created[0]!.body, {
        request_url: 'https://app.example.com/api/webhooks/unipile',
        source: 'messaging',
        name: 'clento-messaging',
        format: 'json',
        headers: [
          { key: 'Unipile-Auth', value: 'whs' },
          { key: 'Content-Type', value: 'application/json' },
        ],
        events: ['message_received'],
      });
      const second = await registerProductWebhooks(c, { baseUrl: 'https://app.example.com', secret: 'whs' });
      assert.ok(second.webhooks.every((w) => !w.created));
      assert.equal(s.calls({ method: 'POST', path: '/api/v1/webhooks' }).length, 3);
      assert.ok(!JSON.stringify(second).includes('whs'));
    } finally {
      await s.stop();
    }
  });
});
