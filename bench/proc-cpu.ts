/**
 * CPU time of the processes a bench run uses, from /proc: this process (worker, activities, sandbox,
 * bench), the Temporal dev server, and the PostgreSQL backends serving the bench's database (the
 * server is shared with the rest of the machine, so only those backends are counted; its background
 * writers are not). Backends come and go with the pool: each is sampled while it lives and counted
 * from the first sample (or its start, when it appeared during the run).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { sql } from 'kysely';
import type { Db } from '../src/db/connection';

const TICK_MS = 10; // USER_HZ is 100 on Linux.

/** utime + stime of a process in ms, or undefined once it is gone. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

/** The process listening for `--port <port>` among the temporal CLI processes (the dev server). */
export function devServerPid(port: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.includes('start-dev') && args.includes(String(port))) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

export interface CpuSplit {
  benchMs: number;
  devServerMs: number;
  postgresMs: number;
  totalMs: number;
}

/** Samples every second until stopped; `stop()` gives the CPU used since `start`. */
export function startCpuMeter(opts: { db: Db; database: string; devServerPid: number | undefined }): { stop(): Promise<CpuSplit> } {
  const cpu0 = process.cpuUsage();
  const server0 = opts.devServerPid ? (processCpuMs(opts.devServerPid) ?? 0) : 0;
  const backends = new Map<number, { first: number; last: number }>();
  let first = true;
  const sample = async () => {
    const { rows } = await sql<{ pid: number }>`select pid from pg_stat_activity where datname = ${opts.database}`.execute(opts.db);
    for (const { pid } of rows) {
      const now = processCpuMs(pid);
      if (now === undefined) continue;
      const seen = backends.get(pid);
      if (seen) seen.last = now;
      else backends.set(pid, { first: first ? now : 0, last: now });
    }
    first = false;
  };
  const initial = sample();
  const timer = setInterval(() => void sample().catch(() => undefined), 1_000);
  return {
    async stop() {
      clearInterval(timer);
      await initial;
      await sample();
      const cpu = process.cpuUsage(cpu0);
      const benchMs = (cpu.user + cpu.system) / 1000;
      const devServerMs = opts.devServerPid ? (processCpuMs(opts.devServerPid) ?? server0) - server0 : 0;
      const postgresMs = [...backends.values()].reduce((sum, b) => sum + b.last - b.first, 0);
      return { benchMs, devServerMs, postgresMs, totalMs: benchMs + devServerMs + postgresMs };
    },
  };
}
