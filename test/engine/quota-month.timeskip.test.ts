// A simulated month of LinkedIn's real rules on Temporal's time-skipping server, for a free and a
// Premium sender account (UTC, Mon-Fri 09:00-18:00, 90 s + up to 60 s between writes, no warm-up).
//
// Free account (the sandbox account has no premiumFeatures): 10 invitations a week, so a pace of 2 a
// day; the default note budget (5 notes per 30 days, over it the note is dropped); a pending cap of 8
// with invitations pending for 7 days withdrawn at the cap; nobody accepts, so once 6 invitations are
// older than 3 days the acceptance (0 %) slows the pace to 1 a day.
// Premium account: 15 a week (3 a day), no note budget, no InMail credit; campaign "first" invites and
// withdraws after 2 days without acceptance; campaign "again" invites the same people 4 days later,
// which LinkedIn refuses for ~3 weeks after a withdrawal, so the engine waits until then.
//
// Times are workflow time (grants, timelines, the invitation records); the sandbox runs on wall time,
// so its own re-invite wait is switched off here (the sandbox test covers it) and its 30-day note
// budget spans the whole run (a sixth note would be refused).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { campaignWorkflowId } from '../../src/workflows/definitions';
import type { ExecutionData, TimelineEntry } from '../../src/domain/timeline';
import type { QuotaTables } from '../../src/quota/quota.schema';
import { seedCampaign, type Seeded } from '../support/fixtures';
import type { TestDatabase } from '../support/database';
import { useEngineOnTimeSkipping } from '../support/stack';

const DAY = 86_400_000;
const WEEK = 7 * DAY;
const MIN_GAP_MS = 90_000;
const WALL_BOUND_MS = Number(process.env.QUOTA_MONTH_BOUND_MS ?? 240_000);
const FREE = { weekly: 10, pace: 2, slowedPace: 1, pendingCap: 8, leads: 16 };
const PREMIUM = { weekly: 15, pace: 3, leads: 5 };

const node = (id: string, type: string, config: Record<string, unknown>, pathType?: string) => ({
  id,
  type: 'action',
  position: { x: 0, y: 0 },
  data: { type, label: id, isConfigured: true, config, ...(pathType ? { pathType } : {}) },
});
const edge = (id: string, source: string, target: string, delayDays: number, branch?: boolean) => ({
  id,
  source,
  target,
  type: branch === undefined ? 'buttonedge' : 'conditional',
  data: {
    ...(delayDays ? { delay: `${delayDays}d`, delayData: { delay: delayDays, unit: 'd' } } : {}),
    ...(branch === undefined ? {} : { isPositive: branch, isConditionalPath: true }),
  },
});
const definition = (nodes: unknown[], edges: unknown[]) => ({ nodes, edges, timestamp: '2026-11-25T10:00:00.000Z' });

const quota = (weekly: number, safety: Record<string, unknown>) => ({
  timezone: 'UTC',
  workingHours: { days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' },
  limits: { invitation: { daily: 80, weekly } },
  warmup: { days: 0, startPercent: 100 },
  minGapSeconds: MIN_GAP_MS / 1000,
  jitterSeconds: 60,
  safety,
});

async function timelines(db: TestDatabase, campaignId: string): Promise<Array<{ leadId: string; status: string; timeline: TimelineEntry[] }>> {
  const rows = await db.db.selectFrom('campaign_executions').select(['lead_id', 'status', 'execution_data']).where('campaign_id', '=', campaignId).execute();
  return rows.map((r) => ({ leadId: r.lead_id, status: r.status, timeline: (r.execution_data as unknown as ExecutionData).timeline }));
}

describe('a month of sender safety for a free and a Premium account on the time-skipping server', () => {
  const suite = useEngineOnTimeSkipping({ sandbox: { reinviteAfterWithdrawalMs: 0 } });

  it('rolling weeks, even pace, note budget, InMail credits, re-invite wait, pending cap and health hold, each with its reason', { timeout: WALL_BOUND_MS + 30_000 }, async () => {
    const { env, db, engine } = suite;
    const sb = engine.sandbox.control;
    // The engine's default sandbox account is Premium; this one is free, and the Premium one has no InMail credit.
    const freeSandbox = sb.createAccount({ name: 'Free sender', premiumFeatures: [] });
    sb.setAccount(engine.unipileAccountId, { inmailCredits: 0 });

    const free = await seedCampaign(db.db, {
      unipileAccountId: freeSandbox.id,
      definition: definition([node('invite', 'send_connection_request', { message: 'Hello [first_name]' })], []),
      leads: FREE.leads,
      slugPrefix: 'free',
      quota: quota(FREE.weekly, { pendingCap: FREE.pendingCap, withdrawPendingAfterDays: 7, healthMinSample: 6 }),
    });
    // Premium: judged only after 100 invitations, so its health never slows it here.
    const first = await seedCampaign(db.db, {
      unipileAccountId: engine.unipileAccountId,
      definition: definition(
        [node('visit', 'profile_visit', {}), node('invite', 'send_connection_request', { message: 'Hi [first_name]' }), node('withdraw', 'withdraw_request', {}, 'not-accepted')],
        [edge('e1', 'visit', 'invite', 0), edge('e2', 'invite', 'withdraw', 2, false)],
      ),
      leads: PREMIUM.leads,
      slugPrefix: 'person',
      quota: quota(PREMIUM.weekly, { healthMinSample: 100 }),
    });
    const again = await seedCampaign(db.db, {
      unipileAccountId: engine.unipileAccountId,
      definition: definition(
        [node('visit', 'profile_visit', {}), node('invite', 'send_connection_request', { message: 'Hi again [first_name]', dedupeAcrossCampaigns: false })],
        [edge('e1', 'visit', 'invite', 4)],
      ),
      leads: PREMIUM.leads,
      slugPrefix: 'person',
      organizationId: first.organizationId,
      accountId: first.accountId,
    });
    const inmail = await seedCampaign(db.db, {
      unipileAccountId: engine.unipileAccountId,
      definition: definition([node('inmail', 'send_inmail', { subject: 'Hello', message: 'Hi [first_name], a word?' })], []),
      leads: 2,
      slugPrefix: 'inmail',
      organizationId: first.organizationId,
      accountId: first.accountId,
    });
    // "again" works the same people while "first" does: only with the organization's one voice off.
    await db.db.updateTable('organizations').set({ one_voice: false }).where('id', '=', first.organizationId).execute();
    const campaigns: Seeded[] = [free, first, again, inmail];

    const serverNow = DateTime.fromMillis(await env.currentTimeMs(), { zone: 'UTC' });
    let monday = serverNow.startOf('week').set({ hour: 8 });
    if (monday <= serverNow) monday = monday.plus({ weeks: 1 });
    await env.sleep(monday.toMillis() - serverNow.toMillis());

    const wallStart = Date.now();
    await engine.worker.runUntil(async () => {
      for (const c of campaigns) await engine.campaigns.start({ organizationId: c.organizationId, campaignId: c.campaignId });
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`campaigns not complete after ${WALL_BOUND_MS} ms of wall time`)), WALL_BOUND_MS);
      });
      try {
        // One result() at a time (see quota-week.timeskip.test.ts): overlapping waits freeze skipped time.
        const all = (async () => {
          for (const c of campaigns) await env.client.workflow.getHandle(campaignWorkflowId(c.campaignId)).result();
        })();
        await Promise.race([all, bound]);
      } catch (err) {
        const simulated = ((await env.currentTimeMs()) - monday.toMillis()) / DAY;
        throw new Error(`${(err as Error).message}: ${simulated.toFixed(2)} simulated days`, { cause: err });
      } finally {
        clearTimeout(timer);
      }
    });
    const wallMs = Date.now() - wallStart;
    // The server's clock runs on once nothing is left to wait for: the span is that of the last grant.
    const lastGrant = await db.db.withTables<QuotaTables>().selectFrom('account_action_grants').select('granted_at').orderBy('granted_at', 'desc').limit(1).executeTakeFirstOrThrow();
    const simulatedDays = (new Date(lastGrant.granted_at).getTime() - monday.toMillis()) / DAY;
    console.log(`quota month: ${simulatedDays.toFixed(1)} simulated days in ${(wallMs / 1000).toFixed(1)} s of wall time`);
    assert.ok(simulatedDays >= 21 && simulatedDays < 35, `the run spans the re-invite wait, within about a month (${simulatedDays.toFixed(1)} days)`);

    // ---- per day and per rolling week, on both accounts -----------------------------------------
    const invitationsOf = async (accountId: string) =>
      (
        await db.db
          .withTables<QuotaTables>()
          .selectFrom('account_action_grants')
          .select('granted_at')
          .where('account_id', '=', accountId)
          .where('kind', '=', 'invitation')
          .orderBy('granted_at')
          .execute()
      ).map((g) => DateTime.fromJSDate(new Date(g.granted_at), { zone: 'UTC' }));
    for (const [name, accountId, rules] of [
      ['free', free.accountId, FREE],
      ['premium', first.accountId, PREMIUM],
    ] as const) {
      const times = await invitationsOf(accountId);
      const perDay = new Map<string, number>();
      for (const [i, t] of times.entries()) {
        assert.ok(t.weekday <= 5 && t.hour >= 9 && t.hour < 18, `${name}: ${t.toISO()} outside working hours`);
        perDay.set(t.toISODate()!, (perDay.get(t.toISODate()!) ?? 0) + 1);
        const window = times.filter((u) => u <= t && u.toMillis() > t.toMillis() - WEEK).length;
        assert.ok(window <= rules.weekly, `${name}: ${window} invitations in the 7×24 h up to ${t.toISO()}`);
        const prev = times[i - 1];
        if (prev && prev.toISODate() === t.toISODate()) {
          // Spread over the window (2 or 3 a day over 9 h, hours apart): never a burst at 09:00, Mondays included.
          assert.ok(t.toMillis() - prev.toMillis() >= 60 * 60_000, `${name}: ${(t.toMillis() - prev.toMillis()) / 60_000} min between invitations on ${t.toISODate()}`);
        }
      }
      for (const [day, n] of perDay) assert.ok(n <= rules.pace, `${name}: ${n} invitations on ${day}, over the pace of ${rules.pace}`);
      assert.ok([...perDay.values()].includes(rules.pace), `${name}: the pace is reached on some day`);
    }

    // ---- free account: note budget, pending cap, health slowdown --------------------------------
    const freeLeads = await timelines(db, free.campaignId);
    assert.equal(freeLeads.length, FREE.leads);
    const freeReasons = new Set(freeLeads.flatMap((l) => l.timeline.filter((t) => t.type === 'quota_wait').map((t) => t.reason)));
    const invited = freeLeads.map((l) => l.timeline.find((t) => t.type === 'step_completed' && t.stepId === 'invite')).filter((t) => t !== undefined);
    assert.equal(invited.length, FREE.leads, 'every free lead invited');
    const withNote = invited.filter((t) => t.detail?.withNote === true);
    const dropped = invited.filter((t) => t.detail?.noteDropped === 'note_budget');
    assert.equal(withNote.length, 5, 'five notes in the month');
    assert.equal(dropped.length, FREE.leads - 5, 'the rest went without their note, and the timeline says why');
    const freeInvites = engine.sandbox.calls({ method: 'POST', path: '/api/v1/users/invite' }).filter((c) => c.body?.account_id === freeSandbox.id);
    assert.equal(freeInvites.filter((c) => typeof c.body?.message === 'string').length, 5, 'LinkedIn saw five notes');
    assert.ok(freeInvites.every((c) => c.status === 200), 'LinkedIn refused nothing');
    assert.ok(freeReasons.has('pending_cap'), `a wait at the pending cap (saw ${[...freeReasons].join(', ')})`);
    assert.ok(freeReasons.has('health_slowdown'), `a slowdown for low acceptance (saw ${[...freeReasons].join(', ')})`);
    // The pending count never passed the cap, and the cap was relieved by withdrawing week-old invitations.
    const rows = await db.db.withTables<QuotaTables>().selectFrom('account_invitations').selectAll().where('account_id', '=', free.accountId).orderBy('sent_at').execute();
    assert.equal(rows.length, FREE.leads);
    for (const r of rows) {
      const at = new Date(r.sent_at).getTime();
      const pendingThen = rows.filter((o) => new Date(o.sent_at).getTime() <= at && (o.resolved_at === null || new Date(o.resolved_at).getTime() > at)).length;
      assert.ok(pendingThen <= FREE.pendingCap, `${pendingThen} pending when ${new Date(r.sent_at).toISOString()} was sent`);
    }
    const withdrawn = rows.filter((r) => r.state === 'withdrawn');
    assert.ok(withdrawn.length > 0, 'stale invitations were withdrawn at the cap');
    for (const w of withdrawn) assert.ok(new Date(w.resolved_at!).getTime() - new Date(w.sent_at).getTime() >= 7 * DAY, 'only invitations pending for 7 days');
    assert.ok(withdrawn.every((w) => engine.sandbox.control.writeCount(freeSandbox.id, w.provider_id, 'cancel_invitation') === 1), 'withdrawn on LinkedIn, once');
    // After the slowdown, one a day.
    const freeTimes = await invitationsOf(free.accountId);
    const slowFrom = DateTime.fromISO(freeLeads.flatMap((l) => l.timeline.filter((t) => t.type === 'quota_wait' && t.reason === 'health_slowdown').map((t) => t.at)).sort()[0]!, { zone: 'UTC' });
    const afterSlow = freeTimes.filter((t) => t.toISODate()! > slowFrom.toISODate()!);
    const perDayAfter = new Map<string, number>();
    for (const t of afterSlow) perDayAfter.set(t.toISODate()!, (perDayAfter.get(t.toISODate()!) ?? 0) + 1);
    assert.ok([...perDayAfter.values()].every((n) => n <= FREE.slowedPace), `slowed to ${FREE.slowedPace} a day: ${JSON.stringify(Object.fromEntries(perDayAfter))}`);

    // ---- premium account: notes kept, re-invite wait, InMail without credit ---------------------
    const premiumInvites = engine.sandbox.calls({ method: 'POST', path: '/api/v1/users/invite' }).filter((c) => c.body?.account_id === engine.unipileAccountId);
    assert.equal(premiumInvites.length, 2 * PREMIUM.leads);
    assert.ok(premiumInvites.every((c) => typeof c.body?.message === 'string' && c.status === 200), 'Premium: every invitation with its note, none refused');
    const firstLeads = await timelines(db, first.campaignId);
    const againLeads = await timelines(db, again.campaignId);
    const leadSlug = async (leadId: string) => (await db.db.selectFrom('leads').select('linkedin_url').where('id', '=', leadId).executeTakeFirstOrThrow()).linkedin_url!;
    const withdrawnAt = new Map<string, number>();
    for (const l of firstLeads) {
      const w = l.timeline.find((t) => t.type === 'step_completed' && t.stepId === 'withdraw');
      assert.ok(w, `lead ${l.leadId} withdrawn after the acceptance window`);
      withdrawnAt.set(await leadSlug(l.leadId), Date.parse(w.at));
    }
    for (const l of againLeads) {
      const slug = await leadSlug(l.leadId);
      const started = l.timeline.find((t) => t.type === 'step_started' && t.stepId === 'invite');
      const done = l.timeline.find((t) => t.type === 'step_completed' && t.stepId === 'invite');
      assert.ok(started && done, `${slug} invited again`);
      const w = withdrawnAt.get(slug)!;
      assert.ok(Date.parse(started.at) >= w + 21 * DAY, `${slug}: invited again ${((Date.parse(started.at) - w) / DAY).toFixed(1)} days after the withdrawal`);
      const waits = l.timeline.filter((t) => t.type === 'quota_wait' && t.reason === 'cannot_resend_yet');
      assert.ok(waits.length > 0, `${slug}: waited with cannot_resend_yet`);
      assert.ok(Math.abs(Date.parse(waits[0]!.until!) - (w + 21 * DAY)) < DAY, `${slug}: the wait says its date (${waits[0]!.until})`);
    }
    const inmailLeads = await timelines(db, inmail.campaignId);
    for (const l of inmailLeads) {
      assert.ok(l.timeline.some((t) => t.type === 'step_skipped' && t.reason === 'insufficient_credits'), `InMail skipped for lack of credit (lead ${l.leadId})`);
    }
    assert.equal(engine.sandbox.calls({ method: 'POST', path: '/api/v1/chats' }).length, 0, 'no InMail was sent');
    assert.ok(engine.sandbox.calls({ method: 'GET', path: '/api/v1/linkedin/inmail_balance' }).length >= 2, 'the balance was read first');
    const premiumReasons = new Set([...firstLeads, ...againLeads].flatMap((l) => l.timeline.filter((t) => t.type === 'quota_wait').map((t) => t.reason)));
    assert.ok(!premiumReasons.has('health_slowdown') && !premiumReasons.has('pending_cap'), [...premiumReasons].join());

    // The account types came from Unipile's account objects.
    const types = await db.db.withTables<QuotaTables>().selectFrom('account_provider_state').select(['account_id', 'account_type']).execute();
    assert.equal(types.find((t) => t.account_id === free.accountId)?.account_type, 'free');
    assert.equal(types.find((t) => t.account_id === first.accountId)?.account_type, 'premium');
  });
});
