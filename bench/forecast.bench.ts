/**
 * How long one campaign forecast takes for 100,000 leads (issue 15: under 1 s).
 *
 * 1. The model (services/forecast-model.ts over quota/invitation-slots.ts), as the route runs it
 *    (15 seeded runs): the example flow, 1 and 3 senders, warm-up on and off, at the start call's
 *    default concurrency (100) and at 10,000.
 * 2. The route's whole path, `forecastCampaign` (the database reads and the model), for a draft of
 *    100,000 leads with one sender (a campaign has one today), warm-up on and off, on a fresh
 *    PostgreSQL database (dropped afterwards).
 *
 * Run: npm run bench:forecast -- [--leads 100000] [--repeat 3] [--no-db]
 * Exit code 1 when a set-up's median is at or over the target.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { updateAccountSettings } from '../src/quota/quota.repository';
import { forecastCampaign, DEFAULT_FORECAST_RUNS } from '../src/services/campaign-forecast';
import { DEFAULT_MAX_CONCURRENT_LEADS } from '../src/services/campaign.service';
import { simulateForecast, type ForecastModelResult } from '../src/services/forecast-model';
import { createTestDatabase } from '../test/support/database';
import { exampleDefinition, seedCampaign } from '../test/support/fixtures';
import { benchScenarios } from './forecast-scenarios';
import { log, median, positiveInt } from './support';

const TARGET_MS = 1_000;

interface Row {
  what: string;
  times: number[];
  /** CPU time of this process (user + system) per computation: what the machine's load does not inflate. */
  cpu: number[];
  lastInvitation: string;
  ends: string;
}

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') : 'beyond horizon');

async function timed<T>(repeat: number, fn: () => T | Promise<T>): Promise<{ times: number[]; cpu: number[]; result: T }> {
  const times: number[] = [];
  const cpu: number[] = [];
  let result: T | undefined;
  for (let i = 0; i < repeat; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    result = await fn();
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { times, cpu, result: result! };
}

async function modelRows(leads: number, repeat: number): Promise<Row[]> {
  const rows: Row[] = [];
  const now = new Date();
  for (const concurrency of [DEFAULT_MAX_CONCURRENT_LEADS, 10_000]) {
    for (const s of benchScenarios({ leads, now, runs: DEFAULT_FORECAST_RUNS, maxConcurrentLeads: concurrency })) {
      const { times, cpu, result } = await timed<ForecastModelResult>(repeat, () => simulateForecast(s.input));
      rows.push({ what: `model: ${s.name}, concurrency ${concurrency}`, times, cpu, lastInvitation: day(result.allInvited.p50), ends: day(result.ends.p90) });
      log(`${rows.at(-1)!.what}: ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
    }
  }
  return rows;
}

async function routeRows(leads: number, repeat: number): Promise<Row[]> {
  const t = await createTestDatabase();
  const rows: Row[] = [];
  try {
    const seeded = await seedCampaign(t.db, { unipileAccountId: 'bench-forecast', definition: exampleDefinition(), leads: 0, quota: { timezone: 'Europe/Paris' } });
    const org = await t.db.selectFrom('campaigns').select('organization_id').where('id', '=', seeded.campaignId).executeTakeFirstOrThrow();
    await sql`
      insert into leads (organization_id, lead_list_id, first_name, last_name, full_name, company, linkedin_url, enrichment_data)
      select ${org.organization_id}, ${seeded.leadListId}, 'First' || i, 'Last' || i, 'First' || i || ' Last' || i, 'Globex',
             'https://www.linkedin.com/in/bench-' || i || '/', '{}'::jsonb
      from generate_series(1, ${leads}) i`.execute(t.db);
    await sql`analyze`.execute(t.db);
    log(`seeded a draft of ${leads} leads`);
    for (const warm of [true, false]) {
      await updateAccountSettings(t.db, seeded.accountId, { warmup: warm ? { days: 14, startPercent: 20 } : { days: 0, startPercent: 100 } });
      const { times, cpu, result } = await timed(repeat, () => forecastCampaign(t.db, { organizationId: org.organization_id, campaignId: seeded.campaignId, now: new Date() }));
      if (result.leads.toStart !== leads) throw new Error(`the forecast saw ${result.leads.toStart} leads to start, not ${leads}`);
      rows.push({ what: `route (forecastCampaign, PostgreSQL): 1 sender, warm-up ${warm ? 'on' : 'off'}, concurrency ${DEFAULT_MAX_CONCURRENT_LEADS}`, times, cpu, lastInvitation: day(result.lastInvitation.p50), ends: day(result.campaignEnds.p90) });
      log(`${rows.at(-1)!.what}: ${times.map((x) => x.toFixed(0)).join(', ')} ms`);
    }
  } finally {
    await t.drop();
  }
  return rows;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { leads: { type: 'string', default: '100000' }, repeat: { type: 'string', default: '3' }, 'no-db': { type: 'boolean', default: false } } });
  const leads = positiveInt('--leads', values.leads);
  const repeat = positiveInt('--repeat', values.repeat);
  const rows = await modelRows(leads, repeat);
  if (!values['no-db']) rows.push(...(await routeRows(leads, repeat)));

  const head = ['set-up', 'wall p50 ms', 'wall max ms', 'cpu p50 ms', 'last invitation p50 (UTC)', 'campaign end p90 (UTC)', `< ${TARGET_MS} ms`];
  const table = rows.map((r) => {
    const p50 = median(r.times);
    return [r.what, p50.toFixed(0), Math.max(...r.times).toFixed(0), median(r.cpu).toFixed(0), r.lastInvitation, r.ends, p50 < TARGET_MS ? 'yes' : 'NO'];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  console.log(`forecast of ${leads.toLocaleString('en-US')} leads, ${DEFAULT_FORECAST_RUNS} simulation runs each, ${repeat} timed computations per set-up; load average ${loadavg()[0]!.toFixed(1)}`);
  console.log(line(head));
  for (const r of table) console.log(line(r));
  const over = table.filter((r) => r[6] === 'NO');
  if (over.length) {
    console.log(`${over.length} set-up(s) at or over ${TARGET_MS} ms`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
