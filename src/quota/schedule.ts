/**
 * When an account may act: its working hours in its own time zone, optionally narrowed by a
 * campaign's schedule (which may be in another zone). Pure time math on luxon; every function takes
 * `now` so nothing reads the clock.
 *
 * A window is an absolute interval [start, end). Working hours never wrap past midnight, so every
 * window lies inside one local calendar day of the account: the day a grant counts against is the
 * day its window belongs to.
 */
import { DateTime, IANAZone } from 'luxon';
import { zoneOffsets } from './zone-offsets';

const DAY_MS = 86_400_000;

export interface WorkingHours {
  /** ISO weekdays: 1 = Monday .. 7 = Sunday. */
  days: number[];
  /** Local time of day, HH:MM. */
  start: string;
  /** Local time of day, HH:MM, exclusive; 24:00 is the end of the day. */
  end: string;
}

export const DEFAULT_WORKING_HOURS: Readonly<WorkingHours> = Object.freeze({ days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' });

/** `campaigns.schedule` as the editor stores it; read tolerantly (see parseCampaignSchedule). */
export interface CampaignSchedule {
  startTime?: string;
  endTime?: string;
  timezone?: string;
  days?: Array<string | number>;
}

export interface Interval {
  start: Date;
  end: Date;
}

interface DailyRule {
  zone: string;
  /** null: every day. */
  days: ReadonlySet<number> | null;
  startMin: number;
  endMin: number;
}

/** Working hours (and the campaign's narrowing, if any), ready to answer window questions. */
export interface WindowSpec {
  timezone: string;
  rules: DailyRule[];
}

export function isValidTimezone(tz: unknown): tz is string {
  return typeof tz === 'string' && tz.length > 0 && IANAZone.isValidZone(tz);
}

/** Minutes since midnight for 'HH:MM' (also 'H:MM' and 'HH:MM:SS'); 24:00 allowed; null if malformed. */
export function parseTimeOfDay(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && (min > 0 || Number(m[3] ?? 0) > 0))) return null;
  return h * 60 + min;
}

const DAY_NAMES: Record<string, number> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };

/** One weekday, tolerant: 1..7 (ISO), 0 (Sunday, JS style), 'mon', 'Monday', 'TUE', '3'. null if unknown. */
export function parseWeekday(value: unknown): number | null {
  if (typeof value === 'number' || (typeof value === 'string' && /^\s*\d+\s*$/.test(value))) {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 7) return null;
    return n === 0 ? 7 : n;
  }
  if (typeof value !== 'string') return null;
  return DAY_NAMES[value.trim().slice(0, 3).toLowerCase()] ?? null;
}

/**
 * The narrowing a campaign schedule adds, or null when it adds none. Tolerant of what editors
 * store: startTime/start/start_time, endTime/end/end_time, timezone/timeZone/tz, days as names or
 * numbers; unknown day entries are ignored, an unusable time leaves that bound open, an end before
 * the start wraps past midnight (22:00-02:00), an invalid zone falls back to the account's.
 */
export function parseCampaignSchedule(raw: unknown): { zone: string | null; days: Set<number> | null; startMin: number; endMin: number } | null {
  if (typeof raw === 'string') {
    try {
      return parseCampaignSchedule(JSON.parse(raw));
    } catch {
      return null;
    }
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const r = raw as Record<string, unknown>;
  const start = parseTimeOfDay(r.startTime ?? r.start ?? r.start_time);
  const end = parseTimeOfDay(r.endTime ?? r.end ?? r.end_time);
  const tz = r.timezone ?? r.timeZone ?? r.tz;
  const rawDays = r.days ?? r.daysOfWeek ?? r.weekdays;
  let days: Set<number> | null = null;
  if (Array.isArray(rawDays)) {
    const parsed = rawDays.map(parseWeekday).filter((d): d is number => d !== null);
    if (parsed.length > 0) days = new Set(parsed);
  }
  if (start === null && end === null && days === null) return null;
  return { zone: isValidTimezone(tz) ? tz : null, days, startMin: start ?? 0, endMin: end ?? 24 * 60 };
}

export function buildWindowSpec(opts: { timezone: string; workingHours: WorkingHours; campaignSchedule?: unknown }): WindowSpec {
  const zone = opts.timezone;
  const startMin = parseTimeOfDay(opts.workingHours.start);
  const endMin = parseTimeOfDay(opts.workingHours.end);
  if (!isValidTimezone(zone)) throw new RangeError(`invalid time zone ${String(zone)}`);
  if (startMin === null || endMin === null || endMin <= startMin) {
    throw new RangeError(`invalid working hours ${opts.workingHours.start}-${opts.workingHours.end}`);
  }
  const rules: DailyRule[] = [{ zone, days: new Set(opts.workingHours.days), startMin, endMin }];
  const c = parseCampaignSchedule(opts.campaignSchedule);
  if (c) rules.push({ zone: c.zone ?? zone, days: c.days, startMin: c.startMin, endMin: c.endMin });
  return { timezone: zone, rules };
}

/** A local wall-clock time on a local date; a time skipped by DST moves forward, as luxon does. */
function wallClock(date: DateTime, minutes: number): DateTime {
  if (minutes >= 24 * 60) return date.plus({ days: 1 }).startOf('day');
  return date.set({ hour: Math.floor(minutes / 60), minute: minutes % 60, second: 0, millisecond: 0 });
}

/** How far either side of a day's cursor the offset must hold for that day to be laid out in plain numbers. */
const STEADY_BEFORE_MS = 2 * DAY_MS;
const STEADY_AFTER_MS = 3 * DAY_MS;

function ruleIntervals(rule: DailyRule, from: Date, to: Date): Interval[] {
  const out: Interval[] = [];
  // Start a day early: a wrapping rule's interval from the day before may still be open.
  const first = DateTime.fromJSDate(from, { zone: rule.zone }).startOf('day').minus({ days: 1 });
  const last = DateTime.fromJSDate(to, { zone: rule.zone }).startOf('day').toMillis();
  const offsets = zoneOffsets(rule.zone);
  // The day's cursor (`day` below) as an instant. Where the zone's offset holds for days around it,
  // luxon's answers are local time minus that offset: computed so, a forecast's 20 years of days
  // cost no DateTime each. Near an offset change, and for the cursor's own time of day (after a
  // midnight skipped by DST luxon carries 01:00 on), luxon answers as it always did.
  let cursor = first.toMillis();
  let steadyFrom = Infinity;
  let changeAt = -Infinity;
  let offsetMs = 0;
  while (cursor <= last) {
    if (!(cursor - STEADY_BEFORE_MS >= steadyFrom && cursor + STEADY_AFTER_MS < changeAt)) {
      steadyFrom = cursor - STEADY_BEFORE_MS;
      changeAt = offsets.firstChangeAfter(steadyFrom, last + STEADY_AFTER_MS);
      // luxon's own arithmetic (minutes * 60 * 1000), so a fractional historical offset rounds alike.
      offsetMs = offsets.offsetAt(steadyFrom) * 60 * 1000;
    }
    if (cursor + STEADY_AFTER_MS < changeAt) {
      const local = cursor + offsetMs;
      const midnight = local - (((local % DAY_MS) + DAY_MS) % DAY_MS);
      const weekday = ((((midnight / DAY_MS) % 7) + 10) % 7) + 1;
      if (!rule.days || rule.days.has(weekday)) {
        // wallClock in numbers: 24:00 is the next midnight, as there.
        const s = midnight + rule.startMin * 60_000 - offsetMs;
        const e = (rule.endMin > rule.startMin ? midnight : midnight + DAY_MS) + rule.endMin * 60_000 - offsetMs;
        if (e > s) out.push({ start: new Date(s), end: new Date(e) });
      }
      cursor += DAY_MS;
      continue;
    }
    const day = DateTime.fromMillis(cursor, { zone: rule.zone });
    if (!rule.days || rule.days.has(day.weekday)) {
      const s = wallClock(day, rule.startMin);
      const e = rule.endMin > rule.startMin ? wallClock(day, rule.endMin) : wallClock(day.plus({ days: 1 }), rule.endMin);
      if (e > s) out.push({ start: s.toJSDate(), end: e.toJSDate() });
    }
    cursor = day.plus({ days: 1 }).toMillis();
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

/** How far ahead to look for a window: covers "next ISO week" plus a week of closed days. */
const HORIZON_DAYS = 16;

/** The windows overlapping [from - 1 day, from + aheadDays], in order. */
export function windowsAround(spec: WindowSpec, from: Date, aheadDays = HORIZON_DAYS): Interval[] {
  const lo = new Date(from.getTime() - 86_400_000);
  const hi = new Date(from.getTime() + aheadDays * 86_400_000);
  let acc: Interval[] | null = null;
  for (const rule of spec.rules) {
    const list = ruleIntervals(rule, lo, hi);
    acc = acc ? intersect(acc, list) : list;
  }
  return acc ?? [];
}

/** The window `now` is in, or null. */
export function currentWindow(spec: WindowSpec, now: Date): Interval | null {
  const t = now.getTime();
  // A window never lasts more than a day, so looking a day either side of now suffices.
  return windowsAround(spec, now, 1).find((w) => w.start.getTime() <= t && t < w.end.getTime()) ?? null;
}

export function isWithinWindow(spec: WindowSpec, now: Date): boolean {
  return currentWindow(spec, now) !== null;
}

/** The first window opening at or after `from`; null if none within the horizon (no day is allowed). */
export function windowStartAtOrAfter(spec: WindowSpec, from: Date): Date | null {
  const t = from.getTime();
  return windowsAround(spec, from).find((w) => w.start.getTime() >= t)?.start ?? null;
}

/** `from` itself when a window is open then, else the next opening: the earliest time acting is allowed. */
export function firstOpenAtOrAfter(spec: WindowSpec, from: Date): Date | null {
  return currentWindow(spec, from) ? from : windowStartAtOrAfter(spec, from);
}

/** When the next window opens after `now` (strictly later; when inside a window, the one after it). */
export function nextWindowStart(spec: WindowSpec, now: Date): Date | null {
  return windowStartAtOrAfter(spec, new Date(now.getTime() + 1));
}

const ISO_DATES_FROM = Date.UTC(1000, 0, 1);
const ISO_DATES_TO = Date.UTC(10000, 0, 1);

/** The account-local calendar day, YYYY-MM-DD. */
export function localDay(timezone: string, at: Date): string {
  // The forecast asks this for every window of 20 years: the offset comes from the zone's table
  // (as luxon computes a DateTime's local time: ts + offset minutes * 60 * 1000), the date from it.
  const local = at.getTime() + zoneOffsets(timezone).offsetAt(at.getTime()) * 60 * 1000;
  if (local >= ISO_DATES_FROM && local < ISO_DATES_TO) return new Date(local).toISOString().slice(0, 10);
  return DateTime.fromJSDate(at, { zone: timezone }).toISODate()!;
}

/** The account-local ISO week, e.g. 2026-W48. */
export function isoWeek(timezone: string, at: Date): string {
  return DateTime.fromJSDate(at, { zone: timezone }).toFormat("kkkk-'W'WW");
}

/** First and last local dates (Monday, Sunday) of the ISO week containing `at`. */
export function isoWeekDays(timezone: string, at: Date): { first: string; last: string } {
  const d = DateTime.fromJSDate(at, { zone: timezone }).startOf('week');
  return { first: d.toISODate()!, last: d.plus({ days: 6 }).toISODate()! };
}

/** Local midnight starting the day after `at`. */
export function startOfNextLocalDay(timezone: string, at: Date): Date {
  return DateTime.fromJSDate(at, { zone: timezone }).startOf('day').plus({ days: 1 }).toJSDate();
}

/** Local Monday 00:00 of the ISO week after `at`. */
export function startOfNextIsoWeek(timezone: string, at: Date): Date {
  return DateTime.fromJSDate(at, { zone: timezone }).startOf('week').plus({ weeks: 1 }).toJSDate();
}
