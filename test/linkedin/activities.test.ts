import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { createHmac, randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startSandboxLinkedIn, type SandboxHandle } from '../../src/linkedin/sandbox/server';
import { UnipileClient } from '../../src/linkedin/unipile.client';
import { createLogger } from '../../src/logger';
import { createLinkedInActivities, type AccountStoppedEvent } from '../../src/activities/linkedin';
import type { LeadSnapshot, StepActivityInput, StepOutcome } from '../../src/domain/step-outcome';
import { RATE_LIMIT_BACKOFF_MS } from '../../src/linkedin/errors';
import type { LedgerTables } from '../../src/linkedin/ledger.schema';
import { blockedAddressReason } from '../../src/services/webhook-destinations';

const HOUR = 3600_000;
const LOCAL_WEBHOOKS = { allowHttp: true, allowedHosts: ['127.0.0.1'] };

function isFailure(type: string, check?: (f: ApplicationFailure) => void) {
  return (e: unknown) => {
    assert.ok(e instanceof ApplicationFailure, `expected ApplicationFailure, got ${String(e)}`);
    assert.equal(e.type, type, e.message);
    check?.(e);
    return true;
  };
}

void describe('LinkedIn step activities against the sandbox', () => {
  let t: TestDatabase;
  let sb: SandboxHandle;
  let org: string;
  let list: string;
  let account: string; // connected_accounts.id
  let unipileAccount: string;
  let stopped: AccountStoppedEvent[];
  let acts: ReturnType<typeof createLinkedInActivities>;

  before(async () => {
    t = await createTestDatabase();
    sb = await startSandboxLinkedIn({ hangMs: 1_000, webhookRetryDelaysMs: [5, 5, 5, 5, 5] });
    org = (await t.db.insertInto('organizations').values({ name: 'Acme' }).returning('id').executeTakeFirstOrThrow()).id;
    list = (await t.db.insertInto('lead_lists').values({ organization_id: org, name: 'L', description: null }).returning('id').executeTakeFirstOrThrow()).id;
    stopped = [];
    const unipile = new UnipileClient({ dsn: sb.dsn, accessToken: sb.accessToken, timeoutMs: 500 });
    acts = createLinkedInActivities({
      db: t.db,
      unipile,
      logger: createLogger({ level: 'silent' }),
      // The webhook receivers of these tests listen on 127.0.0.1 over plain http: allowed by config, as in a local run.
      webhookDestinations: LOCAL_WEBHOOKS,
      onAccountStopped: (e) => {
        stopped.push(e);
        return Promise.resolve();
      },
    });
  });
  after(async () => {
    await sb.stop();
    await t.drop();
  });
  beforeEach(async () => {
    sb.clearCalls();
    sb.control.clearFaults();
    // a fresh sender account per test, so counts and states never leak between tests
    unipileAccount = sb.control.createAccount().id;
    account = (
      await t.db
        .insertInto('connected_accounts')
        .values({ organization_id: org, provider_account_id: unipileAccount, display_name: 'Sender', status_reason: null, capabilities: '{}' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  });

  async function lead(slug: string, extra: Partial<LeadSnapshot> = {}): Promise<LeadSnapshot> {
    const [first, last] = slug.split('-');
    const row = await t.db
      .insertInto('leads')
      .values({
        organization_id: org,
        lead_list_id: list,
        first_name: extra.firstName ?? first ?? null,
        last_name: extra.lastName ?? last ?? null,
        company: extra.company ?? 'Initech',
        linkedin_url: `https://www.linkedin.com/in/${slug}/`,
        enrichment_data: '{}',
      } as never)
      .returning('id')
      .executeTakeFirstOrThrow();
    const cap = (s: string | undefined) => (s ? s[0]!.toUpperCase() + s.slice(1) : null);
    return {
      id: row.id,
      firstName: cap(first),
      lastName: cap(last),
      fullName: null,
      company: 'Initech',
      title: 'CTO',
      email: null,
      linkedinUrl: `https://www.linkedin.com/in/${slug}/`,
      linkedinId: null,
      providerId: null,
      ...extra,
    };
  }

  const input = (l: LeadSnapshot, config: Record<string, unknown> = {}, over: Partial<StepActivityInput> = {}): StepActivityInput => ({
    organizationId: org,
    campaignId: randomUUID(),
    accountId: account,
    stepId: 'step-1',
    config,
    lead: l,
    ...over,
  });
  const pid = (slug: string) => sb.control.person(slug).providerId;
  const linkedinCalls = () => sb.calls().map((c) => `${c.method} ${c.path}`);

  void it('visitProfile: one profile read with notify=true, stores the provider id on the lead', async () => {
    const l = await lead('vera-visit');
    const out = await acts.visitProfile(input(l));
    assert.deepEqual(out.status, 'done');
    assert.equal(out.status === 'done' && out.detail.providerId, pid('vera-visit'));
    const calls = sb.calls();
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.method, 'GET');
    assert.equal(calls[0]!.path, '/api/v1/users/vera-visit');
    assert.deepEqual(calls[0]!.query, { account_id: unipileAccount, notify: 'true' });
    const row = await t.db.selectFrom('leads').select('provider_id').where('id', '=', l.id).executeTakeFirstOrThrow();
    assert.equal(row.provider_id, pid('vera-visit'));
    assert.equal(sb.control.writeCount(unipileAccount, 'vera-visit', 'profile_view'), 1);
  });

  void it('visitProfile: an attempt that got no answer (worker killed before the request left) is visited again, for real; an answered one never', async () => {
    const l = await lead('kim-killed');
    const i = input(l);
    const key = `${i.campaignId}:${l.id}:${i.stepId}:profile_visit`;
    // What a worker SIGKILLed between recording the attempt and sending the request leaves behind.
    await t.db
      .withTables<LedgerTables>()
      .insertInto('linkedin_actions')
      .values({ organization_id: org, account_id: account, campaign_id: i.campaignId, lead_id: l.id, step_id: i.stepId, kind: 'profile_visit', idempotency_key: key, target_provider_id: null, status: 'pending', attempts: 1 })
      .execute();
    assert.equal(sb.control.writeCount(unipileAccount, 'kim-killed', 'profile_view'), 0);
    const out = await acts.visitProfile(i);
    assert.equal(out.status, 'done');
    assert.equal(out.status === 'done' && out.detail.reconciled, undefined, 'not recorded as done by a silent read');
    assert.deepEqual(sb.calls().map((c) => c.query.notify), ['true']);
    assert.equal(sb.control.writeCount(unipileAccount, 'kim-killed', 'profile_view'), 1, 'LinkedIn saw the visit');
    const row = await t.db.withTables<LedgerTables>().selectFrom('linkedin_actions').select(['status', 'attempts']).where('idempotency_key', '=', key).executeTakeFirstOrThrow();
    assert.deepEqual([row.status, row.attempts], ['succeeded', 2]);
    // Answered once: a retry of the activity replays the recorded outcome and LinkedIn sees nothing more.
    await acts.visitProfile(i);
    assert.equal(sb.control.writeCount(unipileAccount, 'kim-killed', 'profile_view'), 1);
  });

  void it('visitProfile: a profile that is gone is skipped (resource_not_found)', async () => {
    sb.control.setPerson('gone-person', { notFound: true });
    const out = await acts.visitProfile(input(await lead('gone-person')));
    assert.deepEqual(out, { status: 'skipped', reason: 'resource_not_found' });
  });

  void it('likePosts: resolves the provider id, lists posts, likes the N most recent by social_id; a rerun likes nothing more', async () => {
    const l = await lead('liam-likes');
    const i = input(l, { numberOfPosts: 2, recentPostDays: 30 });
    const out = await acts.likePosts(i);
    const posts = sb.control.person('liam-likes').posts;
    assert.deepEqual(out, { status: 'done', detail: { providerId: pid('liam-likes'), postIds: [posts[0]!.social_id, posts[1]!.social_id] } });
    assert.deepEqual(linkedinCalls(), ['GET /api/v1/users/liam-likes', `GET /api/v1/users/${pid('liam-likes')}/posts`, 'POST /api/v1/posts/reaction', 'POST /api/v1/posts/reaction']);
    assert.deepEqual(sb.calls()[1]!.query, { account_id: unipileAccount, limit: '20' });
    assert.deepEqual(
      sb.calls({ method: 'POST' }).map((c) => c.body),
      [
        { account_id: unipileAccount, post_id: posts[0]!.social_id, reaction_type: 'like' },
        { account_id: unipileAccount, post_id: posts[1]!.social_id, reaction_type: 'like' },
      ],
    );
    sb.clearCalls();
    const again = await acts.likePosts({ ...i, lead: { ...l, providerId: pid('liam-likes') } });
    assert.equal(again.status, 'done');
    assert.equal(sb.calls({ method: 'POST' }).length, 0, 'no second reaction');
    assert.equal(sb.control.writeCount(unipileAccount, 'liam-likes', 'reaction'), 2);
  });

  void it('likePosts: only posts within recentPostDays; none → skipped no_recent_posts', async () => {
    sb.control.setPerson('old-posts', { posts: [{ daysAgo: 40 }, { daysAgo: 90 }] });
    const out = await acts.likePosts(input(await lead('old-posts'), { numberOfPosts: 3, recentPostDays: 30 }));
    assert.equal(out.status === 'skipped' && out.reason, 'no_recent_posts');
    assert.equal(sb.calls({ method: 'POST' }).length, 0);
  });

  void it('commentPosts: comments the rendered customComment on the recent post, by social_id in the path', async () => {
    const l = await lead('cora-comment');
    const out = await acts.commentPosts(input(l, { customComment: 'Great insight, [First_Name]! Say hi to [company].', postCount: 1, recentPostWithin: 7 }));
    const post = sb.control.person('cora-comment').posts[0]!;
    assert.equal(out.status, 'done');
    const c = sb.calls({ method: 'POST' });
    assert.equal(c.length, 1);
    assert.equal(c[0]!.path, `/api/v1/posts/${post.social_id}/comments`);
    assert.deepEqual(c[0]!.body, { account_id: unipileAccount, text: 'Great insight, Cora! Say hi to Initech.' });
  });

  void it('commentPosts: an unknown template variable is a ConfigurationError and nothing is sent', async () => {
    await assert.rejects(acts.commentPosts(input(await lead('bad-template'), { customComment: 'Hi [nickname]' })), isFailure('ConfigurationError', (f) => assert.equal(f.nonRetryable, true)));
    assert.equal(sb.calls({ method: 'POST' }).length, 0);
  });

  void it('sendInvitation: invites by provider id with the rendered note; a rerun does not invite twice', async () => {
    const l = await lead('ivan-invite');
    const i = input(l, { message: 'Hi [first_name], glad to connect about [COMPANY].' });
    const out = await acts.sendInvitation(i);
    assert.equal(out.status, 'done');
    const invites = sb.calls({ method: 'POST', path: '/api/v1/users/invite' });
    assert.equal(invites.length, 1);
    assert.deepEqual(invites[0]!.body, { account_id: unipileAccount, provider_id: pid('ivan-invite'), message: 'Hi Ivan, glad to connect about Initech.' });
    assert.equal(out.status === 'done' && out.detail.invitationId, sb.control.pendingInvitations(unipileAccount)[0]!.id);
    const again = await acts.sendInvitation(i);
    assert.deepEqual(again, out);
    assert.equal(sb.control.writeCount(unipileAccount, 'ivan-invite', 'invitation'), 1);
  });

  void it('sendInvitation: a rendered note over 300 characters is dropped, not cut (detail.noteDropped)', async () => {
    const out = await acts.sendInvitation(input(await lead('long-note'), { customMessage: `Hi [first_name] ${'x'.repeat(295)}` }));
    assert.equal(out.status === 'done' && out.detail.noteDropped, 'too_long');
    assert.deepEqual(sb.calls({ method: 'POST' })[0]!.body, { account_id: unipileAccount, provider_id: pid('long-note') });
  });

  void it('sendInvitation: already connected / already invited → skipped with the reason', async () => {
    sb.control.connect(unipileAccount, 'conny-connected');
    assert.deepEqual(await acts.sendInvitation(input(await lead('conny-connected'))), { status: 'skipped', reason: 'already_connected', detail: { providerId: pid('conny-connected') } });
    // invited by hand on LinkedIn before the campaign
    await new UnipileClient({ dsn: sb.dsn, accessToken: sb.accessToken }).users.sendInvitation({ account_id: unipileAccount, provider_id: pid('pre-invited') });
    const out = await acts.sendInvitation(input(await lead('pre-invited')));
    assert.equal(out.status === 'skipped' && out.reason, 'already_invited_recently');
  });

  void it('sendInvitation: the same person is not invited again from another campaign of the organization', async () => {
    const l = await lead('dedupe-dora');
    await acts.sendInvitation(input(l));
    sb.clearCalls();
    const other = await acts.sendInvitation(input({ ...l, providerId: pid('dedupe-dora') }));
    assert.equal(other.status === 'skipped' && other.reason, 'already_invited_by_organization');
    assert.equal(sb.calls().length, 0);
    const off = await acts.sendInvitation(input({ ...l, providerId: pid('dedupe-dora') }, { dedupeAcrossCampaigns: false }));
    assert.equal(off.status === 'skipped' && off.reason, 'already_invited_recently', 'with dedupe off, LinkedIn itself refuses');
  });

  void it('sendInvitation: a 504 after the write happened → IndeterminateWriteError; the retry reconciles and does not invite twice', async () => {
    const l = await lead('timeout-tina');
    const i = input(l);
    sb.control.failNext({ method: 'POST', path: '/api/v1/users/invite', status: 504, afterWrite: true });
    await assert.rejects(acts.sendInvitation(i), isFailure('IndeterminateWriteError', (f) => assert.equal(f.nonRetryable, false)));
    assert.equal(sb.control.writeCount(unipileAccount, 'timeout-tina', 'invitation'), 1, 'the write happened');
    sb.clearCalls();
    const out = await acts.sendInvitation({ ...i, lead: { ...l, providerId: pid('timeout-tina') } });
    assert.equal(out.status === 'done' && out.detail.reconciled, true);
    assert.equal(out.status === 'done' && out.detail.invitationId, sb.control.pendingInvitations(unipileAccount)[0]!.id);
    assert.deepEqual(linkedinCalls(), ['GET /api/v1/users/invite/sent']);
    assert.equal(sb.control.writeCount(unipileAccount, 'timeout-tina', 'invitation'), 1);
  });

  void it('sendInvitation: a client timeout before the write landed → the retry reconciles, finds nothing, invites once', async () => {
    const l = await lead('hang-harry');
    const i = input(l);
    sb.control.failNext({ method: 'POST', path: '/api/v1/users/invite', timeout: true });
    await assert.rejects(acts.sendInvitation(i), isFailure('IndeterminateWriteError'));
    assert.equal(sb.control.writeCount(unipileAccount, 'hang-harry', 'invitation'), 0);
    const out = await acts.sendInvitation(i);
    assert.equal(out.status, 'done');
    assert.ok(linkedinCalls().includes('GET /api/v1/users/invite/sent'));
    assert.equal(sb.control.writeCount(unipileAccount, 'hang-harry', 'invitation'), 1);
  });

  void it('429 → RateLimitedError (non-retryable, retryAfterMs 6h); limit_exceeded → until the next day', async () => {
    sb.control.failNext({ method: 'POST', path: '/api/v1/users/invite', status: 429, type: 'too_many_requests' });
    await assert.rejects(
      acts.sendInvitation(input(await lead('rate-rita'))),
      isFailure('RateLimitedError', (f) => {
        assert.equal(f.nonRetryable, true);
        assert.equal((f.details?.[0] as { retryAfterMs: number }).retryAfterMs, RATE_LIMIT_BACKOFF_MS);
      }),
    );
    sb.control.failNext({ method: 'POST', path: '/api/v1/users/invite', status: 422, type: 'limit_exceeded' });
    await assert.rejects(
      acts.sendInvitation(input(await lead('limit-lou'))),
      isFailure('RateLimitedError', (f) => {
        const ms = (f.details?.[0] as { retryAfterMs: number }).retryAfterMs;
        assert.ok(ms >= 6 * HOUR && ms <= 25 * HOUR, String(ms));
      }),
    );
    assert.equal(sb.control.writeCount(unipileAccount, 'limit-lou', 'invitation'), 0);
  });

  void it('the sandbox daily cap answers limit_exceeded for real', async () => {
    const capped = await startSandboxLinkedIn({ dailyInvitationLimit: 1 });
    try {
      const c = new UnipileClient({ dsn: capped.dsn, accessToken: capped.accessToken });
      const a = capped.control.createAccount().id;
      await c.users.sendInvitation({ account_id: a, provider_id: capped.control.person('one').providerId });
      await assert.rejects(c.users.sendInvitation({ account_id: a, provider_id: capped.control.person('two').providerId }), /422 limit_exceeded/);
    } finally {
      await capped.stop();
    }
  });

  void it('a disconnected account: InvalidCredentialsError, account marked disconnected, onAccountStopped; then no call goes out', async () => {
    const l = await lead('dis-dan');
    sb.control.disconnect(unipileAccount);
    stopped.length = 0;
    await assert.rejects(acts.visitProfile(input(l)), isFailure('InvalidCredentialsError', (f) => assert.equal(f.nonRetryable, true)));
    const row = await t.db.selectFrom('connected_accounts').select(['status', 'status_reason']).where('id', '=', account).executeTakeFirstOrThrow();
    assert.deepEqual(row, { status: 'disconnected', status_reason: 'disconnected_account' });
    assert.deepEqual(stopped, [{ accountId: account, organizationId: org, reason: 'disconnected_account', failureType: 'InvalidCredentialsError' }]);
    sb.clearCalls();
    await assert.rejects(acts.sendInvitation(input(l)), isFailure('InvalidCredentialsError'));
    assert.equal(sb.calls().length, 0, 'nothing is sent on a disconnected account');
  });

  void it('a restricted account: AccountSuspendedError', async () => {
    sb.control.restrict(unipileAccount);
    await assert.rejects(acts.visitProfile(input(await lead('res-rob'))), isFailure('AccountSuspendedError'));
    assert.equal((await t.db.selectFrom('connected_accounts').select('status').where('id', '=', account).executeTakeFirstOrThrow()).status, 'disconnected');
  });

  void it('a 503 on a read → retryable TransientError', async () => {
    sb.control.failNext({ method: 'GET', path: '/api/v1/users/', status: 503, type: 'network_down' });
    await assert.rejects(acts.visitProfile(input(await lead('flaky-fay'))), isFailure('TransientError', (f) => assert.equal(f.nonRetryable, false)));
  });

  void it('sendMessage: new chat (multipart) to a connection, then the existing chat for the next follow-up', async () => {
    sb.control.connect(unipileAccount, 'mia-message');
    const l = await lead('mia-message');
    const campaignId = randomUUID();
    const first = await acts.sendMessage(input(l, { message: 'Thanks for connecting, [first_name]!' }, { campaignId }));
    assert.equal(first.status, 'done');
    const start = sb.calls({ method: 'POST', path: '/api/v1/chats' });
    assert.equal(start.length, 1);
    assert.equal(start[0]!.contentType, 'multipart');
    assert.deepEqual(start[0]!.body, { account_id: unipileAccount, attendees_ids: pid('mia-message'), text: 'Thanks for connecting, Mia!' });
    sb.clearCalls();
    const second = await acts.sendMessage(input({ ...l, providerId: pid('mia-message') }, { customMessage: 'Any thoughts?' }, { campaignId, stepId: 'step-2' }));
    assert.equal(second.status, 'done');
    const chatId = first.status === 'done' ? String(first.detail.chatId) : '';
    assert.deepEqual(
      sb.calls({ method: 'POST' }).map((c) => [c.path, c.body]),
      [[`/api/v1/chats/${chatId}/messages`, { text: 'Any thoughts?', account_id: unipileAccount }]],
    );
    assert.deepEqual(sb.control.chatMessages(unipileAccount, 'mia-message'), [
      { text: 'Thanks for connecting, Mia!', fromUs: true },
      { text: 'Any thoughts?', fromUs: true },
    ]);
  });

  void it('sendMessage reads the conversation first: the lead replied → skipped replied, nothing sent; a retry after our message went out stays done', async () => {
    sb.control.connect(unipileAccount, 'rita-reply');
    const l = await lead('rita-reply');
    const campaignId = randomUUID();
    const first = await acts.sendMessage(input(l, { message: 'Hi [first_name]' }, { campaignId }));
    assert.equal(first.status, 'done');
    sb.control.reply(unipileAccount, 'rita-reply', 'Sure, tell me more');
    // The same step again (an activity retry after its outcome was recorded): still what happened.
    assert.equal((await acts.sendMessage(input(l, { message: 'Hi [first_name]' }, { campaignId }))).status, 'done');
    sb.clearCalls();
    const next = await acts.sendMessage(input(l, { message: 'Following up' }, { campaignId, stepId: 'step-2' }));
    assert.equal(next.status === 'skipped' && next.reason, 'replied');
    assert.deepEqual(sb.calls({ method: 'POST' }), [], 'nothing sent after the reply');
  });

  void it('sendMessage: not a connection → skipped no_connection_with_recipient', async () => {
    const out = await acts.sendMessage(input(await lead('stranger-sam'), { message: 'Hello' }));
    assert.equal(out.status === 'skipped' && out.reason, 'no_connection_with_recipient');
  });

  void it('sendMessage: a 504 after sending → the retry finds our text in the chat and does not send twice', async () => {
    sb.control.connect(unipileAccount, 'twice-tom');
    const i = input(await lead('twice-tom'), { message: 'Only once' });
    sb.control.failNext({ method: 'POST', path: '/api/v1/chats', status: 504, afterWrite: true });
    await assert.rejects(acts.sendMessage(i), isFailure('IndeterminateWriteError'));
    const out = await acts.sendMessage(i);
    assert.equal(out.status === 'done' && out.detail.reconciled, true);
    assert.equal(sb.control.writeCount(unipileAccount, 'twice-tom', 'message'), 1);
  });

  void it('sendInmail: new chat with linkedin[inmail]=true and the subject', async () => {
    const out = await acts.sendInmail(input(await lead('inga-inmail'), { subject: 'About [company]', message: 'Hi [first_name]' }));
    assert.equal(out.status, 'done');
    const c = sb.calls({ method: 'POST', path: '/api/v1/chats' });
    assert.equal(c.length, 1);
    assert.deepEqual(c[0]!.body, { account_id: unipileAccount, attendees_ids: pid('inga-inmail'), text: 'Hi Inga', subject: 'About Initech', 'linkedin[inmail]': 'true' });
    assert.equal(sb.control.writeCount(unipileAccount, 'inga-inmail', 'inmail'), 1);
    sb.control.setPerson('closed-carl', { allowInmail: false });
    const refused = await acts.sendInmail(input(await lead('closed-carl'), { message: 'Hi' }));
    assert.equal(refused.status === 'skipped' && refused.reason, 'not_allowed_inmail');
  });

  void it('withdrawInvitation: cancels the invitation this campaign sent (ledger), by its id', async () => {
    const l = await lead('wanda-withdraw');
    const campaignId = randomUUID();
    const sent = await acts.sendInvitation(input(l, {}, { campaignId }));
    const invitationId = sent.status === 'done' ? String(sent.detail.invitationId) : '';
    sb.clearCalls();
    const out = await acts.withdrawInvitation(input({ ...l, providerId: pid('wanda-withdraw') }, {}, { campaignId, stepId: 'withdraw-1' }));
    assert.deepEqual(out, { status: 'done', detail: { providerId: pid('wanda-withdraw'), invitationId } });
    const del = sb.calls({ method: 'DELETE' });
    assert.equal(del.length, 1);
    assert.equal(del[0]!.path, `/api/v1/users/invite/sent/${invitationId}`);
    assert.deepEqual(del[0]!.query, { account_id: unipileAccount });
    assert.deepEqual(sb.control.pendingInvitations(unipileAccount), []);
  });

  void it('withdrawInvitation: falls back on the sent list; nothing pending → skipped no_pending_invitation', async () => {
    await new UnipileClient({ dsn: sb.dsn, accessToken: sb.accessToken }).users.sendInvitation({ account_id: unipileAccount, provider_id: pid('manual-mo') });
    const out = await acts.withdrawInvitation(input(await lead('manual-mo')));
    assert.equal(out.status, 'done');
    assert.equal(sb.calls({ method: 'DELETE' }).length, 1);
    const none = await acts.withdrawInvitation(input(await lead('nobody-ned')));
    assert.equal(none.status === 'skipped' && none.reason, 'no_pending_invitation');
    // accepted in between: the recorded invitation is no longer pending
    const l = await lead('quick-quinn');
    const campaignId = randomUUID();
    await acts.sendInvitation(input(l, {}, { campaignId }));
    sb.control.acceptInvitation(unipileAccount, 'quick-quinn');
    const late = await acts.withdrawInvitation(input({ ...l, providerId: pid('quick-quinn') }, {}, { campaignId, stepId: 'w' }));
    assert.equal(late.status === 'skipped' && late.reason, 'no_pending_invitation');
  });

  void it('checkInvitation: pending, accepted (relation), not_found', async () => {
    const l = await lead('check-chad');
    const campaignId = randomUUID();
    await acts.sendInvitation(input(l, {}, { campaignId }));
    const q = { organizationId: org, campaignId, accountId: account, leadId: l.id, providerId: pid('check-chad') };
    assert.deepEqual(await acts.checkInvitation(q), { state: 'pending' });
    sb.control.acceptInvitation(unipileAccount, 'check-chad');
    assert.deepEqual(await acts.checkInvitation(q), { state: 'accepted' });
    assert.deepEqual(await acts.checkInvitation({ ...q, providerId: pid('never-invited') }), { state: 'not_found' });
  });

  void describe('notifyWebhook', () => {
    let receiver: ReturnType<typeof createServer>;
    let url: string;
    let received: Array<{ headers: IncomingMessage['headers']; body: string }>;
    let answer = 200;
    before(async () => {
      received = [];
      receiver = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
          res.writeHead(answer).end();
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook?token=abc`;
    });
    after(() => new Promise<void>((r) => receiver.close(() => r())));

    void it('POSTs the signed event; the receiver verifies the HMAC', async () => {
      const secret = 'whsec_test_1';
      const hook = await t.db.insertInto('organization_webhooks').values({ organization_id: org, url, signing_secret: secret }).returning('id').executeTakeFirstOrThrow();
      const l = await lead('hook-hank');
      const i = input(l, { webhookId: hook.id });
      answer = 200;
      const out = await acts.notifyWebhook(i);
      assert.equal(out.status, 'done');
      const got = received.at(-1)!;
      const sig = String(got.headers['x-clento-signature']);
      const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(sig);
      assert.ok(m, sig);
      const expected = createHmac('sha256', secret).update(`${m[1]}.${got.body}`).digest('hex');
      assert.equal(m[2], expected);
      assert.notEqual(createHmac('sha256', 'wrong').update(`${m[1]}.${got.body}`).digest('hex'), m[2]);
      const event = JSON.parse(got.body);
      assert.equal(event.event, 'campaign.lead_step');
      assert.deepEqual(
        { organizationId: event.organizationId, campaignId: event.campaignId, leadId: event.leadId, stepId: event.stepId, leadUrl: event.lead.linkedinUrl },
        { organizationId: org, campaignId: i.campaignId, leadId: l.id, stepId: 'step-1', leadUrl: l.linkedinUrl },
      );
      assert.ok(!Number.isNaN(Date.parse(event.at)));
      assert.equal(got.headers['content-type'], 'application/json');
      assert.equal(sb.calls().length, 0, 'no LinkedIn call');
    });

    void it('non-2xx → retryable TransientError (without the URL in the message); unknown webhookId → ConfigurationError', async () => {
      const hook = await t.db.insertInto('organization_webhooks').values({ organization_id: org, url, signing_secret: 's' }).returning('id').executeTakeFirstOrThrow();
      answer = 500;
      await assert.rejects(
        acts.notifyWebhook(input(await lead('hook-fail'), { webhookId: hook.id })),
        isFailure('TransientError', (f) => {
          assert.equal(f.nonRetryable, false);
          assert.ok(!f.message.includes('token=abc'));
        }),
      );
      answer = 200;
      await assert.rejects(acts.notifyWebhook(input(await lead('hook-none'), { webhookId: randomUUID() })), isFailure('ConfigurationError'));
      await assert.rejects(acts.notifyWebhook(input(await lead('hook-bad'), { webhookId: 'nope' })), isFailure('ConfigurationError'));
    });

    void it('a step saved without webhookId posts to every endpoint of the organization; with none it is skipped', async () => {
      const other = (await t.db.insertInto('organizations').values({ name: 'Older editor' }).returning('id').executeTakeFirstOrThrow()).id;
      answer = 200;
      const l = await lead('hook-all');
      const none = await acts.notifyWebhook(input(l, {}, { organizationId: other }));
      assert.deepEqual(none, { status: 'skipped', reason: 'no_webhook_endpoint' });

      const hooks = await t.db
        .insertInto('organization_webhooks')
        .values([
          { organization_id: other, url: `${url}&n=1`, signing_secret: 'a' },
          { organization_id: other, url: `${url}&n=2`, signing_secret: 'b' },
        ])
        .returning('id')
        .execute();
      const before = received.length;
      const out = await acts.notifyWebhook(input(l, { webhookId: '' }, { organizationId: other }));
      assert.equal(out.status, 'done');
      const got = received.slice(before);
      assert.equal(got.length, 2, 'both endpoints got the event');
      const deliveries = new Set(got.map((g) => String(g.headers['x-clento-delivery'])));
      assert.equal(deliveries.size, 2, 'one delivery id per endpoint');
      const detail = (out as unknown as { detail: { deliveries: Array<{ webhookId: string }> } }).detail;
      assert.deepEqual(new Set(detail.deliveries.map((d) => d.webhookId)), new Set(hooks.map((h) => h.id)));
    });

    void it('SSRF: with the strict policy a loopback receiver is refused at delivery (non-retryable WebhookDestinationBlocked) and gets nothing', async () => {
      const strict = createLinkedInActivities({ db: t.db, unipile: new UnipileClient({ dsn: sb.dsn, accessToken: sb.accessToken }), logger: createLogger({ level: 'silent' }) });
      const httpOnly = createLinkedInActivities({ db: t.db, unipile: new UnipileClient({ dsn: sb.dsn, accessToken: sb.accessToken }), logger: createLogger({ level: 'silent' }), webhookDestinations: { allowHttp: true, allowedHosts: [] } });
      const port = (receiver.address() as AddressInfo).port;
      const before = received.length;
      answer = 200;
      // URLs stored before the creation check existed (or written to the table directly) are judged again at delivery.
      const cases: Array<[typeof strict, string]> = [
        [strict, url],
        [httpOnly, url],
        [httpOnly, `http://0x7f000001:${port}/hook`],
        [httpOnly, `http://[::ffff:127.0.0.1]:${port}/hook`],
        [httpOnly, `http://localhost:${port}/hook`],
      ];
      // A name (not an IP literal, not "localhost") that resolves to a loopback address: refused when resolved.
      const { address } = await lookup(hostname());
      if (blockedAddressReason(address)) cases.push([httpOnly, `http://${hostname()}:${port}/hook`]);
      for (const [acts2, target] of cases) {
        const hook = await t.db.insertInto('organization_webhooks').values({ organization_id: org, url: target, signing_secret: 's' }).returning('id').executeTakeFirstOrThrow();
        await assert.rejects(
          acts2.notifyWebhook(input(await lead(`hook-ssrf-${randomUUID().slice(0, 8)}`), { webhookId: hook.id })),
          isFailure('WebhookDestinationBlocked', (f) => assert.equal(f.nonRetryable, true, target)),
          target,
        );
      }
      assert.equal(received.length, before, 'no request reached the receiver');
    });

    void it('SSRF: redirects are not followed (a 302 to another local address is a failed delivery, not a request there)', async () => {
      let hit = 0;
      const inner = createServer((_req, res) => {
        hit++;
        res.writeHead(200).end();
      });
      await new Promise<void>((r) => inner.listen(0, '127.0.0.1', r));
      const redirector = createServer((_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${(inner.address() as AddressInfo).port}/` }).end());
      await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
      try {
        const target = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/hook`;
        const hook = await t.db.insertInto('organization_webhooks').values({ organization_id: org, url: target, signing_secret: 's' }).returning('id').executeTakeFirstOrThrow();
        await assert.rejects(
          acts.notifyWebhook(input(await lead('hook-redirect'), { webhookId: hook.id })),
          isFailure('TransientError', (f) => assert.match(f.message, /answered 302/)),
        );
        assert.equal(hit, 0);
      } finally {
        await new Promise<void>((r) => inner.close(() => r()));
        await new Promise<void>((r) => redirector.close(() => r()));
      }
    });
  });

  void it('runs inside a Temporal activity context: heartbeats while liking posts', async () => {
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const i = input(await lead('temporal-tess'), { numberOfPosts: 1 });
    const out: StepOutcome = await env.run((x: StepActivityInput) => acts.likePosts(x), i);
    assert.equal(out.status, 'done');
    assert.ok(beats.length >= 1);
  });
});
