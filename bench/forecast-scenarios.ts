/**
 * Forecast inputs shared by `npm run bench:forecast` and the before/after identity test
 * (test/services/forecast-identity.test.ts): the example flow (visit, 1 h, invite, 14-day acceptance
 * window, follow-up a day after acceptance, withdrawal otherwise) over one or several senders.
 */
import { compileWorkflowDefinition } from '../src/domain/workflow-definition';
import { planTimeline, type PlanTimeline } from '../src/domain/workflow-definition/plan-timeline';
import { defaultAccountSettings, type AccountSettings } from '../src/quota/account-settings';
import type { ForecastModelInput, ForecastSender } from '../src/services/forecast-model';
import { exampleDefinition } from '../test/support/fixtures';

export function exampleTimeline(): PlanTimeline {
  const compiled = compileWorkflowDefinition(exampleDefinition());
  if (!compiled.ok) throw new Error(`example definition does not compile: ${JSON.stringify(compiled.problems)}`);
  return planTimeline(compiled.plan);
}

export interface SenderSetup {
  timezone?: string;
  /** Warm-up as stored; omitted: the default (14 days from 20 %). `false`: none. */
  warmup?: AccountSettings['warmup'] | false;
  limits?: AccountSettings['limits'];
  workingHours?: AccountSettings['workingHours'];
  spreadOverWindow?: boolean;
  connectedOn: string;
  healthFactor?: number;
  acceptanceRate?: number;
  recentGrants?: Date[];
}

export function sender(id: string, s: SenderSetup): ForecastSender {
  const base = defaultAccountSettings(id);
  return {
    accountId: id,
    settings: {
      ...base,
      timezone: s.timezone ?? 'Europe/Paris',
      workingHours: s.workingHours ?? base.workingHours,
      limits: s.limits ?? {},
      warmup: s.warmup === false ? { days: 0, startPercent: 100 } : (s.warmup ?? base.warmup),
      safety: { ...base.safety, spreadOverWindow: s.spreadOverWindow ?? base.safety.spreadOverWindow },
    },
    accountType: null,
    connectedOn: s.connectedOn,
    healthFactor: s.healthFactor ?? 1,
    acceptanceRate: s.acceptanceRate ?? 0.3,
    ...(s.recentGrants ? { recentGrants: s.recentGrants } : {}),
  };
}

export interface Scenario {
  name: string;
  input: ForecastModelInput;
}

/** The bench's set-ups: 1 and 3 senders (time zones apart), warm-up on and off, `leads` leads. */
export function benchScenarios(o: { leads: number; now: Date; runs: number; maxConcurrentLeads: number }): Scenario[] {
  const timeline = exampleTimeline();
  const connectedOn = o.now.toISOString().slice(0, 10);
  const zones = ['Europe/Paris', 'America/New_York', 'Asia/Kolkata'];
  const out: Scenario[] = [];
  for (const count of [1, 3]) {
    for (const warm of [true, false]) {
      out.push({
        name: `${count} sender${count > 1 ? 's' : ''}, warm-up ${warm ? 'on (14 days from 20 %)' : 'off'}`,
        input: {
          now: o.now,
          leads: o.leads,
          timeline,
          campaignSchedule: null,
          leadsPerDay: null,
          maxConcurrentLeads: o.maxConcurrentLeads,
          leadProcessingDelayMs: 0,
          senders: zones.slice(0, count).map((timezone, i) => sender(`sender-${i + 1}`, { timezone, connectedOn, warmup: warm ? undefined : false })),
          runs: o.runs,
          seed: 1,
        },
      });
    }
  }
  return out;
}
