// Two campaigns share one sender account for a simulated fortnight and more on Temporal's time-skipping
// server. The account's quota (Europe/Paris, Mon-Fri 09:00-18:00, 5 invitations a day, 12 a week, 90 s
// + up to 60 s between writes) must hold across both: never more than the pace (12 over 5 working days:
// 3 a day) on a Paris calendar day, nothing outside working hours, never more than 12 in any 7×24 h,
// every lead invited exactly once. Times are workflow time, read from the grants and the lead timelines; the sandbox
// records wall time, so it only says who was invited how often.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { campaignWorkflowId } from '../../src/workflows/definitions';
import type { ExecutionData } from '../../src/domain/timeline';
import type { QuotaTables } from '../../src/quota/quota.schema';
import { seedCampaign } from '../support/fixtures';
import { useEngineOnTimeSkipping } from '../support/stack';

const TZ = 'Europe/Paris';
const DAILY = 5;
const WEEKLY = 12;
const LEADS_PER_CAMPAIGN = 15;
const MIN_GAP_MS = 90_000;
/** Wall-clock bound: the fortnight normally passes in well under this. */
const WALL_BOUND_MS = Number(process.env.QUOTA_WEEK_BOUND_MS ?? 90_000);

function inviteOnlyDefinition() {
  return {
    nodes: [
      {
        id: 'invite',
        type: 'action',
        position: { x: 0, y: 0 },
        data: { type: 'send_connection_request', label: 'Invite', isConfigured: true, config: { message: 'Hello [first_name]' } },
      },
    ],
    edges: [],
    timestamp: '2026-11-25T10:00:00.000Z',
  };
}

/** The even pace: the weekly budget over the five working days, the daily limit a ceiling. */
const PACE = Math.min(DAILY, Math.ceil(WEEKLY / 5));
const WEEK_MS = 7 * 86_400_000;
/** How much later than its grant a lead may record step_started (checked per lead below). */
const LIVED_SLACK_MS = 5 * 60_000;

describe('one account, two campaigns, a fortnight of quota on the time-skipping server', () => {
  const suite = useEngineOnTimeSkipping();

  it('daily and weekly limits, working hours and spacing hold across both campaigns; each lead invited once', { timeout: 110_000 }, async () => {
    const { env, db, engine } = suite;
    const first = await seedCampaign(db.db, {
      unipileAccountId: engine.unipileAccountId,
      definition: inviteOnlyDefinition(),
      leads: LEADS_PER_CAMPAIGN,
      slugPrefix: 'alpha',
      quota: {
        timezone: TZ,
        workingHours: { days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' },
        limits: { invitation: { daily: DAILY, weekly: WEEKLY } },
        warmup: { days: 0, startPercent: 100 },
        minGapSeconds: MIN_GAP_MS / 1000,
        jitterSeconds: 60,
      },
    });
    const second = await seedCampaign(db.db, {
      unipileAccountId: engine.unipileAccountId,
      definition: inviteOnlyDefinition(),
      leads: LEADS_PER_CAMPAIGN,
      slugPrefix: 'beta',
      organizationId: first.organizationId,
      accountId: first.accountId,
    });
    const demand = 2 * LEADS_PER_CAMPAIGN;

    // Start on a Monday at 08:00 in Paris, an hour before the window opens: the schedule is then
    // known in advance (3, 3, 3, 3, 0 | 3, 3, 3, 3, 0 | 3, 3) whatever day the test runs.
    const serverNow = DateTime.fromMillis(await env.currentTimeMs(), { zone: TZ });
    let monday = serverNow.startOf('week').set({ hour: 8 });
    if (monday <= serverNow) monday = monday.plus({ weeks: 1 });
    await env.sleep(monday.toMillis() - serverNow.toMillis());

    const wallStart = Date.now();
    await engine.worker.runUntil(async () => {
      await engine.campaigns.start({ organizationId: first.organizationId, campaignId: first.campaignId });
      await engine.campaigns.start({ organizationId: second.organizationId, campaignId: second.campaignId });
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`campaigns not complete after ${WALL_BOUND_MS} ms of wall time`)), WALL_BOUND_MS);
      });
      try {
        // One result() at a time: each unlocks time skipping while it waits and locks it again when it
        // returns. Two awaited together left time frozen (at the start, or once the first campaign
        // completed) in 3 runs of 4: overlapping unlock/lock pairs do not balance on the test server.
        const both = (async () => {
          for (const s of [first, second]) await env.client.workflow.getHandle(campaignWorkflowId(s.campaignId)).result();
        })();
        await Promise.race([both, bound]);
      } catch (err) {
        // Say how far the simulation got: it tells a slow server from a stuck campaign.
        const got = await db.db.withTables<QuotaTables>().selectFrom('account_action_grants').select('granted_at').where('account_id', '=', first.accountId).execute();
        const last = got.map((g) => new Date(g.granted_at).toISOString()).sort().at(-1);
        const simulated = ((await env.currentTimeMs()) - monday.toMillis()) / 86_400_000;
        throw new Error(`${(err as Error).message}: ${got.length}/${demand} grants, last ${last ?? 'none'}, ${simulated.toFixed(2)} simulated days`, { cause: err });
      } finally {
        clearTimeout(timer);
      }
    });
    const wallMs = Date.now() - wallStart;

    for (const s of [first, second]) {
      const c = await db.db.selectFrom('campaigns').select('status').where('id', '=', s.campaignId).executeTakeFirstOrThrow();
      assert.equal(c.status, 'completed');
    }

    // LinkedIn saw exactly one invitation per lead, across both campaigns.
    for (const slug of [...first.slugs, ...second.slugs]) {
      assert.equal(engine.sandbox.control.writeCount(engine.unipileAccountId, slug, 'invitation'), 1, `${slug} invited once`);
    }

    // The grants: one per lead, on Paris working days inside 09:00-18:00, per day as the greedy quota gives.
    const grants = await db.db
      .withTables<QuotaTables>()
      .selectFrom('account_action_grants')
      .select(['granted_at', 'idempotency_key'])
      .where('account_id', '=', first.accountId)
      .where('kind', '=', 'invitation')
      .orderBy('granted_at')
      .execute();
    assert.equal(grants.length, demand);
    const spanDays = (new Date(grants.at(-1)!.granted_at).getTime() - monday.toMillis()) / 86_400_000;
    console.log(`quota fortnight: ${demand} invitations over ${spanDays.toFixed(1)} simulated days in ${(wallMs / 1000).toFixed(1)} s of wall time`);
    assert.equal(new Set(grants.map((g) => g.idempotency_key)).size, demand);

    // The invitations as the leads lived them: `step_started` of the invite step, workflow time.
    const executions = await db.db
      .selectFrom('campaign_executions')
      .select(['lead_id', 'status', 'execution_data'])
      .where('campaign_id', 'in', [first.campaignId, second.campaignId])
      .execute();
    assert.equal(executions.length, demand);
    const started: DateTime[] = [];
    const waitReasons = new Set<string>();
    for (const e of executions) {
      assert.equal(e.status, 'completed', `lead ${e.lead_id}`);
      const data = e.execution_data as unknown as ExecutionData;
      const starts = data.timeline.filter((t) => t.type === 'step_started' && t.stepId === 'invite');
      assert.equal(starts.length, 1, `lead ${e.lead_id} started its invitation once`);
      started.push(DateTime.fromISO(starts[0]!.at, { zone: TZ }));
      const grant = grants.find((g) => g.idempotency_key.includes(`:${e.lead_id}:invite`));
      const lag = Date.parse(starts[0]!.at) - new Date(grant!.granted_at).getTime();
      assert.ok(lag >= 0 && lag <= LIVED_SLACK_MS, `lead ${e.lead_id} started its invitation ${lag / 1000} s after its grant`);
      for (const t of data.timeline) if (t.type === 'quota_wait' && t.reason) waitReasons.add(t.reason);
    }

    for (const [source, times] of [
      ['grants', grants.map((g) => DateTime.fromJSDate(new Date(g.granted_at), { zone: TZ }))],
      ['step_started', started.sort((a, b) => a.toMillis() - b.toMillis())],
    ] as const) {
      const perDay = new Map<string, number>();
      for (const t of times) {
        const minutes = t.hour * 60 + t.minute;
        assert.ok(t.weekday <= 5 && minutes >= 9 * 60 && minutes < 18 * 60, `${source}: ${t.toISO()} is outside Mon-Fri 09:00-18:00 Paris`);
        perDay.set(t.toISODate()!, (perDay.get(t.toISODate()!) ?? 0) + 1);
        // LinkedIn's rolling week: the 7×24 h ending at this invitation hold at most the weekly limit.
        // The limit holds on the grants exactly; a lead records step_started a little after its grant
        // (worker latency in workflow time, seconds on a loaded machine), so its own week is that much shorter.
        const slack = source === 'grants' ? 0 : LIVED_SLACK_MS;
        const inWindow = times.filter((u) => u.toMillis() <= t.toMillis() && u.toMillis() > t.toMillis() - WEEK_MS + slack).length;
        assert.ok(inWindow <= WEEKLY, `${source}: ${inWindow} invitations in the 7×24 h up to ${t.toISO()}`);
      }
      for (const [day, n] of perDay) assert.ok(n <= PACE, `${source}: ${n} invitations on ${day}, over the pace of ${PACE}`);
      // The first rolling week is used in full: 12 by the Thursday, none on the Friday (the weekly cap).
      const firstWeek = times.filter((t) => t.toMillis() < monday.plus({ days: 7 }).toMillis()).length;
      assert.equal(firstWeek, WEEKLY, `${source}: the first 7 days`);
      for (let i = 1; i < times.length; i++) {
        const gap = times[i]!.toMillis() - times[i - 1]!.toMillis();
        assert.ok(gap >= MIN_GAP_MS, `${source}: ${gap / 1000} s between two writes, less than the minimum gap`);
        // Spread across the window, never a burst at the opening: 3 a day over 9 h are hours apart.
        if (times[i]!.toISODate() === times[i - 1]!.toISODate()) assert.ok(gap >= 3_600_000, `${source}: ${gap / 60_000} min between two invitations on ${times[i]!.toISODate()}`);
      }
    }
    // The leads' own clocks agree with the slots they were given.
    for (const g of grants) {
      assert.ok(started.some((t) => Math.abs(t.toMillis() - new Date(g.granted_at).getTime()) < 5_000), `a step started at the grant ${new Date(g.granted_at).toISOString()}`);
    }

    // Every hold shows in the timelines with its reason.
    for (const reason of ['outside_working_hours', 'daily_pace', 'weekly_limit']) {
      assert.ok(waitReasons.has(reason), `a quota_wait with reason ${reason} (saw ${[...waitReasons].join(', ')})`);
    }
  });
});
