/**
 * Edge delays as the editor saves them: a compact string (`data.delay`: "15m", "2d", "1w") and the
 * same value split (`data.delayData`: `{ delay: 2 | "2", unit: "d" }`). The split form is the
 * authoritative one: when both are present it wins, and a compact string it overrides is not even
 * parsed (an editor that kept a stale string must not make a valid flow unsavable).
 */
import type { DefinitionProblem } from './workflow-definition/plan';

export const DELAY_UNITS = ['s', 'm', 'h', 'd', 'w'] as const;
export type DelayUnit = (typeof DELAY_UNITS)[number];

const SECOND = 1000;
const UNIT_MS: Record<DelayUnit, number> = {
  s: SECOND,
  m: 60 * SECOND,
  h: 60 * 60 * SECOND,
  d: 24 * 60 * 60 * SECOND,
  w: 7 * 24 * 60 * 60 * SECOND,
};

export type DelaySource = 'delayData' | 'delay' | 'none';

export type EdgeDelayResult =
  | {
      ok: true;
      ms: number;
      source: DelaySource;
      /** Set when the compact string disagrees with delayData (which was used): worth a warning, not a refusal. */
      disagreement?: DefinitionProblem;
    }
  | { ok: false; problem: DefinitionProblem };

const isUnit = (u: string): u is DelayUnit => (DELAY_UNITS as readonly string[]).includes(u);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const NUMBER = /^\d+(?:\.\d+)?$/;
const COMPACT = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]+)$/;

function problem(path: string, message: string): EdgeDelayResult {
  return { ok: false, problem: { code: 'invalid_delay', message, path } };
}

function toMs(amount: number, unit: DelayUnit, path: string, source: DelaySource): EdgeDelayResult {
  const ms = Math.round(amount * UNIT_MS[unit]);
  // Past this, Temporal timers and Date arithmetic stop being exact: nobody means a delay that long.
  if (!Number.isSafeInteger(ms)) return problem(path, `delay ${amount}${unit} is too large`);
  return { ok: true, ms, source };
}

/** `{ delay, unit }`: delay a non-negative number or numeric string, unit one of s m h d w. */
function parseDelayData(value: Record<string, unknown>, path: string): EdgeDelayResult {
  const raw = value.delay;
  let amount: number;
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) return problem(`${path}.delay`, 'delay must be a finite number');
    if (raw < 0) return problem(`${path}.delay`, `delay must not be negative (got ${raw})`);
    amount = raw;
  } else if (typeof raw === 'string') {
    const text = raw.trim();
    if (text.startsWith('-') && NUMBER.test(text.slice(1))) return problem(`${path}.delay`, `delay must not be negative (got "${raw}")`);
    if (!NUMBER.test(text)) return problem(`${path}.delay`, `delay must be a number (got "${raw}")`);
    amount = Number(text);
  } else {
    return problem(`${path}.delay`, 'delay must be a number or a numeric string');
  }
  const unit = value.unit;
  if (typeof unit !== 'string' || !isUnit(unit.trim())) {
    return problem(`${path}.unit`, `unit must be one of ${DELAY_UNITS.join(', ')} (got ${JSON.stringify(unit ?? null)})`);
  }
  return toMs(amount, unit.trim() as DelayUnit, `${path}.delay`, 'delayData');
}

/** "15m", "2d", "1w", "30s", "1h" (a space between number and unit is tolerated). "" means no delay. */
function parseCompact(raw: unknown, path: string): EdgeDelayResult {
  if (typeof raw !== 'string') return problem(path, `delay must be a string like "2d" (got ${JSON.stringify(raw)})`);
  const text = raw.trim();
  if (text === '') return { ok: true, ms: 0, source: 'none' };
  if (text.startsWith('-')) return problem(path, `delay must not be negative (got "${raw}")`);
  const match = COMPACT.exec(text);
  if (!match) return problem(path, `delay must look like "15m", "2d" or "1w" (got "${raw}")`);
  const unit = match[2] ?? '';
  if (!isUnit(unit)) return problem(path, `delay unit must be one of ${DELAY_UNITS.join(', ')} (got "${unit}")`);
  return toMs(Number(match[1]), unit, path, 'delay');
}

/**
 * Reads an edge's `data`. `path` is where `data` sits in the submitted JSON (problems point below it).
 * Missing data, delay and delayData (or null ones) mean no wait.
 */
export function parseEdgeDelay(data: unknown, path = 'data'): EdgeDelayResult {
  if (data === undefined || data === null) return { ok: true, ms: 0, source: 'none' };
  if (!isRecord(data)) return problem(path, 'edge data must be an object');
  const split = data.delayData;
  const compact = data.delay;

  if (split !== undefined && split !== null) {
    if (!isRecord(split)) return problem(`${path}.delayData`, 'delayData must be an object { delay, unit }');
    const parsed = parseDelayData(split, `${path}.delayData`);
    if (!parsed.ok) return parsed;
    const result: EdgeDelayResult = { ok: true, ms: parsed.ms, source: 'delayData' };
    if (compact !== undefined && compact !== null) {
      const other = parseCompact(compact, `${path}.delay`);
      if (!other.ok || other.ms !== parsed.ms) {
        result.disagreement = {
          code: 'delay_disagreement',
          message: `delay ${JSON.stringify(compact)} disagrees with delayData (${formatDuration(parsed.ms)}); delayData is used`,
          path: `${path}.delay`,
        };
      }
    }
    return result;
  }
  if (compact !== undefined && compact !== null) {
    return parseCompact(compact, `${path}.delay`);
  }
  return { ok: true, ms: 0, source: 'none' };
}

const FORMAT_UNITS: ReadonlyArray<[string, number]> = [
  ['w', UNIT_MS.w],
  ['d', UNIT_MS.d],
  ['h', UNIT_MS.h],
  ['m', UNIT_MS.m],
  ['s', UNIT_MS.s],
];

/**
 * In the editor's own units, largest first: 14 days → "2w", 36 hours → "1d 12h", 90 s → "1m 30s",
 * 0 → "0s". Sub-second remainders show as "ms" so that no duration ever prints as something else.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`not a duration: ${ms}`);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  let rest = Math.round(ms);
  if (rest === 0) return '0s';
  const parts: string[] = [];
  for (const [unit, size] of FORMAT_UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      parts.push(`${n}${unit}`);
      rest -= n * size;
    }
  }
  if (rest > 0) parts.push(`${rest}ms`);
  return parts.join(' ');
}
