// windowsAround (and localDay) lay out days in plain numbers where a zone's offset holds (zone-offsets.ts) and asks
// luxon only near an offset change. This pins it to the way it was computed before, luxon for every
// day (the reference below is that code, verbatim), window for window, across the zones whose changes
// are awkward: at midnight (Santiago, Havana, Beirut, Cairo), by 30 minutes (Lord Howe), negative
// summer time (Dublin), a week apart (Gaza), suspended for Ramadan (Casablanca), +2 h (Troll), none.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DateTime } from 'luxon';
import { buildWindowSpec, localDay, windowsAround, type Interval, type WindowSpec } from '../../src/quota/schedule';

type Rule = WindowSpec['rules'][number];

function wallClock(date: DateTime, minutes: number): DateTime {
  if (minutes >= 24 * 60) return date.plus({ days: 1 }).startOf('day');
  return date.set({ hour: Math.floor(minutes / 60), minute: minutes % 60, second: 0, millisecond: 0 });
}

function ruleIntervals(rule: Rule, from: Date, to: Date): Interval[] {
  const out: Interval[] = [];
  let day = DateTime.fromJSDate(from, { zone: rule.zone }).startOf('day').minus({ days: 1 });
  const last = DateTime.fromJSDate(to, { zone: rule.zone }).startOf('day');
  while (day <= last) {
    if (!rule.days || rule.days.has(day.weekday)) {
      const s = wallClock(day, rule.startMin);
      const e = rule.endMin > rule.startMin ? wallClock(day, rule.endMin) : wallClock(day.plus({ days: 1 }), rule.endMin);
      if (e > s) out.push({ start: s.toJSDate(), end: e.toJSDate() });
    }
    day = day.plus({ days: 1 });
  }
  return out;
}

function intersect(a: Interval[], b: Interval[]): Interval[] {
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    const start = Math.max(x.start.getTime(), y.start.getTime());
    const end = Math.min(x.end.getTime(), y.end.getTime());
    if (start < end) out.push({ start: new Date(start), end: new Date(end) });
    if (x.end.getTime() < y.end.getTime()) i++;
    else j++;
  }
  return out;
}

function referenceWindowsAround(spec: WindowSpec, from: Date, aheadDays: number): Interval[] {
  const lo = new Date(from.getTime() - 86_400_000);
  const hi = new Date(from.getTime() + aheadDays * 86_400_000);
  let acc: Interval[] | null = null;
  for (const rule of spec.rules) {
    const list = ruleIntervals(rule, lo, hi);
    acc = acc ? intersect(acc, list) : list;
  }
  return acc ?? [];
}

const ZONES = [
  'Europe/Paris',
  'America/New_York',
  'Asia/Kolkata',
  'UTC',
  'America/Santiago',
  'America/Havana',
  'Asia/Beirut',
  'Africa/Cairo',
  'Australia/Lord_Howe',
  'Europe/Dublin',
  'Asia/Gaza',
  'Africa/Casablanca',
  'Antarctica/Troll',
  'Pacific/Chatham',
  'America/St_Johns',
];

const WEEKDAYS = { days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' };
const ALWAYS = { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' };
const CASES: Array<{ workingHours: typeof WEEKDAYS; campaignSchedule: unknown }> = [
  { workingHours: WEEKDAYS, campaignSchedule: null },
  { workingHours: ALWAYS, campaignSchedule: { startTime: '22:00', endTime: '02:00' } },
  { workingHours: { days: [6, 7], start: '00:00', end: '03:00' }, campaignSchedule: null },
  { workingHours: { days: [1, 3, 7], start: '01:30', end: '02:30' }, campaignSchedule: { timezone: 'America/Santiago', startTime: '00:30', endTime: '16:00', days: ['mon', 'tue', 'wed', 'sun'] } },
  { workingHours: WEEKDAYS, campaignSchedule: { timezone: 'Asia/Kolkata', startTime: '10:00', endTime: '16:00', days: ['mon', 'tue', 'wed', 'sat'] } },
];

function sameWindows(spec: WindowSpec, from: Date, aheadDays: number, what: string): void {
  const got = windowsAround(spec, from, aheadDays).map((w) => [w.start.getTime(), w.end.getTime()]);
  const want = referenceWindowsAround(spec, from, aheadDays).map((w) => [w.start.getTime(), w.end.getTime()]);
  assert.deepEqual(got, want, `${what} from ${from.toISOString()} for ${aheadDays} days`);
}

void describe('windowsAround gives the windows luxon gave day by day', () => {
  for (const zone of ZONES) {
    void it(zone, () => {
      for (const { workingHours, campaignSchedule } of CASES) {
        const spec = buildWindowSpec({ timezone: zone, workingHours, campaignSchedule });
        const what = `${zone} ${workingHours.start}-${workingHours.end} ${JSON.stringify(campaignSchedule)}`;
        // Chunks as the forecast's calendar asks them (60 days, a step of 59), then the engine's
        // 16-day look (currentWindow's 1-day one too) from every 149 hours through a year.
        for (let t = Date.UTC(2025, 0, 1, 7, 13); t < Date.UTC(2030, 0, 1); t += 59 * 86_400_000) sameWindows(spec, new Date(t), 60, what);
        for (let t = Date.UTC(2027, 0, 1); t < Date.UTC(2028, 0, 1); t += 149 * 3_600_000 + 60_000) {
          sameWindows(spec, new Date(t), 16, what);
          sameWindows(spec, new Date(t), 1, what);
        }
      }
    });
  }
});

void describe('localDay gives the date luxon gives', () => {
  for (const zone of ZONES) {
    void it(zone, () => {
      // From the zone's table (laying out the windows fills it), every 3 hours or so for five years.
      windowsAround(buildWindowSpec({ timezone: zone, workingHours: ALWAYS }), new Date(Date.UTC(2025, 0, 1)), 5 * 366);
      for (let t = Date.UTC(2025, 0, 1); t < Date.UTC(2030, 0, 1); t += 3 * 3_600_000 + 17_000) {
        for (const at of [t, t - 1, t + 59_999]) {
          assert.equal(localDay(zone, new Date(at)), DateTime.fromMillis(at, { zone }).toISODate(), `${zone} at ${new Date(at).toISOString()}`);
        }
      }
      assert.equal(localDay(zone, new Date(Date.UTC(1890, 5, 1, 12))), DateTime.fromMillis(Date.UTC(1890, 5, 1, 12), { zone }).toISODate(), 'outside the table');
    });
  }
});
