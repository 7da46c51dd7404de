/**
 * A time zone's UTC offset as a table of its changes, so that schedule.ts can lay out working
 * windows with plain numbers between two changes instead of asking luxon for every day. A forecast
 * lays out 20 years of windows per sender: through luxon that was about eight zone lookups
 * (Intl.DateTimeFormat#formatToParts each) per day, over a second for three senders.
 *
 * Offsets come from luxon's own zone (the one a DateTime in that zone uses), sampled every
 * SAMPLE_MS and bisected to the millisecond where two samples differ. That finds every change as
 * long as no two changes lie within SAMPLE_MS of each other and cancel out: the closest pair in the
 * tz database from 2000 to 2060 (every zone, sampled every 12 hours) is 7 days apart (Asia/Gaza and
 * Asia/Hebron, 2040 and 2054).
 * Memoised per zone for the life of the process (there are a few hundred zones, with a couple of
 * changes a year each).
 */
import { Info, type Zone } from 'luxon';

const SAMPLE_MS = 2 * 86_400_000;

export class ZoneOffsets {
  private readonly zone: Zone;
  /** The range sampled so far, [lo, hi] (NaN: none yet): every change inside it is in `changes`. */
  private lo = NaN;
  private hi = NaN;
  /** The offset (minutes) at `lo`. */
  private loOffset = NaN;
  /** Instants (ascending) at which the offset differs from the millisecond before, and the offset from each on. */
  private changes: number[] = [];
  private offsets: number[] = [];

  constructor(zoneName: string) {
    this.zone = Info.normalizeZone(zoneName);
  }

  /** luxon's offset (minutes) at `t`: read from the table where it is sampled already, else asked. */
  offsetAt(t: number): number {
    if (!(t >= this.lo && t <= this.hi)) return this.zone.offset(t);
    const i = this.changesUpTo(t);
    return i === 0 ? this.loOffset : this.offsets[i - 1]!;
  }

  /**
   * The first instant in (from, limit] at which the offset changes, Infinity if none (the offset at
   * `from` holds through `limit`); NaN for a zone luxon does not know.
   */
  firstChangeAfter(from: number, limit: number): number {
    if (!this.zone.isValid || !Number.isFinite(from) || !Number.isFinite(limit)) return NaN;
    this.cover(from, limit);
    const i = this.changesUpTo(from);
    return i < this.changes.length && this.changes[i]! <= limit ? this.changes[i]! : Infinity;
  }

  /** How many changes are at or before `t`. */
  private changesUpTo(t: number): number {
    const c = this.changes;
    let lo = 0;
    let hi = c.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (c[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private cover(from: number, to: number): void {
    if (Number.isNaN(this.lo)) {
      this.lo = this.hi = from;
      this.loOffset = this.zone.offset(from);
    }
    if (from < this.lo) {
      const lo = from - SAMPLE_MS;
      const found = this.scan(lo, this.lo);
      this.changes = [...found.changes, ...this.changes];
      this.offsets = [...found.offsets, ...this.offsets];
      this.lo = lo;
      this.loOffset = this.zone.offset(lo);
    }
    if (to > this.hi) {
      const hi = to + SAMPLE_MS;
      const found = this.scan(this.hi, hi);
      this.changes.push(...found.changes);
      this.offsets.push(...found.offsets);
      this.hi = hi;
    }
  }

  /** The changes in (a, b], ascending. */
  private scan(a: number, b: number): { changes: number[]; offsets: number[] } {
    const changes: number[] = [];
    const offsets: number[] = [];
    let t = a;
    let o = this.zone.offset(t);
    while (t < b) {
      const u = Math.min(b, t + SAMPLE_MS);
      const p = this.zone.offset(u);
      if (p !== o) {
        // The first millisecond in (t, u] with the new offset.
        let lo = t;
        let hi = u;
        while (hi - lo > 1) {
          const mid = Math.floor((lo + hi) / 2);
          if (this.zone.offset(mid) === o) lo = mid;
          else hi = mid;
        }
        changes.push(hi);
        offsets.push(p);
      }
      t = u;
      o = p;
    }
    return { changes, offsets };
  }
}

const byZone = new Map<string, ZoneOffsets>();

/** The (memoised) offset table of a zone, as luxon reads the name. */
export function zoneOffsets(zoneName: string): ZoneOffsets {
  let z = byZone.get(zoneName);
  if (!z) {
    z = new ZoneOffsets(zoneName);
    byZone.set(zoneName, z);
  }
  return z;
}
