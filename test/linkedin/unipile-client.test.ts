import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startSandboxLinkedIn, type SandboxHandle } from '../../src/linkedin/sandbox/server';
import { UnipileClient, baseUrlFromDsn, paginate, UNIPILE_API_PREFIX } from '../../src/linkedin/unipile.client';
import { UnipileError, classifyUnipileError } from '../../src/linkedin/errors';
import { createServer, type AddressInfo } from 'node:net';
import { publicIdentifierFromUrl, isProviderId, leadProfileIdentifier } from '../../src/linkedin/identifiers';

void describe('UnipileClient against the sandbox', () => {
  let sb: SandboxHandle;
  let client: UnipileClient;
  let account: string;

  before(async () => {
    sb = await startSandboxLinkedIn({ accessToken: 'test-token-123', webhookRetryDelaysMs: [10, 10, 10, 10, 10], hangMs: 2_000 });
    client = new UnipileClient({ dsn: sb.dsn, accessToken: sb.accessToken, timeoutMs: 2_000 });
    account = sb.control.createAccount({ id: 'acc1' }).id;
  });
  after(() => sb.stop());
  beforeEach(() => {
    sb.clearCalls();
    sb.control.clearFaults();
  });

  void it('builds the base URL from a bare DSN or keeps a full URL', () => {
    assert.equal(baseUrlFromDsn('api8.unipile.com:13424'), 'https://api8.unipile.com:13424');
    assert.equal(baseUrlFromDsn('http://127.0.0.1:3100/'), 'http://127.0.0.1:3100');
    assert.equal(UNIPILE_API_PREFIX, '/api/v1');
  });

  void it('getProfile sends the key, accept header, query; resolves a slug to a provider id and back', async () => {
    const p = await client.users.getProfile({ account_id: account, identifier: 'jane-doe-42', linkedin_sections: ['experience', 'about'], notify: true });
    assert.ok(isProviderId(p.provider_id));
    assert.equal(p.public_identifier, 'jane-doe-42');
    assert.equal(p.first_name, 'Jane');
    assert.equal(p.network_distance, 'SECOND_DEGREE');
    assert.ok(Array.isArray(p.work_experience), 'unknown fields pass through validation');
    const [call] = sb.calls();
    assert.equal(call!.method, 'GET');
    assert.equal(call!.path, '/api/v1/users/jane-doe-42');
    assert.deepEqual(call!.query, { account_id: account, linkedin_sections: 'experience,about', notify: 'true' });
    assert.equal(call!.headers.accept, 'application/json');
    const byId = await client.users.getProfile({ account_id: account, identifier: p.provider_id });
    assert.equal(byId.public_identifier, 'jane-doe-42');
    assert.equal(sb.control.writeCount(account, 'jane-doe-42', 'profile_view'), 1, 'only the notify=true visit counts as a view');
  });

  void it('getOwnProfile and accounts', async () => {
    const me = await client.users.getOwnProfile(account);
    assert.ok(isProviderId(me.provider_id));
    const all = await client.account.getAll();
    assert.deepEqual(
      all.items.map((a) => a.id),
      [account],
    );
    const one = await client.account.getOne(account);
    assert.equal(one.sources?.[0]?.status, 'OK');
    assert.equal(one.connection_params?.im?.id, me.provider_id);
  });

  void it('invitation lifecycle: send (JSON body), list sent with cursors, cancel', async () => {
    const ids: string[] = [];
    for (const slug of ['inv-a', 'inv-b', 'inv-c']) {
      const pid = sb.control.person(slug).providerId;
      const r = await client.users.sendInvitation({ account_id: account, provider_id: pid, message: slug === 'inv-a' ? 'Hi' : undefined });
      ids.push(r.invitation_id);
    }
    const invite = sb.calls({ method: 'POST', path: '/api/v1/users/invite' })[0]!;
    assert.equal(invite.contentType, 'json');
    assert.deepEqual(invite.body, { account_id: account, provider_id: sb.control.person('inv-a').providerId, message: 'Hi' });
    assert.deepEqual(sb.calls({ method: 'POST', path: '/api/v1/users/invite' })[1]!.body, { account_id: account, provider_id: sb.control.person('inv-b').providerId });

    const pages: number[] = [];
    const seen: string[] = [];
    for await (const inv of paginate(async (cursor) => {
      const page = await client.users.getAllInvitationsSent({ account_id: account, limit: cursor ? undefined : 2, cursor });
      pages.push(page.items.length);
      return page;
    })) {
      seen.push(inv.id);
    }
    assert.deepEqual(pages, [2, 1]);
    assert.deepEqual(new Set(seen), new Set(ids));

    const cancelled = await client.users.cancelInvitationSent({ account_id: account, invitation_id: ids[0]! });
    assert.equal(cancelled.object, 'InvitationCanceled');
    const del = sb.calls({ method: 'DELETE' })[0]!;
    assert.equal(del.path, `/api/v1/users/invite/sent/${ids[0]}`);
    assert.deepEqual(del.query, { account_id: account });
    const left = await client.users.getAllInvitationsSent({ account_id: account });
    assert.equal(left.items.length, 2);
  });

  void it('relations list the newest first', async () => {
    sb.control.connect(account, 'rel-one');
    await new Promise((r) => setTimeout(r, 5));
    sb.control.connect(account, 'rel-two');
    const rel = await client.users.getAllRelations({ account_id: account, limit: 10 });
    assert.deepEqual(
      rel.items.slice(0, 2).map((r) => r.public_identifier),
      ['rel-two', 'rel-one'],
    );
    assert.equal(rel.items[0]!.member_id, sb.control.person('rel-two').providerId);
  });

  void it('posts, reaction by social_id, comment, comments list', async () => {
    const pid = sb.control.person('poster-x').providerId;
    const posts = await client.users.getAllPosts({ account_id: account, identifier: pid, limit: 10 });
    assert.equal(posts.items.length, 3);
    const post = posts.items[0]!;
    assert.match(post.social_id, /^urn:li:activity:/);
    await client.users.sendPostReaction({ account_id: account, post_id: post.social_id });
    assert.deepEqual(sb.calls({ method: 'POST', path: '/api/v1/posts/reaction' })[0]!.body, { account_id: account, post_id: post.social_id });
    await assert.rejects(client.users.sendPostReaction({ account_id: account, post_id: post.id }), (e: unknown) => e instanceof UnipileError && e.type === 'invalid_post');
    await client.users.sendPostComment({ account_id: account, post_id: post.social_id, text: 'Great point' });
    const c = sb.calls({ method: 'POST', path: `/api/v1/posts/${post.social_id}/comments` })[0]!;
    assert.deepEqual(c.body, { account_id: account, text: 'Great point' });
    const comments = await client.users.getAllPostComments({ account_id: account, post_id: post.social_id });
    assert.deepEqual(
      comments.items.map((x) => x.text),
      ['Great point'],
    );
    const again = await client.users.getAllPosts({ account_id: account, identifier: pid });
    assert.equal(again.items[0]!.user_reacted, 'LIKE');
  });

  void it('startNewChat sends multipart with repeated attendees_ids and bracket keys; sendMessage; reading', async () => {
    const pid = sb.control.person('chatty-cathy').providerId;
    await assert.rejects(client.messaging.startNewChat({ account_id: account, attendees_ids: [pid], text: 'hello' }), (e: unknown) => e instanceof UnipileError && e.status === 422 && e.type === 'no_connection_with_recipient');
    const started = await client.messaging.startNewChat({ account_id: account, attendees_ids: [pid, pid], text: 'hello', subject: 'Hi', options: { linkedin: { inmail: true, api: 'classic' } } });
    assert.ok(started.chat_id);
    const call = sb.calls({ method: 'POST', path: '/api/v1/chats' }).at(-1)!;
    assert.equal(call.contentType, 'multipart');
    assert.deepEqual(call.body, { account_id: account, attendees_ids: [pid, pid], text: 'hello', subject: 'Hi', 'linkedin[api]': 'classic', 'linkedin[inmail]': 'true' });
    const sent = await client.messaging.sendMessage({ chat_id: started.chat_id, text: 'follow up', account_id: account });
    assert.ok(sent.message_id);
    assert.deepEqual(sb.calls({ method: 'POST', path: `/api/v1/chats/${started.chat_id}/messages` })[0]!.body, { text: 'follow up', account_id: account });
    const chats = await client.messaging.getAllChats({ account_id: account });
    assert.equal(chats.items[0]!.id, started.chat_id);
    const msgs = await client.messaging.getAllMessagesFromChat({ chat_id: started.chat_id });
    assert.deepEqual(
      msgs.items.map((m) => [m.text, m.is_sender]),
      [
        ['follow up', 1],
        ['hello', 1],
      ],
    );
    const byAttendee = await client.messaging.getAllChatsFromAttendee({ attendee_id: pid, account_id: account });
    assert.equal(byAttendee.items[0]!.id, started.chat_id);
    const found = await client.messaging.findChatWithAttendee({ account_id: account, provider_id: pid });
    assert.equal(found?.id, started.chat_id);
    assert.equal(await client.messaging.findChatWithAttendee({ account_id: account, provider_id: sb.control.person('nobody').providerId }), null);
  });

  void it('the sandbox also accepts a JSON body on /chats', async () => {
    const pid = sb.control.person('json-chat').providerId;
    sb.control.connect(account, pid);
    const res = await fetch(`${sb.url}/api/v1/chats`, {
      method: 'POST',
      headers: { 'X-API-KEY': sb.accessToken, 'content-type': 'application/json' },
      body: JSON.stringify({ account_id: account, attendees_ids: [pid], text: 'json hello' }),
    });
    assert.equal(res.status, 200);
    assert.equal(sb.control.writeCount(account, pid, 'message'), 1);
  });

  void it('webhooks: create, list, delete', async () => {
    const created = await client.webhook.create({ request_url: 'http://127.0.0.1:1/x', source: 'users', headers: [{ key: 'Unipile-Auth', value: 's' }] });
    const list = await client.webhook.getAll();
    assert.ok(list.items.some((w) => w.id === created.webhook_id && w.source === 'users'));
    await client.webhook.delete(created.webhook_id);
    assert.ok(!(await client.webhook.getAll()).items.some((w) => w.id === created.webhook_id));
  });

  void it('error bodies become UnipileError with status, type, title; the key never appears in the message', async () => {
    const bad = new UnipileClient({ dsn: sb.dsn, accessToken: 'wrong-key-secret' });
    const err = await bad.account.getAll().catch((e: unknown) => e);
    assert.ok(err instanceof UnipileError);
    assert.equal(err.status, 401);
    assert.equal(err.type, 'missing_credentials');
    assert.ok(!err.message.includes('wrong-key-secret'));
    assert.ok(!JSON.stringify({ ...err }).includes('wrong-key-secret'));
    assert.deepEqual(classifyUnipileError(err, { isWrite: false }), { outcome: 'account_stop', reason: 'missing_credentials', failureType: 'AuthenticationError' });
  });

  void it('a held response times out: timeout kind; a caller AbortSignal aborts', async () => {
    sb.control.failNext({ path: '/api/v1/accounts', timeout: true });
    const err = await client.account.getAll({}, { timeoutMs: 150 }).catch((e: unknown) => e);
    assert.ok(err instanceof UnipileError && err.kind === 'timeout', String(err));
    sb.control.failNext({ path: '/api/v1/accounts', timeout: true });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const err2 = await client.account.getAll({}, { signal: ac.signal }).catch((e: unknown) => e);
    assert.ok(err2 instanceof UnipileError && err2.kind === 'aborted', String(err2));
  });

  void it('a refused connection is a network error that surely was not sent', async () => {
    const port = await closedPort();
    const dead = new UnipileClient({ dsn: `http://127.0.0.1:${port}`, accessToken: 'k' });
    const err = await dead.users.sendInvitation({ account_id: 'a', provider_id: 'ACoAAx' }).catch((e: unknown) => e);
    assert.ok(err instanceof UnipileError && err.kind === 'network');
    assert.equal(err.maybeSent, false);
    assert.equal(classifyUnipileError(err, { isWrite: true }).outcome, 'retry');
  });

  void it('an invalid 2xx body is an invalid_response error', async () => {
    const odd = new UnipileClient({ dsn: sb.dsn, accessToken: sb.accessToken, fetch: () => Promise.resolve(new Response('{"object":"UserProfile"}', { status: 200 })) });
    const err = await odd.users.getProfile({ account_id: account, identifier: 'x' }).catch((e: unknown) => e);
    assert.ok(err instanceof UnipileError && err.kind === 'invalid_response');
  });
});

void describe('identifiers', () => {
  const cases: Array<[string, string | null]> = [
    ['https://www.linkedin.com/in/john-doe-123/', 'john-doe-123'],
    ['https://www.linkedin.com/in/john-doe-123', 'john-doe-123'],
    ['http://linkedin.com/in/john-doe-123/?utm_source=x#top', 'john-doe-123'],
    ['www.linkedin.com/in/J%C3%A9r%C3%B4me-b/', 'Jérôme-b'],
    ['https://fr.linkedin.com/in/anne/details/experience/', 'anne'],
    ['john-doe', 'john-doe'],
    ['https://www.linkedin.com/company/acme/', null],
    ['https://example.com/in/john', null],
    ['', null],
  ];
  for (const [input, expected] of cases) {
    void it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => assert.equal(publicIdentifierFromUrl(input), expected));
  }
  void it('prefers provider id, then LinkedIn id, then the URL slug', () => {
    assert.equal(leadProfileIdentifier({ providerId: 'ACoAAabc123', linkedinId: 'x', linkedinUrl: null }), 'ACoAAabc123');
    assert.equal(leadProfileIdentifier({ providerId: null, linkedinId: ' x ', linkedinUrl: null }), 'x');
    assert.equal(leadProfileIdentifier({ providerId: null, linkedinId: null, linkedinUrl: 'https://www.linkedin.com/in/y/' }), 'y');
    assert.equal(leadProfileIdentifier({ providerId: null, linkedinId: null, linkedinUrl: null }), null);
  });
});

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}
