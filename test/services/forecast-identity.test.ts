// The forecast gives, to the millisecond, the dates recorded in test/fixtures/forecast-identity.json:
// a speed-up of the model or of the invitation slots must not move any date. The scenarios cover the
// weekly cap, the daily cap and pace, warm-up, health slowdown, the spread over the window, grants
// already made this week, a campaign schedule, leads_per_day, concurrency, several senders and a DST
// change. Re-record (only for an intended change of the model's results):
//   RECORD_FORECAST_IDENTITY=1 npm run test:file -- test/services/forecast-identity.test.ts
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { InvitationSlots, SenderCalendar } from '../../src/quota/invitation-slots';
import { seededRandom } from '../../src/domain/seeded-random';
import { simulateForecast, type ForecastModelInput } from '../../src/services/forecast-model';
import { exampleTimeline, sender, type Scenario } from '../../bench/forecast-scenarios';

const FIXTURE = new URL('../fixtures/forecast-identity.json', import.meta.url);
const RECORD = process.env.RECORD_FORECAST_IDENTITY === '1';
const ALWAYS = { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' };

function scenarios(): Scenario[] {
  const timeline = exampleTimeline();
  const now = new Date('2027-03-01T08:30:00Z');
  const base = { now, timeline, campaignSchedule: null, leadsPerDay: null, maxConcurrentLeads: 10_000, leadProcessingDelayMs: 0, runs: 5, seed: 3 } satisfies Partial<ForecastModelInput>;
  const thisWeek = Array.from({ length: 150 }, (_, i) => new Date(now.getTime() - 6 * 86_400_000 + i * 3_000_000));
  return [
    { name: 'defaults, warm-up, one sender', input: { ...base, leads: 4_000, senders: [sender('a', { connectedOn: '2027-02-25' })] } },
    { name: 'no warm-up, weekly cap binding, grants this week', input: { ...base, leads: 3_000, senders: [sender('a', { connectedOn: '2026-01-01', warmup: false, limits: { invitation: { daily: 80, weekly: 150 } }, recentGrants: thisWeek })] } },
    { name: 'no spread, always open, daily cap only', input: { ...base, leads: 3_000, senders: [sender('a', { connectedOn: '2026-01-01', warmup: false, workingHours: ALWAYS, spreadOverWindow: false, limits: { invitation: { daily: 60, weekly: null } } })] } },
    { name: 'across the US DST change, health slowdown', input: { ...base, leads: 2_500, senders: [sender('a', { timezone: 'America/New_York', connectedOn: '2027-02-20', healthFactor: 0.5 })] } },
    { name: 'three senders, campaign schedule, leads_per_day, concurrency 100', input: { ...base, leads: 3_000, leadsPerDay: 150, maxConcurrentLeads: 100, campaignSchedule: { timezone: 'Europe/London', startTime: '10:00', endTime: '16:00', days: ['mon', 'tue', 'wed', 'thu'] }, senders: [sender('a', { connectedOn: '2027-02-01' }), sender('b', { timezone: 'Asia/Kolkata', connectedOn: '2026-01-01', warmup: false }), sender('c', { timezone: 'America/New_York', connectedOn: '2027-03-01', acceptanceRate: 0.6 })] } },
    { name: 'running campaign: leads waiting for their invitation', input: { ...base, leads: 500, waitingForInvitation: 700, senders: [sender('a', { connectedOn: '2026-01-01', warmup: false })] } },
  ];
}

/** Every grant of one run in order (hashed: thousands of numbers), and the forecast's dates. */
function observe(s: Scenario) {
  const { input } = s;
  const cal = new SenderCalendar(input.senders[0]!, input.campaignSchedule, input.now, 2 * 366 * 86_400_000);
  const slots = new InvitationSlots(cal, seededRandom(input.seed));
  const hash = createHash('sha256');
  let last = 0;
  for (let i = 0; i < 2_000; i++) {
    // Bursts of requests at the same moment, then gaps: the order the orchestrator's starts ask in.
    const at = input.now.getTime() + Math.floor(i / 50) * 5_400_000;
    last = slots.grant(at);
    hash.update(`${last},`);
  }
  const r = simulateForecast(input);
  const ms = (d: Date | null) => (d === null ? null : d.getTime());
  return {
    grants: { hash: hash.digest('hex'), last },
    forecast: {
      allStarted: [ms(r.allStarted.p50), ms(r.allStarted.p90)],
      allInvited: [ms(r.allInvited.p50), ms(r.allInvited.p90)],
      ends: [ms(r.ends.p50), ms(r.ends.p90)],
      invitations: r.invitations,
      beyondHorizon: r.beyondHorizon,
    },
  };
}

void describe('forecast results are unchanged', () => {
  const all = scenarios();
  const observed = Object.fromEntries(all.map((s) => [s.name, observe(s)]));
  if (RECORD) writeFileSync(FIXTURE, `${JSON.stringify(observed, null, 2)}\n`);
  const recorded = JSON.parse(readFileSync(FIXTURE, 'utf8')) as typeof observed;
  for (const s of all) {
    void it(s.name, () => {
      assert.ok(recorded[s.name], `no recorded result for "${s.name}": record with RECORD_FORECAST_IDENTITY=1`);
      assert.deepEqual(observed[s.name], recorded[s.name]);
    });
  }
});
