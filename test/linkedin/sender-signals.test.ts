// Unipile's quota signals reaching the quota, and the sandbox playing LinkedIn's sender rules:
// account types, the InMail balance, the re-invite wait after a withdrawal, the free note budget,
// Unipile's own rate limiter (headers, 429 api/too_many_requests with retry-after) told apart from
// LinkedIn's provider/too_many_requests, and the invitation answer's usage thresholds.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startSandboxLinkedIn, type SandboxHandle } from '../../src/linkedin/sandbox/server';
import { UnipileClient } from '../../src/linkedin/unipile.client';
import { createLogger } from '../../src/logger';
import { createLinkedInActivities } from '../../src/activities/linkedin';
import type { LeadSnapshot, StepActivityInput } from '../../src/domain/step-outcome';
import { RATE_LIMIT_BACKOFF_MS } from '../../src/linkedin/errors';
import { getAccountUsage, reserveAction, updateAccountSettings } from '../../src/quota/quota.repository';
import type { QuotaTables } from '../../src/quota/quota.schema';
import { recordAccountType } from '../../src/quota/sender-safety';

const retryAfterOf = (e: unknown): number => {
  assert.ok(e instanceof ApplicationFailure && e.type === 'RateLimitedError', String(e));
  return (e.details?.[0] as { retryAfterMs: number }).retryAfterMs;
};

void describe("Unipile's signals and LinkedIn's sender rules", () => {
  let t: TestDatabase;
  let sb: SandboxHandle;
  let org: string;
  let list: string;
  let account: string;
  let unipileAccount: string;
  let unipile: UnipileClient;
  let acts: ReturnType<typeof createLinkedInActivities>;

  before(async () => {
    t = await createTestDatabase();
    sb = await startSandboxLinkedIn({ dailyInvitationLimit: 4, reinviteAfterWithdrawalMs: 400, freeNotesPerMonth: 2 });
    org = (await t.db.insertInto('organizations').values({ name: 'Acme' }).returning('id').executeTakeFirstOrThrow()).id;
    list = (await t.db.insertInto('lead_lists').values({ organization_id: org, name: 'L', description: null }).returning('id').executeTakeFirstOrThrow()).id;
    unipile = new UnipileClient({ dsn: sb.dsn, accessToken: sb.accessToken, timeoutMs: 2_000 });
    acts = createLinkedInActivities({ db: t.db, unipile, logger: createLogger({ level: 'silent' }) });
  });
  after(async () => {
    await sb.stop();
    await t.drop();
  });
  beforeEach(async () => {
    sb.clearCalls();
    sb.control.clearFaults();
    sb.control.setApiRateLimit(null);
    unipileAccount = sb.control.createAccount().id;
    account = (
      await t.db
        .insertInto('connected_accounts')
        .values({ organization_id: org, provider_account_id: unipileAccount, display_name: 'Sender', status_reason: null, capabilities: '{}' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    await updateAccountSettings(t.db, account, { workingHours: { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' }, minGapSeconds: 0, jitterSeconds: 0, warmup: { days: 0, startPercent: 100 } });
  });

  async function lead(slug: string): Promise<LeadSnapshot> {
    const row = await t.db
      .insertInto('leads')
      .values({ organization_id: org, lead_list_id: list, first_name: 'Pat', last_name: 'Doe', company: 'Initech', linkedin_url: `https://www.linkedin.com/in/${slug}/`, enrichment_data: '{}' } as never)
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id: row.id, firstName: 'Pat', lastName: 'Doe', fullName: null, company: 'Initech', title: null, email: null, linkedinUrl: `https://www.linkedin.com/in/${slug}/`, linkedinId: null, providerId: null };
  }
  const input = (l: LeadSnapshot, config: Record<string, unknown> = {}): StepActivityInput => ({ organizationId: org, campaignId: randomUUID(), accountId: account, stepId: 'step-1', config, lead: l });
  const blocks = () => t.db.withTables<QuotaTables>().selectFrom('account_blocks').selectAll().where('account_id', '=', account).execute();

  void it('the sandbox answers account types and InMail balances like Unipile', async () => {
    const free = sb.control.createAccount({ premiumFeatures: [] }).id;
    const a = await unipile.account.getOne(free);
    assert.deepEqual(a.connection_params?.im?.premiumFeatures, []);
    assert.deepEqual((await unipile.account.getOne(unipileAccount)).connection_params?.im?.premiumFeatures, ['premium']);
    sb.control.setAccount(unipileAccount, { inmailCredits: 7 });
    const b = await unipile.linkedin.getInmailBalance({ account_id: unipileAccount });
    assert.deepEqual({ object: b.object, premium: b.premium, recruiter: b.recruiter, sales_navigator: b.sales_navigator }, { object: 'LinkedinInmailBalance', premium: 7, recruiter: null, sales_navigator: null });
  });

  void it('the sandbox refuses a re-invitation for the configured time after a withdrawal, and a sixth free note', async () => {
    const p = sb.control.person('wanda-withdrawn').providerId;
    const inv = await unipile.users.sendInvitation({ account_id: unipileAccount, provider_id: p });
    await unipile.users.cancelInvitationSent({ account_id: unipileAccount, invitation_id: inv.invitation_id });
    await assert.rejects(unipile.users.sendInvitation({ account_id: unipileAccount, provider_id: p }), /422 cannot_resend_yet/);
    await new Promise((r) => setTimeout(r, 450));
    await unipile.users.sendInvitation({ account_id: unipileAccount, provider_id: p });

    const free = sb.control.createAccount({ premiumFeatures: [] }).id;
    for (const s of ['n1', 'n2']) await unipile.users.sendInvitation({ account_id: free, provider_id: sb.control.person(s).providerId, message: 'Hi' });
    await assert.rejects(unipile.users.sendInvitation({ account_id: free, provider_id: sb.control.person('n3').providerId, message: 'Hi' }), /422 limit_exceeded/);
    await unipile.users.sendInvitation({ account_id: free, provider_id: sb.control.person('n3').providerId });
  });

  void it('a withdrawal is remembered: the engine does not invite that person again before the wait ends (cannot_resend_yet with its date)', async () => {
    const l = await lead('remy-reinvite');
    const i = input(l);
    const sent = await acts.sendInvitation(i);
    assert.equal(sent.status, 'done');
    const providerId = sent.status === 'done' ? (sent.detail.providerId as string) : '';
    assert.equal((await acts.withdrawInvitation({ ...i, stepId: 'withdraw' })).status, 'done');
    const before = Date.now();
    // Another campaign, same person: the step refuses before calling LinkedIn.
    const again = await acts.sendInvitation({ ...input({ ...l, providerId }), config: { dedupeAcrossCampaigns: false } });
    assert.equal(again.status, 'skipped');
    assert.equal(again.status === 'skipped' && again.reason, 'cannot_resend_yet');
    const until = Date.parse(String(again.detail?.until));
    assert.ok(Math.abs(until - (before + 21 * 86_400_000)) < 60_000, `until ${String(again.detail?.until)}`);
    assert.equal(sb.calls({ method: 'POST', path: '/api/v1/users/invite' }).length, 1, 'LinkedIn was asked once');
    // The reservation waits for the same date.
    const r = await reserveAction(t.db, { accountId: account, kind: 'invitation', idempotencyKey: `${account}:again`, now: new Date(), invitation: { providerId, withNote: false, notePolicy: 'drop' } });
    assert.ok(!r.granted && r.reason === 'cannot_resend_yet' && Math.abs(r.retryAt.getTime() - until) < 60_000, JSON.stringify(r));
  });

  void it("Unipile's limiter: headers stored; api/too_many_requests waits the stated time, not hours, and holds every kind", async () => {
    sb.control.setApiRateLimit({ limit: 50, windowMs: 60_000 });
    assert.equal((await acts.visitProfile(input(await lead('hal-headers')))).status, 'done');
    const state = await t.db.withTables<QuotaTables>().selectFrom('account_provider_state').select('rate_limit').where('account_id', '=', account).executeTakeFirstOrThrow();
    assert.equal(state.rate_limit?.limit, 50);
    assert.ok((state.rate_limit?.remaining ?? 0) >= 40);
    assert.deepEqual(await blocks(), [], 'plenty left: no hold');

    sb.control.setApiRateLimit({ limit: 1, windowMs: 30_000 });
    // The profile read uses the one call; the invitation is refused by Unipile itself.
    const err = await acts.sendInvitation(input(await lead('ulla-unipile'))).then(() => null, (e: unknown) => e);
    const ms = retryAfterOf(err);
    assert.ok(ms > 0 && ms <= 30_000, `retry at the stated time (${ms} ms), not hours`);
    const b = await blocks();
    assert.equal(b.length, 1);
    assert.equal(b[0]!.kind, 'all');
    assert.match(b[0]!.reason, /^api\//, "Unipile's limiter (its 429, or its headers at 0 left)");
    const r = await reserveAction(t.db, { accountId: account, kind: 'message', idempotencyKey: `${account}:m`, now: new Date() });
    assert.ok(!r.granted && r.reason === 'api_rate_limit', JSON.stringify(r));
    const events = await t.db.withTables<QuotaTables>().selectFrom('account_safety_events').select('kind').where('account_id', '=', account).execute();
    assert.ok(events.length > 0 && events.every((e) => e.kind === 'api_rate_limit'), "Unipile's limiter is not a LinkedIn refusal: health unaffected");
  });

  void it("LinkedIn's provider/too_many_requests backs off for hours and counts as a refusal", async () => {
    sb.control.failNext({ method: 'POST', path: '/api/v1/users/invite', status: 429, type: 'provider/too_many_requests', retryAfterSeconds: 5 });
    const err = await acts.sendInvitation(input(await lead('pia-provider'))).then(() => null, (e: unknown) => e);
    assert.equal(retryAfterOf(err), RATE_LIMIT_BACKOFF_MS, "LinkedIn's window is not reliable: hours, whatever the header says");
    const b = await blocks();
    assert.equal(b[0]?.reason, 'provider/too_many_requests');
    const r = await reserveAction(t.db, { accountId: account, kind: 'invitation', idempotencyKey: `${account}:p`, now: new Date() });
    assert.ok(!r.granted && r.reason === 'provider_limit', JSON.stringify(r));
    const usage = await getAccountUsage(t.db, { accountId: account, now: new Date() });
    assert.equal(usage.health.providerRefusals7d, 1);
  });

  void it("the invitation answer's usage threshold slows invitations before LinkedIn refuses", async () => {
    await updateAccountSettings(t.db, account, { limits: { invitation: { daily: 5, weekly: null } } });
    await recordAccountType(t.db, account, ['premium'], new Date());
    // The sandbox's cap is 4 a day: the 2nd crosses 50 %, the 3rd 75 %.
    for (const s of ['u1', 'u2', 'u3']) assert.equal((await acts.sendInvitation(input(await lead(`usage-${s}`)))).status, 'done');
    const usage = await getAccountUsage(t.db, { accountId: account, now: new Date() });
    assert.equal(usage.signals.usagePercent, 75);
    assert.equal(usage.today.perKind.invitation.pace, 3, '5 a day × 0.6');
    assert.ok(usage.health.slowdown.reasons.some((r) => r.startsWith('usage_slowdown')), JSON.stringify(usage.health.slowdown));
    const now = new Date();
    const got: string[] = [];
    for (let n = 0; n < 5; n++) {
      const r = await reserveAction(t.db, { accountId: account, kind: 'invitation', idempotencyKey: `${account}:u${n}`, now });
      got.push(r.granted ? 'granted' : r.reason);
    }
    assert.deepEqual(got, ['granted', 'granted', 'granted', 'usage_slowdown', 'usage_slowdown']);
  });

  void it('the note budget: over it the note is dropped, or (policy wait) the invitation waits for the budget', async () => {
    await recordAccountType(t.db, account, [], new Date());
    await updateAccountSettings(t.db, account, { safety: { freeNotesPerMonth: 1 } });
    const now = new Date();
    const target = { providerId: null, withNote: true, notePolicy: 'drop' as const };
    const a = await reserveAction(t.db, { accountId: account, kind: 'invitation', idempotencyKey: `${account}:n1`, now, invitation: target });
    const b = await reserveAction(t.db, { accountId: account, kind: 'invitation', idempotencyKey: `${account}:n2`, now, invitation: target });
    assert.ok(a.granted && a.withNote === true && b.granted && b.withNote === false, JSON.stringify([a, b]));
    const c = await reserveAction(t.db, { accountId: account, kind: 'invitation', idempotencyKey: `${account}:n3`, now, invitation: { ...target, notePolicy: 'wait' } });
    assert.ok(!c.granted && c.reason === 'note_budget', JSON.stringify(c));
    assert.ok(Math.abs(c.retryAt.getTime() - (a.granted ? a.at.getTime() : 0) - 30 * 86_400_000) < 60_000, 'when the note ages out of the 30 days');
    const usage = await getAccountUsage(t.db, { accountId: account, now });
    assert.deepEqual(usage.notes, { budget: 1, used: 1, remaining: 0 });
    assert.equal(usage.accountType, 'free');
    assert.equal(usage.today.perKind.invitation.pace, 22, 'free: 150 a week over 7 open days, rounded up');
  });

  void it('the pending cap holds new invitations (pending_cap)', async () => {
    await updateAccountSettings(t.db, account, { safety: { pendingCap: 2 } });
    for (const s of ['p1', 'p2']) assert.equal((await acts.sendInvitation(input(await lead(`cap-${s}`)))).status, 'done');
    const r = await reserveAction(t.db, { accountId: account, kind: 'invitation', idempotencyKey: `${account}:cap`, now: new Date(), invitation: { providerId: null, withNote: false, notePolicy: 'drop' } });
    assert.ok(!r.granted && r.reason === 'pending_cap', JSON.stringify(r));
    const usage = await getAccountUsage(t.db, { accountId: account, now: new Date() });
    assert.deepEqual(usage.invitations, { pending: 2, pendingCap: 2 });
  });
});
