/**
 * The invitation slots a sender account will grant, replayed without a database: the same rules, in
 * the same order, through the same functions `reserveAction` uses (limits.ts, schedule.ts): daily
 * limit, warm-up, rolling-week cap, even pace over the working days, health slowdown, working hours
 * narrowed by the campaign's schedule, the spread over what is left of the window and the minimum gap
 * plus jitter. What the forecast asks: "a lead asks at t; when is its invitation granted?". Pure.
 */
import {
  configuredLimits,
  dailyPace,
  daysBetween,
  effectiveLimit,
  HEALTH_JUDGE_AFTER_MS,
  HEALTH_SAMPLE_MAX,
  pacedSlotMs,
  ROLLING_WEEK_MS,
  slowedPace,
  warmupFactor,
  type AccountType,
  type KindLimit,
} from './limits';
import { buildWindowSpec, localDay, windowsAround, type Interval, type WindowSpec } from './schedule';
import type { AccountSettings } from './account-settings';

export interface SenderModel {
  accountId: string;
  settings: Pick<AccountSettings, 'timezone' | 'workingHours' | 'limits' | 'warmup' | 'minGapSeconds' | 'jitterSeconds' | 'safety'>;
  accountType: AccountType | null;
  /** The account's connection day (local YYYY-MM-DD): the warm-up starts then unless `warmup.startedAt` says otherwise. */
  connectedOn: string;
  /** The pace factor health gives today (1: normal), held for the whole forecast unless `health` is given. */
  healthFactor: number;
  /**
   * Health as the reservation judges it at each request, from the account's invitations plus the
   * forecast's own: the latest HEALTH_SAMPLE_MAX sent at least HEALTH_JUDGE_AFTER_MS before, their
   * acceptance against `healthMinAcceptancePercent` once there are `healthMinSample`. The forecast's
   * invitations count as accepted at `acceptanceRate` (an expectation, not a draw).
   */
  health?: {
    acceptanceRate: number;
    /** The account's invitations, ascending by `at`; `accepted` 0-1 (1 accepted, 0 not, a share for one still open). */
    history: ReadonlyArray<{ at: number; accepted: number }>;
    /** Provider refusals already slow the account: held for the whole forecast. */
    refusalsSlow: boolean;
  };
  /** Invitation grants of the last 7×24 h (and any later today), ascending: they count against today and the week. */
  recentGrants?: readonly Date[];
}

interface Window {
  start: number;
  end: number;
  /** Local day of the window and the day's budget (warm-up applied). */
  day: string;
  dayCap: number;
  weekCap: number | null;
  /** The day's pace before any health slowdown. */
  pace: number;
  paced: number;
}

/** Windows of one sender for a campaign schedule, computed once and shared by every Monte-Carlo run. */
export class SenderCalendar {
  readonly windows: Window[] = [];
  private readonly spec: WindowSpec;
  /** The configured invitation limit (before warm-up): the same for every window. */
  private readonly base: KindLimit;
  private horizon: number;

  constructor(
    readonly sender: SenderModel,
    campaignSchedule: unknown,
    private readonly from: Date,
    private readonly maxMs: number,
  ) {
    this.spec = buildWindowSpec({ timezone: sender.settings.timezone, workingHours: sender.settings.workingHours, campaignSchedule });
    this.base = configuredLimits(sender.settings.limits, sender.accountType).invitation;
    this.horizon = from.getTime() - 86_400_000;
  }

  /** The i-th window, computing more as asked; null past the forecast's horizon. */
  at(i: number): Window | null {
    while (i >= this.windows.length) {
      if (this.horizon >= this.from.getTime() + this.maxMs) return null;
      const chunkDays = 60;
      const start = new Date(this.horizon);
      const last = this.windows.at(-1)?.start ?? -Infinity;
      for (const w of windowsAround(this.spec, start, chunkDays)) if (w.start.getTime() > last && w.end.getTime() > this.from.getTime()) this.windows.push(this.budget(w));
      this.horizon += (chunkDays - 1) * 86_400_000;
    }
    return this.windows[i]!;
  }

  private budget(w: Interval): Window {
    const s = this.sender.settings;
    const day = localDay(s.timezone, w.start);
    const base = this.base;
    const warmupStart = s.warmup.startedAt ?? this.sender.connectedOn;
    const limit = effectiveLimit(base, warmupFactor(s.warmup, Math.max(0, daysBetween(warmupStart, day))));
    const pace = dailyPace(limit, s.workingHours.days.length);
    const paced = slowedPace(pace, this.sender.health ? 1 : this.sender.healthFactor);
    const weekCaps = [base.weekly, limit.weekly].filter((c): c is number => c !== null);
    return {
      start: w.start.getTime(),
      end: w.end.getTime(),
      day,
      dayCap: Math.min(base.daily, limit.daily, pace, paced),
      weekCap: weekCaps.length ? Math.min(...weekCaps) : null,
      pace,
      paced,
    };
  }
}

/**
 * One run's slot state for one sender. Requests must come in non-decreasing time (the leads queue
 * for the account in the order they ask), as the orchestrator's lead starts do.
 */
export class InvitationSlots {
  private w = 0;
  /** When the last request was processed (the engine's `now`): a later one is never processed earlier. */
  private now = -Infinity;
  private usedDay: string | null = null;
  private used = 0;
  private lastToday: number | null = null;
  private lastAt: number | null = null;
  private readonly week: number[] = [];
  private weekHead = 0;
  /** This run's grants (ascending; kept with a health model only) and how many of them are old enough to be judged. */
  private readonly own: number[] = [];
  private ownJudged = 0;
  private histJudged = 0;
  /** Prefix sums of the history's `accepted`. */
  private readonly histAccepted: number[] = [0];

  constructor(
    private readonly cal: SenderCalendar,
    private readonly random: () => number,
  ) {
    const tz = cal.sender.settings.timezone;
    for (const g of cal.sender.recentGrants ?? []) {
      const t = g.getTime();
      this.week.push(t);
      this.lastAt = Math.max(this.lastAt ?? t, t);
      const day = localDay(tz, g);
      if (day !== this.usedDay) {
        this.usedDay = day;
        this.used = 0;
      }
      this.used++;
      this.lastToday = t;
    }
    for (const h of cal.sender.health?.history ?? []) this.histAccepted.push(this.histAccepted.at(-1)! + h.accepted);
  }

  /** The health factor the reservation would apply at `now` (see SenderModel.health). */
  private healthFactorAt(now: number): number {
    const h = this.cal.sender.health;
    if (!h) return this.cal.sender.healthFactor;
    const s = this.cal.sender.settings.safety;
    const cutoff = now - HEALTH_JUDGE_AFTER_MS;
    while (this.ownJudged < this.own.length && this.own[this.ownJudged]! <= cutoff) this.ownJudged++;
    while (this.histJudged < h.history.length && h.history[this.histJudged]!.at <= cutoff) this.histJudged++;
    // The latest judged first: this run's, then the account's own before them.
    const own = Math.min(HEALTH_SAMPLE_MAX, this.ownJudged);
    const hist = Math.min(HEALTH_SAMPLE_MAX - own, this.histJudged);
    const sample = own + hist;
    const accepted = own * h.acceptanceRate + this.histAccepted[this.histJudged]! - this.histAccepted[this.histJudged - hist]!;
    const poor = sample >= Math.max(1, s.healthMinSample) && (accepted * 100) / sample < s.healthMinAcceptancePercent - 1e-9;
    return poor || h.refusalsSlow ? s.slowdownPercent / 100 : 1;
  }

  private jitter(): number {
    return Math.floor(this.random() * this.cal.sender.settings.jitterSeconds * 1000);
  }

  /** `reserveAction`'s retryFrom: the first open moment at or after t, plus jitter; the window index. */
  private retryFrom(t: number): number {
    for (let i = this.w; ; i++) {
      const win = this.cal.at(i);
      if (!win) return Infinity;
      if (win.end > t) {
        this.w = i;
        return Math.max(t, win.start) + (win.start >= t ? this.jitter() : 0);
      }
    }
  }

  /** When the invitation of a lead asking at `requestAt` is granted; Infinity: not within the horizon. */
  grant(requestAt: number): number {
    let now = Math.max(requestAt, this.now);
    const s = this.cal.sender.settings;
    for (let guard = 0; guard < 100_000; guard++) {
      // Find the window open at `now`; outside one: retry at the next opening (outside_working_hours).
      let win = this.cal.at(this.w);
      while (win && win.end <= now) win = this.cal.at(++this.w);
      if (!win) return Infinity;
      if (now < win.start) {
        now = this.retryFrom(now);
        continue;
      }
      if (win.day !== this.usedDay) {
        this.usedDay = win.day;
        this.used = 0;
        this.lastToday = null;
      }
      while (this.weekHead < this.week.length && this.week[this.weekHead]! <= now - ROLLING_WEEK_MS) this.weekHead++;
      // Drop what left the week once it is most of the array: a 100,000-lead run would keep every grant.
      if (this.weekHead >= 1024 && this.weekHead * 2 >= this.week.length) {
        this.week.splice(0, this.weekHead);
        this.weekHead = 0;
      }
      if (win.weekCap !== null && this.week.length - this.weekHead >= win.weekCap) {
        // rollingRetryAt (limits.ts) on the numbers kept here: the cap-th newest grant has to leave the
        // week. Not a call: it takes Dates, and copying the week into Dates on every denied request
        // made a 100,000-lead forecast take 40 s. Identical results: test/services/forecast-identity.
        const at = win.weekCap > 0 ? this.week[this.week.length - win.weekCap]! + ROLLING_WEEK_MS : now;
        now = this.retryFrom(Math.max(at, now));
        continue;
      }
      const paced = this.cal.sender.health ? slowedPace(win.pace, this.healthFactorAt(now)) : win.paced;
      if (this.used >= Math.min(win.dayCap, paced)) {
        // daily_limit / warmup_limit / daily_pace / health_slowdown: the first window of the next local day.
        let j = this.w;
        while (this.cal.at(j) && this.cal.at(j)!.day === win.day) j++;
        const next = this.cal.at(j);
        if (!next) return Infinity;
        now = this.retryFrom(next.start);
        continue;
      }
      let at = s.safety.spreadOverWindow
        ? pacedSlotMs(now, win.end, this.lastToday, paced - this.used)
        : now;
      if (this.lastAt !== null) at = Math.max(at, this.lastAt + s.minGapSeconds * 1000 + this.jitter());
      if (at >= win.end) {
        now = this.retryFrom(win.end);
        continue;
      }
      this.now = now;
      this.used++;
      this.lastToday = at;
      this.lastAt = at;
      this.week.push(at);
      // Only health judges this run's own grants.
      if (this.cal.sender.health) this.own.push(at);
      return at;
    }
    return Infinity;
  }
}
