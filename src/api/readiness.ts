import type { ReadinessReport } from './app';

/**
 * `/ready` from named dependency checks: all run at once, each bounded by its own timeout, so one
 * dependency that hangs (Temporal's client retries for ~20 s) neither delays the answer past the
 * timeout nor hides which part is down.
 */

export type Check = { ok: boolean; detail?: string };

/** Each check's own bound; the whole answer comes within about this long. */
export const READY_CHECK_TIMEOUT_MS = 1_500;

async function bounded(name: string, check: (deadline: Date) => Promise<Check>, timeoutMs: number): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Check>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `${name} did not answer within ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    return await Promise.race([
      check(new Date(Date.now() + timeoutMs)).catch((): Check => ({ ok: false, detail: `${name} check failed` })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A `readiness` for buildApp: `checks` maps a dependency's name to a probe that gets its deadline. */
export function readinessOf(
  checks: Record<string, (deadline: Date) => Promise<Check>>,
  opts: number | { timeoutMs?: number; backlog?: () => Promise<NonNullable<ReadinessReport['backlog']>> } = {},
): () => Promise<ReadinessReport> {
  const { timeoutMs = READY_CHECK_TIMEOUT_MS, backlog } = typeof opts === 'number' ? { timeoutMs: opts } : opts;
  return async () => {
    const names = Object.keys(checks);
    // The backlog is information, not a check: left out when it cannot be read in time.
    const owed = backlog ? withTimeout(backlog(), timeoutMs).catch(() => undefined) : Promise.resolve(undefined);
    const [results, pending] = await Promise.all([Promise.all(names.map((name) => bounded(name, checks[name]!, timeoutMs))), owed]);
    const report: ReadinessReport['checks'] = {};
    names.forEach((name, i) => (report[name] = results[i]!));
    return { ready: results.every((c) => c.ok), checks: report, ...(pending ? { backlog: pending } : {}) };
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]).finally(() => clearTimeout(timer));
}
