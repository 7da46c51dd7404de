/**
 * How fast the quota machinery grants, on the machine's real PostgreSQL (a fresh database, dropped
 * afterwards): spacing and jitter 0, huge limits, 24/7 working hours, so every call is a grant and
 * the figure is the cost of the transaction (row lock, idempotency check, counts, insert).
 * Run: npx tsx bench/quota.bench.ts   (about 25 s)
 */
import { openDatabase } from '../src/db/connection';
import { QUOTA_KINDS, type LimitOverrides } from '../src/quota/limits';
import { reserveAction, updateAccountSettings } from '../src/quota/quota.repository';
import { createTestDatabase } from '../test/support/database';
import { createAccount } from '../test/quota/support';

const SECONDS_PER_CASE = 4;
const POOL = 32;
const CASES: Array<{ accounts: number; callers: number }> = [
  { accounts: 1, callers: 1 },
  { accounts: 1, callers: 32 },
  { accounts: 4, callers: 32 },
  { accounts: 16, callers: 32 },
  { accounts: 64, callers: 64 },
];

const huge: LimitOverrides = Object.fromEntries(QUOTA_KINDS.map((k) => [k, { daily: 1_000_000, weekly: null }]));

async function main(): Promise<void> {
  const t = await createTestDatabase();
  const bench = await openDatabase({ databaseUrl: t.url, dataDir: '', poolSize: POOL });
  const rows: string[][] = [];
  try {
    for (const c of CASES) {
      const accounts: string[] = [];
      for (let i = 0; i < c.accounts; i++) {
        const id = await createAccount(t.db);
        await updateAccountSettings(t.db, id, {
          workingHours: { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' },
          limits: huge,
          warmup: { days: 0, startPercent: 100 },
          minGapSeconds: 0,
          jitterSeconds: 0,
        });
        accounts.push(id);
      }
      const latencies: number[] = [];
      let denied = 0;
      const deadline = performance.now() + SECONDS_PER_CASE * 1000;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: c.callers }, async (_, caller) => {
          const accountId = accounts[caller % accounts.length]!;
          for (let n = 0; performance.now() < deadline; n++) {
            const t0 = performance.now();
            const r = await reserveAction(bench.db, { accountId, kind: 'message', idempotencyKey: `${accountId}:${caller}:${n}`, now: new Date() });
            latencies.push(performance.now() - t0);
            if (!r.granted) denied++;
          }
        }),
      );
      const secs = (performance.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(1);
      const granted = latencies.length - denied;
      rows.push([
        String(c.accounts),
        String(c.callers),
        String(granted),
        String(denied),
        (granted / secs).toFixed(0),
        (granted / secs / c.accounts).toFixed(0),
        pct(0.5),
        pct(0.99),
      ]);
      console.error(`done: ${c.accounts} account(s), ${c.callers} caller(s)`);
    }
  } finally {
    await bench.close();
    await t.drop();
  }
  const head = ['accounts', 'callers', 'granted', 'denied', 'grants/s', 'per account/s', 'p50 ms', 'p99 ms'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((v, i) => v.padStart(widths[i]!)).join('  ');
  console.log(`quota reservations on PostgreSQL, ${SECONDS_PER_CASE}s per case, pool of ${POOL} connections`);
  console.log(line(head));
  for (const r of rows) console.log(line(r));
}

await main();
