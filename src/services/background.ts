import type { Logger } from '../logger';

/**
 * The background loop every API and worker process runs: applies the stored Unipile events whose
 * processing has not succeeded yet (Temporal or the database was down when they arrived) and re-sends
 * the control signals (pause / resume / stop) the orchestrators have not received yet. Both claim their
 * rows with `FOR UPDATE SKIP LOCKED` plus a short lease, so any number of processes share the work and a
 * process that dies mid-way loses its claim after the lease.
 */
export interface BackgroundWork {
  processPendingWebhooks(): Promise<number>;
  reconcileControl(): Promise<number>;
  /** Signals stop to the running leads that new do-not-contact entries match (src/services/do-not-contact-stops.ts). */
  stopListedLeads?(): Promise<number>;
}

export interface BackgroundLoop {
  /** Runs one pass now (tests, and the loop itself); resolves when it is done. */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

export function startBackgroundLoop(work: BackgroundWork, opts: { logger: Logger; intervalMs?: number }): BackgroundLoop {
  const intervalMs = opts.intervalMs ?? 1_000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  let lastErrorLoggedAt = 0;

  const pass = async (): Promise<void> => {
    for (const [name, run] of [
      ['unipile webhooks', () => work.processPendingWebhooks()],
      ['campaign control', () => work.reconcileControl()],
      ['do-not-contact stops', () => work.stopListedLeads?.() ?? Promise.resolve(0)],
    ] as const) {
      try {
        // A full batch means more may be due: go on at once.
        while (!stopped && (await run()) >= 20);
      } catch (err) {
        // The database is down: nothing to do but try again at the next pass (logged at most every 30 s).
        if (Date.now() - lastErrorLoggedAt > 30_000) {
          lastErrorLoggedAt = Date.now();
          opts.logger.warn({ err: err instanceof Error ? err.message : String(err), part: name }, 'background pass failed; retrying');
        }
      }
    }
  };
  const tick = (): Promise<void> => {
    current = current.then(pass);
    return current;
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void tick().then(schedule), intervalMs);
    timer.unref();
  };
  schedule();
  return {
    tick,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
