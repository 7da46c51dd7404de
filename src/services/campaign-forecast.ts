/**
 * GET /api/campaigns/:id/forecast: reads what the forecast model needs (the campaign's plan, leads
 * still to run, each sender's quota settings, warm-up, health, acceptance and this week's invitation
 * grants) and runs it. Drafts and running campaigns alike: a running one forecasts what is left.
 */
import { sql } from 'kysely';
import type { Db } from '../db/connection';
import { activeSenderIds } from '../db/repositories/campaign-sender.repository';
import { compileWorkflowDefinition } from '../domain/workflow-definition';
import { planTimeline } from '../domain/workflow-definition/plan-timeline';
import { NotFoundError, UnprocessableError } from '../errors';
import { getAccountSettings } from '../quota/account-settings';
import { HEALTH_JUDGE_AFTER_MS, HEALTH_SAMPLE_MAX, ROLLING_WEEK_MS } from '../quota/limits';
import type { QuotaTables } from '../quota/quota.schema';
import { getAccountHealth } from '../quota/quota.repository';
import { localDay } from '../quota/schedule';
import { DEFAULT_MAX_CONCURRENT_LEADS } from './campaign.service';
import { simulateForecastYielding, type ForecastDates, type ForecastSender } from './forecast-model';

/** Without enough history of its own, an account is assumed to get this share accepted. */
export const DEFAULT_ACCEPTANCE_RATE = 0.3;
export const DEFAULT_FORECAST_RUNS = 15;

export interface ForecastOptions {
  organizationId: string;
  campaignId: string;
  now: Date;
  /** 0-1, for every sender instead of its own rate. */
  acceptanceRate?: number;
  seed?: number;
  runs?: number;
  maxConcurrentLeads?: number;
}

export interface CampaignForecast {
  campaignId: string;
  status: string;
  computedAt: Date;
  seed: number;
  runs: number;
  leads: { total: number; toStart: number; waitingForInvitation: number };
  invitations: number;
  senders: Array<{ accountId: string; timezone: string; acceptanceRate: number; acceptanceSource: 'override' | 'account' | 'default'; healthFactor: number }>;
  allLeadsStarted: ForecastDates;
  lastInvitation: ForecastDates;
  campaignEnds: ForecastDates;
  beyondHorizon: boolean;
}

/** The campaign's senders: a pool once sender pools land (`senderAccountIds`), today its one sender. */
async function loadSender(db: Db, accountId: string, now: Date, override: number | undefined): Promise<{ sender: ForecastSender; source: 'override' | 'account' | 'default' }> {
  const account = await db.selectFrom('connected_accounts').select(['created_at']).where('id', '=', accountId).executeTakeFirst();
  if (!account) throw new UnprocessableError('sender_account_missing', 'the campaign sender account does not exist');
  const settings = await getAccountSettings(db, accountId);
  const q = db.withTables<QuotaTables>();
  const state = await q.selectFrom('account_provider_state').selectAll().where('account_id', '=', accountId).executeTakeFirst();
  const health = await getAccountHealth(db, { accountId, now, safety: settings.safety, usage: state ?? null });
  const grants = await q
    .selectFrom('account_action_grants')
    .select('granted_at')
    .where('account_id', '=', accountId)
    .where('kind', '=', 'invitation')
    .where('granted_at', '>', new Date(now.getTime() - ROLLING_WEEK_MS))
    .orderBy('granted_at')
    .execute();
  const own = health.acceptance.sample >= settings.safety.healthMinSample ? health.acceptance.accepted / health.acceptance.sample : null;
  const source = override !== undefined ? 'override' : own !== null ? 'account' : 'default';
  const acceptanceRate = override ?? own ?? DEFAULT_ACCEPTANCE_RATE;
  // What the reservation will judge health on as the campaign runs: the latest judged invitations and
  // those sent since (still open ones count at the expected rate once judged).
  const judgedBefore = new Date(now.getTime() - HEALTH_JUDGE_AFTER_MS);
  const judged = await q
    .selectFrom('account_invitations')
    .select(['sent_at', 'state'])
    .where('account_id', '=', accountId)
    .where('sent_at', '<=', judgedBefore)
    .orderBy('sent_at', 'desc')
    .limit(HEALTH_SAMPLE_MAX)
    .execute();
  const fresh = await q.selectFrom('account_invitations').select(['sent_at', 'state']).where('account_id', '=', accountId).where('sent_at', '>', judgedBefore).orderBy('sent_at').execute();
  const history = [
    ...judged.reverse().map((i) => ({ at: new Date(i.sent_at).getTime(), accepted: i.state === 'accepted' ? 1 : 0 })),
    ...fresh.map((i) => ({ at: new Date(i.sent_at).getTime(), accepted: i.state === 'accepted' ? 1 : i.state === 'pending' ? acceptanceRate : 0 })),
  ];
  const refusalsSlow = settings.safety.healthMaxRefusals > 0 && health.providerRefusals7d >= settings.safety.healthMaxRefusals;
  return {
    source,
    sender: {
      accountId,
      settings,
      accountType: state?.account_type ?? null,
      connectedOn: localDay(settings.timezone, new Date(account.created_at)),
      healthFactor: health.slowdown.factor,
      recentGrants: grants.map((g) => new Date(g.granted_at)),
      acceptanceRate,
      health: { acceptanceRate, history, refusalsSlow },
    },
  };
}

export async function forecastCampaign(db: Db, o: ForecastOptions): Promise<CampaignForecast> {
  const campaign = await db
    .selectFrom('campaigns')
    .selectAll()
    .where('id', '=', o.campaignId)
    .where('organization_id', '=', o.organizationId)
    .where('is_deleted', '=', false)
    .executeTakeFirst();
  if (!campaign) throw new NotFoundError('campaign', o.campaignId);
  const compiled = compileWorkflowDefinition(campaign.workflow_definition);
  if (!compiled.ok) throw new UnprocessableError('invalid_workflow_definition', 'the campaign workflow definition is invalid', compiled.problems);
  // The campaign's pool (a campaign written with only sender_account is a pool of that one).
  const senderIds = await activeSenderIds(db, campaign.id);
  if (senderIds.length === 0) throw new UnprocessableError('sender_account_missing', 'the campaign has no sender account');
  const timeline = planTimeline(compiled.plan);

  const total = campaign.prospect_list
    ? Number((await db.selectFrom('leads').select(db.fn.countAll<number>().as('n')).where('lead_list_id', '=', campaign.prospect_list).executeTakeFirstOrThrow()).n)
    : 0;
  // A campaign that ran: the leads with an execution have started; those still before their invitation ask for it from now.
  const progress = await sql<{ started: number; waiting: number }>`
    select count(*)::int as started,
      count(*) filter (where status in ('pending', 'in_progress')
        and coalesce(execution_data->'steps'->${timeline.inviteStepId ?? ''}->>'state', 'none') not in ('done', 'skipped'))::int as waiting
    from campaign_executions where campaign_id = ${campaign.id}`.execute(db);
  const started = Math.min(total, progress.rows[0]?.started ?? 0);
  const waiting = timeline.inviteStepId ? (progress.rows[0]?.waiting ?? 0) : 0;
  const finished = campaign.status === 'completed' || campaign.status === 'stopped' || campaign.status === 'failed';
  const toStart = finished ? 0 : total - started;
  const waitingForInvitation = finished ? 0 : waiting;

  const loaded = [];
  for (const id of senderIds) loaded.push(await loadSender(db, id, o.now, o.acceptanceRate));
  const seed = o.seed ?? 1;
  const runs = o.runs ?? DEFAULT_FORECAST_RUNS;
  const result = await simulateForecastYielding({
    now: o.now,
    leads: toStart,
    waitingForInvitation,
    timeline,
    campaignSchedule: campaign.schedule,
    leadsPerDay: campaign.leads_per_day,
    maxConcurrentLeads: o.maxConcurrentLeads ?? DEFAULT_MAX_CONCURRENT_LEADS,
    leadProcessingDelayMs: 0,
    senders: loaded.map((l) => l.sender),
    runs,
    seed,
  });
  return {
    campaignId: campaign.id,
    status: campaign.status,
    computedAt: o.now,
    seed,
    runs,
    leads: { total, toStart, waitingForInvitation },
    invitations: result.invitations,
    senders: loaded.map(({ sender, source }) => ({
      accountId: sender.accountId,
      timezone: sender.settings.timezone,
      acceptanceRate: sender.acceptanceRate,
      acceptanceSource: source,
      healthFactor: sender.healthFactor,
    })),
    allLeadsStarted: result.allStarted,
    lastInvitation: result.allInvited,
    campaignEnds: result.ends,
    beyondHorizon: result.beyondHorizon,
  };
}
