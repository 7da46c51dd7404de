/**
 * A week of two campaigns sharing one sender account, with time stepping as the workflows would
 * see it: each caller sleeps until its grant's slot (then acts) or until retryAt (then asks again).
 */
import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { DATABASE_KINDS, type TestDatabase } from '../support/database';
import { reserveAction, updateAccountSettings, type AccountSettingsPatch } from '../../src/quota/quota.repository';
import { seededRandom } from '../../src/domain/seeded-random';
import { createAccount, inZone, local } from './support';

interface Scenario {
  name: string;
  zone: string;
  /** Local Monday 00:00 the simulated week starts on. */
  weekStart: string;
  settings: AccountSettingsPatch;
  /** Campaign B only runs in the afternoon. */
  campaignB: object;
  expectPerDay: number[];
  /** Local hours allowed, [from, to). */
  hours: [number, number];
  workingDays: number[];
}

const SCENARIOS: Scenario[] = [
  {
    name: 'Paris, Mon-Fri, 20/day and 70/week: an even 14 a day',
    zone: 'Europe/Paris',
    weekStart: '2026-11-23T00:00',
    settings: { limits: { invitation: { daily: 20, weekly: 70 } }, warmup: { days: 0, startPercent: 100 }, minGapSeconds: 90, jitterSeconds: 60 },
    campaignB: { startTime: '13:00', endTime: '17:00' },
    expectPerDay: [14, 14, 14, 14, 14, 0, 0],
    hours: [9, 18],
    workingDays: [1, 2, 3, 4, 5],
  },
  {
    name: 'New York, every day, across the end of DST (1 Nov 2026), 20/day',
    zone: 'America/New_York',
    weekStart: '2026-10-26T00:00',
    settings: {
      workingHours: { days: [1, 2, 3, 4, 5, 6, 7], start: '09:00', end: '18:00' },
      limits: { invitation: { daily: 20, weekly: 1000 } },
      warmup: { days: 0, startPercent: 100 },
      minGapSeconds: 90,
      jitterSeconds: 60,
    },
    campaignB: { startTime: '13:00', endTime: '17:00', days: ['mon', 'tue', 'wed', 'thu', 'fri', 6, 0] },
    expectPerDay: [20, 20, 20, 20, 20, 20, 20],
    hours: [9, 18],
    workingDays: [1, 2, 3, 4, 5, 6, 7],
  },
];

for (const { kind: dbKind, create } of DATABASE_KINDS) {
  describe(`a simulated week on ${dbKind}`, () => {
    let t: TestDatabase;
    before(async () => (t = await create()));
    after(async () => t.drop());

    for (const sc of SCENARIOS) {
      it(sc.name, async () => {
        const accountId = await createAccount(t.db, { createdAt: new Date('2025-01-01T00:00Z') });
        await updateAccountSettings(t.db, accountId, { timezone: sc.zone, ...sc.settings });
        const start = local(sc.zone, sc.weekStart);
        const end = inZone(sc.zone, start).plus({ weeks: 1 }).toJSDate();
        const random = seededRandom(42);
        const callers = [
          // Each campaign paces its own leads (edge delays), so the two interleave instead of one
          // draining the day's budget at 09:00.
          { name: 'A', schedule: undefined as object | undefined, next: start, n: 0, thinkMs: [15 * 60_000, 45 * 60_000] },
          { name: 'B', schedule: sc.campaignB, next: new Date(start.getTime() + 7_000), n: 0, thinkMs: [5 * 60_000, 20 * 60_000] },
        ];
        const grants: Array<{ at: Date; caller: string }> = [];
        const reasons = new Set<string>();
        for (let calls = 0; ; calls++) {
          assert.ok(calls < 5000, 'the callers should not spin');
          const c = callers.reduce((a, b) => (b.next < a.next ? b : a));
          if (c.next >= end) break;
          const now = c.next;
          const r = await reserveAction(t.db, { accountId, kind: 'invitation', idempotencyKey: `${accountId}:${c.name}:${c.n}`, campaignSchedule: c.schedule, now, random });
          if (r.granted) {
            assert.ok(r.at >= now, 'a slot is never in the past');
            grants.push({ at: r.at, caller: c.name });
            c.n++;
            const [lo, hi] = c.thinkMs as [number, number];
            c.next = new Date(r.at.getTime() + lo + Math.floor(random() * (hi - lo)));
          } else {
            assert.ok(r.retryAt > now, `retryAt ${r.retryAt.toISOString()} must be after ${now.toISOString()} (${r.reason})`);
            reasons.add(r.reason);
            c.next = r.retryAt;
          }
        }

        const perDay = new Map<string, number>();
        for (const g of grants) {
          const l = inZone(sc.zone, g.at);
          perDay.set(l.toISODate()!, (perDay.get(l.toISODate()!) ?? 0) + 1);
          assert.ok(sc.workingDays.includes(l.weekday) && l.hour >= sc.hours[0] && l.hour < sc.hours[1], `grant outside working hours: ${l.toISO()}`);
          if (g.caller === 'B') assert.ok(l.hour >= 13 && l.hour < 17, `campaign B outside its schedule: ${l.toISO()}`);
        }
        const days = Array.from({ length: 7 }, (_, i) => inZone(sc.zone, start).plus({ days: i }).toISODate()!);
        assert.deepEqual(
          days.map((d) => perDay.get(d) ?? 0),
          sc.expectPerDay,
          'grants per local calendar day',
        );
        assert.equal(grants.length, sc.expectPerDay.reduce((a, b) => a + b, 0), 'weekly total');
        assert.ok(grants.some((g) => g.caller === 'A') && grants.some((g) => g.caller === 'B'), 'both campaigns got slots');
        const sorted = grants.map((g) => g.at.getTime()).sort((a, b) => a - b);
        for (let i = 1; i < sorted.length; i++) {
          assert.ok(sorted[i]! - sorted[i - 1]! >= 90_000, `gap ${(sorted[i]! - sorted[i - 1]!) / 1000}s between grants`);
        }
        assert.ok(reasons.has('outside_working_hours') && (reasons.has('daily_limit') || reasons.has('daily_pace')), [...reasons].join());
      });
    }
  });
}
