// The forecast model's arithmetic against expectations worked out by hand (the working is in the
// comments): working hours in the sender's own zone, the even spread over the window, a DST change,
// the rolling-week cap, the warm-up ramp, and p50 / p90 of the acceptance phase. Jitter is 0 in every
// case, so each expectation is exact to the millisecond, except the p50 / p90 of a random acceptance
// delay, which has a tolerance of several standard errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SAFETY } from '../quota/limits';
import { InvitationSlots, SenderCalendar, type SenderModel } from '../quota/invitation-slots';
import type { PlanTimeline } from '../domain/workflow-definition/plan-timeline';
import { simulateForecast, type ForecastModelInput } from './forecast-model';

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** A lead that asks for its invitation as it starts and ends when it is sent. */
const INVITE_ONLY: PlanTimeline = { inviteStepId: 'invite', inviteAfterMs: 0, acceptanceWindowMs: 0, acceptedTailMs: 0, notAcceptedTailMs: 0, plainTailMs: 0, totalMs: 0 };

function sender(o: Partial<SenderModel['settings']> & Pick<SenderModel['settings'], 'timezone' | 'workingHours'>, rest: Partial<SenderModel> = {}): SenderModel & { acceptanceRate: number } {
  return {
    accountId: 'acc',
    settings: {
      limits: {},
      warmup: { days: 0, startPercent: 100 },
      minGapSeconds: 0,
      jitterSeconds: 0,
      safety: { ...DEFAULT_SAFETY },
      ...o,
    },
    accountType: null,
    connectedOn: '2026-01-01',
    healthFactor: 1,
    acceptanceRate: 0.3,
    ...rest,
  };
}

/** The grants of `leads` invitations all asked for at `now`, in order (one run, no jitter). */
function grants(s: SenderModel, now: string, leads: number, campaignSchedule: unknown = null): string[] {
  const cal = new SenderCalendar(s, campaignSchedule, new Date(now), 400 * DAY);
  const slots = new InvitationSlots(cal, () => 0);
  return Array.from({ length: leads }, () => new Date(slots.grant(Date.parse(now))).toISOString());
}

function forecast(s: ReturnType<typeof sender>, now: string, leads: number, extra: Partial<ForecastModelInput> = {}) {
  return simulateForecast({
    now: new Date(now),
    leads,
    timeline: INVITE_ONLY,
    campaignSchedule: null,
    leadsPerDay: null,
    maxConcurrentLeads: 100,
    leadProcessingDelayMs: 0,
    senders: [s],
    runs: 3,
    seed: 1,
    ...extra,
  });
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

void describe('forecast model: invitation slots', () => {
  void it('working hours are the sender\'s own (New York), and a day\'s pace is spread over its window', () => {
    // America/New_York in early March is EST (UTC-5); Mon-Fri 09:00-17:00, 3 a day, no weekly cap.
    // Asked Monday 2026-03-02 07:00 local (12:00Z): nothing before the 09:00 opening (14:00Z).
    // Spread: the 1st at the opening; then what is left of the window over the remaining slots + 1:
    //   2nd: from 09:00, (17:00 - 09:00) / (2 + 1) = 2h40 -> 11:40 (16:40Z)
    //   3rd: from 11:40, (17:00 - 11:40) / (1 + 1) = 2h40 -> 14:20 (19:20Z)
    // The 4th has used the day: Tuesday the same three, Wednesday 09:00 the 7th.
    const s = sender({ timezone: 'America/New_York', workingHours: { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' }, limits: { invitation: { daily: 3, weekly: null } } });
    assert.deepEqual(grants(s, '2026-03-02T12:00:00Z', 7), [
      '2026-03-02T14:00:00.000Z',
      '2026-03-02T16:40:00.000Z',
      '2026-03-02T19:20:00.000Z',
      '2026-03-03T14:00:00.000Z',
      '2026-03-03T16:40:00.000Z',
      '2026-03-03T19:20:00.000Z',
      '2026-03-04T14:00:00.000Z',
    ]);
    assert.equal(iso(forecast(s, '2026-03-02T12:00:00Z', 7).allInvited.p50), '2026-03-04T14:00:00.000Z');
  });

  void it("a sender's day is its local day even when its window straddles midnight UTC (Tokyo)", () => {
    // Asia/Tokyo (UTC+9, no DST), Mon-Fri 08:00-12:00 local = 23:00Z the day before to 03:00Z. Daily 4,
    // warm-up 2 days from 50 % started Monday 2026-03-02 (local): Mon 2, Tue 3, Wed 4. 60 s apart, no spread.
    // Asked Monday 07:00 JST (Sunday 22:00Z): Mon 23:00Z, 23:01Z (Sun UTC); Tue 3 from Mon 23:00Z; the 6th Tue 23:00Z.
    // Counted by UTC day instead, Monday's window would be ramp day -1 (held at day 0) and Tuesday's day 0.
    const s = sender({
      timezone: 'Asia/Tokyo',
      workingHours: { days: [1, 2, 3, 4, 5], start: '08:00', end: '12:00' },
      limits: { invitation: { daily: 4, weekly: null } },
      warmup: { days: 2, startPercent: 50, startedAt: '2026-03-02' },
      minGapSeconds: 60,
      safety: { ...DEFAULT_SAFETY, spreadOverWindow: false },
    });
    assert.deepEqual(grants(s, '2026-03-01T22:00:00Z', 6), [
      '2026-03-01T23:00:00.000Z',
      '2026-03-01T23:01:00.000Z',
      '2026-03-02T23:00:00.000Z',
      '2026-03-02T23:01:00.000Z',
      '2026-03-02T23:02:00.000Z',
      '2026-03-03T23:00:00.000Z',
    ]);
  });

  void it('a campaign schedule in another zone narrows the sender\'s hours', () => {
    // Sender UTC 09:00-17:00 every day; the campaign only 10:00-12:00 Europe/Paris (CET, UTC+1) = 09:00-11:00Z.
    // 1 a day with no spread: the window is 09:00-11:00Z either way, so the 2nd lead waits for the next day.
    // A campaign 16:00-20:00 Paris (15:00-19:00Z) leaves 15:00-17:00Z: the grant lands at 15:00Z.
    const s = sender({ timezone: 'UTC', workingHours: { days: [1, 2, 3, 4, 5, 6, 7], start: '09:00', end: '17:00' }, limits: { invitation: { daily: 1, weekly: null } } });
    assert.deepEqual(grants(s, '2026-03-02T06:00:00Z', 2, { startTime: '10:00', endTime: '12:00', timezone: 'Europe/Paris' }), ['2026-03-02T09:00:00.000Z', '2026-03-03T09:00:00.000Z']);
    assert.deepEqual(grants(s, '2026-03-02T06:00:00Z', 1, { startTime: '16:00', endTime: '20:00', timezone: 'Europe/Paris' }), ['2026-03-02T15:00:00.000Z']);
  });

  void it('a DST change moves the opening by an hour in UTC (Europe/Berlin, last Sundays of March and October)', () => {
    // Berlin, every day 09:00-17:00, 2 a day, 60 s apart, no spread. From Friday 2026-03-27 (CET, UTC+1):
    //   Fri 27, Sat 28: 09:00 CET = 08:00Z, then 08:01Z
    //   Sun 29 (CEST from 02:00, UTC+2), Mon 30: 09:00 CEST = 07:00Z, then 07:01Z
    const s = sender({
      timezone: 'Europe/Berlin',
      workingHours: { days: [1, 2, 3, 4, 5, 6, 7], start: '09:00', end: '17:00' },
      limits: { invitation: { daily: 2, weekly: null } },
      minGapSeconds: 60,
      safety: { ...DEFAULT_SAFETY, spreadOverWindow: false },
    });
    assert.deepEqual(grants(s, '2026-03-27T06:00:00Z', 8), [
      '2026-03-27T08:00:00.000Z',
      '2026-03-27T08:01:00.000Z',
      '2026-03-28T08:00:00.000Z',
      '2026-03-28T08:01:00.000Z',
      '2026-03-29T07:00:00.000Z',
      '2026-03-29T07:01:00.000Z',
      '2026-03-30T07:00:00.000Z',
      '2026-03-30T07:01:00.000Z',
    ]);
    // Back in October: Sat 24 is CEST (07:00Z), Sun 25 CET from 03:00 (08:00Z).
    assert.deepEqual(grants(s, '2026-10-24T05:00:00Z', 4), ['2026-10-24T07:00:00.000Z', '2026-10-24T07:01:00.000Z', '2026-10-25T08:00:00.000Z', '2026-10-25T08:01:00.000Z']);
    assert.equal(iso(forecast(s, '2026-03-27T06:00:00Z', 8).allInvited.p50), '2026-03-30T07:01:00.000Z');
  });

  void it('the weekly cap is a rolling 7×24 h: Friday stays empty and each slot returns a week after it was used', () => {
    // UTC, Mon-Fri 09:00-18:00, 5 a day, 12 a week: the pace is min(5, ceil(12 / 5)) = 3 a day. No spread, 60 s apart.
    // From Monday 2026-03-02 08:00Z: Mon-Thu 09:00, 09:01, 09:02 = 12 grants; Friday the 12 are within 7×24 h.
    // The next Monday 09:00 the Monday 09:00 grant has aged out (a grant at exactly now - 7 d no longer counts):
    // 09:00, then 09:01 and 09:02 as the 09:01 and 09:02 ones age out; Tue 10 the same (18); Wed 11 09:00, 09:01 (20).
    const weekly = (cap: number | null) =>
      sender({
        timezone: 'UTC',
        workingHours: { days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' },
        limits: { invitation: { daily: 5, weekly: cap } },
        minGapSeconds: 60,
        safety: { ...DEFAULT_SAFETY, spreadOverWindow: false },
      });
    const got = grants(weekly(12), '2026-03-02T08:00:00Z', 20);
    assert.deepEqual(got.slice(9, 15), ['2026-03-05T09:00:00.000Z', '2026-03-05T09:01:00.000Z', '2026-03-05T09:02:00.000Z', '2026-03-09T09:00:00.000Z', '2026-03-09T09:01:00.000Z', '2026-03-09T09:02:00.000Z']);
    assert.equal(got.at(-1), '2026-03-11T09:01:00.000Z');
    assert.equal(iso(forecast(weekly(12), '2026-03-02T08:00:00Z', 20).allInvited.p50), '2026-03-11T09:01:00.000Z');
    // Without the weekly cap the pace is the daily limit, 5 a day: 20 by Thursday 09:04.
    assert.equal(iso(forecast(weekly(null), '2026-03-02T08:00:00Z', 20).allInvited.p50), '2026-03-05T09:04:00.000Z');
  });

  void it('the warm-up ramps the daily limit linearly from its start day', () => {
    // Daily 8, warm-up 4 days from 25 %, started Monday 2026-03-02; every day 09:00-17:00 UTC, 60 s apart, no spread.
    // Day d: 25 + 75·d/4 % of 8, floored: d0 25 % -> 2, d1 43.75 % -> 3.5 -> 3, d2 62.5 % -> 5, d3 81.25 % -> 6.5 -> 6, d4 100 % -> 8.
    // 2 + 3 + 5 + 6 = 16 by Thursday; the 20th is Friday's 4th: 09:03.
    const s = sender({
      timezone: 'UTC',
      workingHours: { days: [1, 2, 3, 4, 5, 6, 7], start: '09:00', end: '17:00' },
      limits: { invitation: { daily: 8, weekly: null } },
      warmup: { days: 4, startPercent: 25, startedAt: '2026-03-02' },
      minGapSeconds: 60,
      safety: { ...DEFAULT_SAFETY, spreadOverWindow: false },
    });
    const perDay = new Map<string, number>();
    for (const g of grants(s, '2026-03-02T08:00:00Z', 20)) perDay.set(g.slice(0, 10), (perDay.get(g.slice(0, 10)) ?? 0) + 1);
    assert.deepEqual([...perDay], [['2026-03-02', 2], ['2026-03-03', 3], ['2026-03-04', 5], ['2026-03-05', 6], ['2026-03-06', 4]]);
    assert.equal(iso(forecast(s, '2026-03-02T08:00:00Z', 20).allInvited.p50), '2026-03-06T09:03:00.000Z');
    // Without `startedAt` the ramp starts on the day the account was connected: connected on the Saturday
    // before, Monday is day 2 (5 a day), so 5 + 6 + 8 = 19 by Wednesday and the 20th on Thursday 09:00.
    const connected = { ...s, settings: { ...s.settings, warmup: { days: 4, startPercent: 25 } }, connectedOn: '2026-02-28' };
    assert.equal(iso(forecast(connected, '2026-03-02T08:00:00Z', 20).allInvited.p50), '2026-03-05T09:00:00.000Z');
  });

  void it("a slowed account (poor health) is held at its slowed pace; invitations of the last week count against the cap", () => {
    // UTC, every day 09:00-17:00, 4 a day, no weekly cap, health factor 0.5: floor(4 × 0.5) = 2 a day. No spread, 60 s apart.
    // 5 leads from Monday 2026-03-02 08:00Z: 2, 2, 1 -> Wednesday 09:00.
    const base = { timezone: 'UTC', workingHours: { days: [1, 2, 3, 4, 5, 6, 7], start: '09:00', end: '17:00' }, minGapSeconds: 60, safety: { ...DEFAULT_SAFETY, spreadOverWindow: false } };
    const slowed = sender({ ...base, limits: { invitation: { daily: 4, weekly: null } } }, { healthFactor: 0.5 });
    assert.equal(iso(forecast(slowed, '2026-03-02T08:00:00Z', 5).allInvited.p50), '2026-03-04T09:00:00.000Z');
    // Weekly cap 10 (pace min(4, ceil(10 / 7)) = 2), with 9 grants in the last 7×24 h, the oldest Tuesday
    // 2026-02-24 10:00: one slot left on Monday (09:00); the next opens when the oldest ages out,
    // Tuesday 10:00 (inside the window).
    const capped = sender({ ...base, limits: { invitation: { daily: 4, weekly: 10 } } }, {
      recentGrants: ['2026-02-24T10:00:00Z', '2026-02-25T10:00:00Z', '2026-02-25T11:00:00Z', '2026-02-26T10:00:00Z', '2026-02-26T11:00:00Z', '2026-02-27T10:00:00Z', '2026-02-27T11:00:00Z', '2026-02-28T10:00:00Z', '2026-02-28T11:00:00Z'].map((t) => new Date(t)),
    });
    assert.deepEqual(grants(capped, '2026-03-02T08:00:00Z', 2), ['2026-03-02T09:00:00.000Z', '2026-03-03T10:00:00.000Z']);
  });

  void it('poor acceptance slows the pace once enough invitations are old enough to judge, as the reservation does', () => {
    // UTC, every day 09:00-17:00, 4 a day, 60 s apart, no spread; health judged from 6 invitations sent
    // over 3 days before the request, slowed to 50 % under 15 % accepted. From Monday 2026-03-02 12:00Z:
    //   Mon 12:00-12:03, Tue-Fri 09:00-09:03: 20. Fri 09:00 judges what was sent by Tue 09:00: 4 + 1 = 5 < 6.
    //   Sat 09:00 judges by Wed 09:00: 4 + 4 + 1 = 9 >= 6, at 0 % accepted: 2 a day. Sat 2, Sun 09:00 and 09:01.
    const base = {
      timezone: 'UTC',
      workingHours: { days: [1, 2, 3, 4, 5, 6, 7], start: '09:00', end: '17:00' },
      limits: { invitation: { daily: 4, weekly: null } },
      minGapSeconds: 60,
      safety: { ...DEFAULT_SAFETY, spreadOverWindow: false, healthMinSample: 6 },
    };
    const judged = (rate: number, history: Array<{ at: number; accepted: number }> = []) => sender(base, { health: { acceptanceRate: rate, history, refusalsSlow: false } });
    assert.equal(iso(forecast(judged(0), '2026-03-02T12:00:00Z', 24).allInvited.p50), '2026-03-08T09:01:00.000Z');
    // At 30 % the account stays healthy: 4 a day, the 24th on Saturday 09:03.
    assert.equal(iso(forecast(judged(0.3), '2026-03-02T12:00:00Z', 24).allInvited.p50), '2026-03-07T09:03:00.000Z');
    // Six judged invitations of its own, none accepted, slow it from the start: 2 a day, 2 + 11 × 2 = 24 on Friday 13th.
    const poor = Array.from({ length: 6 }, (_, i) => ({ at: Date.parse('2026-02-20T10:00:00Z') + i * 60_000, accepted: 0 }));
    assert.equal(iso(forecast(judged(0, poor), '2026-03-02T12:00:00Z', 24).allInvited.p50), '2026-03-13T09:01:00.000Z');
  });
});

void describe('forecast model: acceptance and percentiles', () => {
  // One lead, invited at once (open all day, no limit); accepted: a delay drawn from an exponential of
  // mean 2 days (cut at the 14-day window), then a 1-day follow-up; not accepted: the 14-day window.
  const timeline: PlanTimeline = { ...INVITE_ONLY, acceptanceWindowMs: 14 * DAY, acceptedTailMs: 1 * DAY };
  const open = (rate: number) => ({ ...sender({ timezone: 'UTC', workingHours: { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' } }), acceptanceRate: rate });
  const endsAfter = (rate: number, runs: number) => {
    const now = '2026-03-02T08:00:00Z';
    const f = forecast(open(rate), now, 1, { timeline, runs, seed: 42 });
    const days = (d: Date | null) => (d!.getTime() - Date.parse(now)) / DAY;
    return { p50: days(f.ends.p50), p90: days(f.ends.p90), invited: days(f.allInvited.p50) };
  };

  void it('at 30 % most leads wait out the window: p50 and p90 are both the 14-day window', () => {
    // P(not accepted) = 0.7 > 0.5, and an accepted lead ends by 14 d unless its delay exceeds 13 d (e^-6.5 ≈ 0.15 %).
    const r = endsAfter(0.3, 2000);
    assert.equal(r.invited, 0);
    assert.equal(r.p50, 14);
    assert.equal(r.p90, 14);
  });

  void it('at 95 %, p50 and p90 follow the acceptance delay: about 2.49 and 6.89 days', () => {
    // P(end <= 1 d + u) = 0.95 · (1 - e^(-u/2)) for u in days:
    //   p50: 1 - 0.5 / 0.95 = 0.4737 = e^(-u/2) -> u = 1.494 -> 2.494 d   (standard error over 4000 runs ≈ 0.035 d)
    //   p90: 1 - 0.9 / 0.95 = 0.0526 = e^(-u/2) -> u = 5.889 -> 6.889 d   (standard error ≈ 0.19 d)
    const r = endsAfter(0.95, 4000);
    assert.ok(Math.abs(r.p50 - 2.494) < 0.15, `p50 ${r.p50.toFixed(3)} d`);
    assert.ok(Math.abs(r.p90 - 6.889) < 0.6, `p90 ${r.p90.toFixed(3)} d`);
  });

  void it('p90 is later than p50 when jitter makes the invitation phase random', () => {
    // 6 leads, 1 a day, 09:00-17:00 UTC every day, jitter up to 3600 s on each opening: the 6th lands on
    // day 5 between 09:00 and 10:00 (plus up to an hour of spacing jitter, minGap 0). Over 200 runs the
    // p50 and p90 differ and both fall in that day's first two hours.
    const s = sender({ timezone: 'UTC', workingHours: { days: [1, 2, 3, 4, 5, 6, 7], start: '09:00', end: '17:00' }, limits: { invitation: { daily: 1, weekly: null } }, jitterSeconds: 3600 });
    const f = forecast(s, '2026-03-02T08:00:00Z', 6, { runs: 200 });
    const p50 = f.allInvited.p50!.getTime();
    const p90 = f.allInvited.p90!.getTime();
    assert.ok(p90 > p50, `${iso(f.allInvited.p50)} < ${iso(f.allInvited.p90)}`);
    for (const t of [p50, p90]) assert.ok(t >= Date.parse('2026-03-07T09:00:00Z') && t < Date.parse('2026-03-07T09:00:00Z') + 2 * HOUR, new Date(t).toISOString());
  });
});
