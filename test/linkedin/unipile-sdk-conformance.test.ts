/**
 * Unipile's own Node SDK (`unipile-node-sdk`, pinned) with response validation ON (level `error`: a
 * response that does not match the SDK's published TypeBox schema throws InvalidResponseTypeError)
 * against the sandbox LinkedIn, over HTTP. One case per call the product makes (src/linkedin/unipile.client.ts
 * and src/linkedin/register-webhooks.ts), so the sandbox's answers keep matching what Unipile publishes.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { UnipileClient as SdkClient, UnsuccessfulRequestError } from 'unipile-node-sdk';
import { startSandboxLinkedIn, type SandboxHandle } from '../../src/linkedin/sandbox/server';
import { providerIdForSlug } from '../../src/linkedin/sandbox/people';

/** The calls, in the order they run; the last test checks that every one of them ran and passed. */
const CALLS = [
  'account.getAll',
  'account.getOne',
  'users.getOwnProfile',
  'users.getProfile',
  'users.getAllRelations',
  'users.sendInvitation',
  'users.sendInvitation (repeat: 422 already_invited_recently)',
  'users.getAllInvitationsSent',
  'users.cancelInvitationSent',
  'users.getAllPosts',
  'users.getPost',
  'users.sendPostReaction',
  'users.sendPostComment',
  'users.getAllPostComments',
  'messaging.startNewChat',
  'messaging.startNewChat (InMail with subject)',
  'messaging.sendMessage',
  'messaging.getAllChats',
  'messaging.getChat',
  'messaging.getAllMessagesFromChat',
  'messaging.getAllChatsFromAttendee',
  'webhook.getAll',
  'webhook.create',
] as const;
type CallName = (typeof CALLS)[number];

void describe('unipile-node-sdk (response validation on) against the sandbox', () => {
  let sb: SandboxHandle;
  let sdk: SdkClient;
  let accountId: string;
  const passed = new Set<CallName>();
  const pid = (slug: string) => providerIdForSlug(slug);
  let invitationId = '';
  let socialId = '';
  let chatId = '';

  before(async () => {
    sb = await startSandboxLinkedIn({ acceptAfterMs: null });
    accountId = sb.control.createAccount({ name: 'SDK sender' }).id;
    sb.control.connect(accountId, 'conny-sdk');
    // The SDK takes `https://DSN` or a URL with scheme: the sandbox's http URL works as is.
    sdk = new SdkClient(sb.url, sb.accessToken, { validateRequestPayload: true, validateRequestPayloadLevel: 'error' });
  });
  after(() => sb.stop());

  const call = (name: CallName, fn: () => Promise<void>): void => {
    void it(name, async () => {
      await fn();
      passed.add(name);
    });
  };

  call('account.getAll', async () => {
    const res = await sdk.account.getAll();
    assert.ok(res.items.some((a) => a.id === accountId));
  });
  call('account.getOne', async () => {
    const res = await sdk.account.getOne(accountId);
    assert.equal(res.id, accountId);
  });
  call('users.getOwnProfile', async () => {
    const res = await sdk.users.getOwnProfile(accountId);
    assert.equal(res.provider, 'LINKEDIN');
  });
  call('users.getProfile', async () => {
    const res = await sdk.users.getProfile({ account_id: accountId, identifier: 'ada-sdk', linkedin_sections: ['experience', 'about'], notify: true });
    assert.equal(res.provider === 'LINKEDIN' && res.provider_id, pid('ada-sdk'));
  });
  call('users.getAllRelations', async () => {
    const res = await sdk.users.getAllRelations({ account_id: accountId, limit: 10 });
    assert.equal(res.items[0]?.member_id, pid('conny-sdk'));
  });
  call('users.sendInvitation', async () => {
    const res = await sdk.users.sendInvitation({ account_id: accountId, provider_id: pid('ada-sdk'), message: 'Hi Ada' });
    invitationId = res.invitation_id;
    assert.ok(invitationId);
  });
  call('users.sendInvitation (repeat: 422 already_invited_recently)', async () => {
    await assert.rejects(sdk.users.sendInvitation({ account_id: accountId, provider_id: pid('ada-sdk') }), (e: unknown) => {
      assert.ok(e instanceof UnsuccessfulRequestError);
      assert.deepEqual({ status: (e.body as { status: number }).status, type: (e.body as { type: string }).type }, { status: 422, type: 'errors/already_invited_recently' });
      return true;
    });
  });
  call('users.getAllInvitationsSent', async () => {
    const res = await sdk.users.getAllInvitationsSent({ account_id: accountId });
    assert.equal(res.items[0]?.id, invitationId);
  });
  call('users.cancelInvitationSent', async () => {
    const res = await sdk.users.cancelInvitationSent({ account_id: accountId, invitation_id: invitationId });
    assert.equal(res.object, 'InvitationCanceled');
  });
  call('users.getAllPosts', async () => {
    const res = await sdk.users.getAllPosts({ account_id: accountId, identifier: pid('ada-sdk'), limit: 10 });
    socialId = res.items[0]!.social_id;
    assert.match(socialId, /^urn:li:activity:/);
  });
  call('users.getPost', async () => {
    const res = await sdk.users.getPost({ account_id: accountId, post_id: socialId });
    assert.equal(res.social_id, socialId);
  });
  call('users.sendPostReaction', async () => {
    const res = await sdk.users.sendPostReaction({ account_id: accountId, post_id: socialId, reaction_type: 'like' });
    assert.equal(res.object, 'ReactionAdded');
  });
  call('users.sendPostComment', async () => {
    const res = await sdk.users.sendPostComment({ account_id: accountId, post_id: socialId, text: 'Great post' });
    assert.equal(res.object, 'CommentSent');
  });
  call('users.getAllPostComments', async () => {
    const res = await sdk.users.getAllPostComments({ account_id: accountId, post_id: socialId });
    assert.equal(res.items[0]?.text, 'Great post');
  });
  call('messaging.startNewChat', async () => {
    const res = await sdk.messaging.startNewChat({ account_id: accountId, attendees_ids: [pid('conny-sdk')], text: 'Hello Conny' });
    chatId = res.chat_id!;
    assert.ok(chatId);
  });
  call('messaging.startNewChat (InMail with subject)', async () => {
    const res = await sdk.messaging.startNewChat({
      account_id: accountId,
      attendees_ids: [pid('ines-sdk')],
      text: 'Hello Ines',
      subject: 'A question',
      options: { linkedin: { api: 'classic', inmail: true } },
    });
    assert.ok(res.chat_id);
  });
  call('messaging.sendMessage', async () => {
    const res = await sdk.messaging.sendMessage({ chat_id: chatId, text: 'Following up' });
    assert.equal(res.object, 'MessageSent');
  });
  call('messaging.getAllChats', async () => {
    const res = await sdk.messaging.getAllChats({ account_id: accountId });
    assert.equal(res.items.length, 2);
  });
  call('messaging.getChat', async () => {
    const res = await sdk.messaging.getChat(chatId);
    assert.equal(res.id, chatId);
  });
  call('messaging.getAllMessagesFromChat', async () => {
    const res = await sdk.messaging.getAllMessagesFromChat({ chat_id: chatId });
    assert.deepEqual(
      res.items.map((m) => m.text),
      ['Following up', 'Hello Conny'],
    );
  });
  call('messaging.getAllChatsFromAttendee', async () => {
    const res = await sdk.messaging.getAllChatsFromAttendee({ attendee_id: `att_${pid('conny-sdk')}`, account_id: accountId });
    assert.equal(res.items[0]?.id, chatId);
  });
  call('webhook.create', async () => {
    // The product registers these three (src/linkedin/register-webhooks.ts). The SDK's body type knows no
    // `users` source yet, though Unipile's v1 API has it (unipile-api.md): hence the cast.
    const bodies = [
      { source: 'messaging', events: ['message_received'] },
      { source: 'users', events: ['new_relation'] },
      { source: 'account_status' },
    ];
    for (const b of bodies) {
      const res = await sdk.webhook.create({
        request_url: 'http://127.0.0.1:9/api/webhooks/unipile',
        name: `sdk-${b.source}`,
        format: 'json',
        headers: [{ key: 'Unipile-Auth', value: 'x' }],
        ...b,
      } as Parameters<typeof sdk.webhook.create>[0]);
      assert.ok(res.webhook_id);
    }
  });
  call('webhook.getAll', async () => {
    const res = await sdk.webhook.getAll();
    assert.equal(res.items.length, 3);
  });

  void it(`every call passed (${CALLS.length}/${CALLS.length})`, () => {
    assert.deepEqual(
      CALLS.filter((c) => !passed.has(c)),
      [],
    );
  });
});
