import { activeSenderStatuses, runningCampaignsWithSender } from '../db/repositories/campaign-sender.repository';
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { sql } from 'kysely';
import type { Db } from '../db/connection';
import { signalLeads } from './lead-signals';
import type { Campaign } from '../db/schema';
import { compileWorkflowDefinition } from '../domain/workflow-definition';
import { ConflictError, NotFoundError, ServiceUnavailableError, UnprocessableError } from '../errors';
import type { Logger } from '../logger';
import {
  SEARCH_ATTRIBUTES,
  WORKFLOW_TYPES,
  campaignWorkflowId,
  definitionChangedSignal,
  pauseSignal,
  resumeSignal,
  stopSignal,
  type OrchestratorInput,
} from '../workflows/definitions';
import { readCounters } from '../db/repositories/campaign-counter.repository';
import { backlogFrom, type Backlog } from './backlog';
import type { CampaignControl, CampaignStatusView, StartCampaignInput } from './campaign-control';

export const DEFAULT_MAX_CONCURRENT_LEADS = 100;
/** Lead workflows listed in the status view; the executions list pages through the rest. */
export const STATUS_WORKFLOWS_LIMIT = 100;
/** How long a control call waits for Temporal before answering "accepted, not applied yet". */
export const CONTROL_SIGNAL_DEADLINE_MS = 3_000;
/** A campaign whose control signal is being re-sent is one process's for this long. */
const CONTROL_CLAIM_MS = 30_000;

/** The control signal a campaign is owed: its desired status and the options that go with it. */
interface ControlRequest {
  id: string;
  status: 'paused' | 'in_progress' | 'stopped';
  reason?: string;
  completeCurrentExecutions?: boolean;
}

export interface CampaignServiceDeps {
  db: Db;
  client: Client;
  taskQueue: string;
  logger: Logger;
}

/** The step a lead is on: the one running, else the one it finished last. */
function currentStepOf(steps: Record<string, { state?: string; at?: string }> | null): string | null {
  const entries = Object.entries(steps ?? {});
  const running = entries.find(([, s]) => s.state === 'running');
  if (running) return running[0];
  const latest = entries.sort(([, a], [, b]) => (a.at ?? '').localeCompare(b.at ?? '')).pop();
  return latest?.[0] ?? null;
}

/** The campaign service: validates campaign, lead list and sender account, then drives Temporal. */
export function createCampaignService(deps: CampaignServiceDeps): CampaignControl & {
  pauseCampaignsOfAccount(accountId: string, reason: string): Promise<string[]>;
  /**
   * The account can act again (reconnected): the leads it contacted that wait for it (`sender_disconnected`)
   * in its running campaigns are resumed now instead of at their next control poll. Returns how many.
   */
  resumeLeadsOfAccount(accountId: string): Promise<number>;
  /**
   * The sender left the campaign's pool and the user asked to stop the leads it contacted (they would
   * otherwise finish on it): stop signals to them, reason `sender_removed`. Returns how many.
   */
  stopLeadsOfSender(input: { campaignId: string; accountId: string }): Promise<number>;
  /** Re-sends the control signals still owed (Temporal was down when they were asked); returns how many it tried. */
  reconcileControl(limit?: number): Promise<number>;
  /** Campaigns whose control signal is not delivered yet (for /ready). */
  controlBacklog(): Promise<Backlog>;
} {
  const { db, client } = deps;

  async function load(organizationId: string, campaignId: string): Promise<Campaign> {
    const campaign = await db
      .selectFrom('campaigns')
      .selectAll()
      .where('id', '=', campaignId)
      .where('organization_id', '=', organizationId)
      .where('is_deleted', '=', false)
      .executeTakeFirst();
    if (!campaign) throw new NotFoundError('campaign', campaignId);
    return campaign;
  }

  async function signalOrchestrator(campaignId: string, send: (h: ReturnType<Client['workflow']['getHandle']>) => Promise<void>): Promise<void> {
    try {
      await send(client.workflow.getHandle(campaignWorkflowId(campaignId)));
    } catch (err) {
      // No orchestrator (never started here, or already finished): the database state is all there is.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }

  async function orchestratorRunning(campaignId: string): Promise<boolean> {
    try {
      const d = await client.workflow.getHandle(campaignWorkflowId(campaignId)).describe();
      return d.status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  async function status(organizationId: string, campaignId: string): Promise<CampaignStatusView> {
    const campaign = await load(organizationId, campaignId);
    // Kept by the progress recorder in the same transaction as the execution rows: no scan of the leads.
    const counters = await readCounters(db, campaignId, ['leads:', 'node:']);
    const leadsByState: Record<string, number> = { pending: 0, in_progress: 0, completed: 0, failed: 0, stopped: 0, skipped: 0 };
    for (const state of Object.keys(leadsByState)) leadsByState[state] = counters.get(`leads:${state}`) ?? 0;
    const compiled = compileWorkflowDefinition(campaign.workflow_definition);
    const steps: CampaignStatusView['steps'] = {};
    if (compiled.ok) {
      for (const step of Object.values(compiled.plan.steps)) {
        const count = (state: string) => counters.get(`node:${step.id}:${state}`) ?? 0;
        const skipped = [...counters].filter(([key]) => key.startsWith(`node:${step.id}:skipped:`)).reduce((sum, [, n]) => sum + n, 0);
        steps[step.id] = { kind: step.kind, label: step.label, running: count('running'), done: count('done'), skipped, failed: count('failed') };
      }
    }
    const list = campaign.prospect_list
      ? await db.selectFrom('lead_lists').select('total_leads').where('id', '=', campaign.prospect_list).executeTakeFirst()
      : undefined;
    const processed = leadsByState.completed! + leadsByState.failed! + leadsByState.skipped! + leadsByState.stopped!;
    const totalLeads = list?.total_leads ?? 0;
    const withExecution = Object.values(leadsByState).reduce((a, b) => a + b, 0);
    leadsByState.not_started = Math.max(0, totalLeads - withExecution);
    // Bounded: the first STATUS_WORKFLOWS_LIMIT executions by id (the executions list's order), steps only.
    const rows = await db
      .selectFrom('campaign_executions')
      .select(['id', 'lead_id', 'workflow_execution_id', 'status', 'current_step', sql<Record<string, { state?: string; at?: string }> | null>`execution_data->'steps'`.as('steps')])
      .where('campaign_id', '=', campaignId)
      .orderBy('id')
      .limit(STATUS_WORKFLOWS_LIMIT + 1)
      .execute();
    const shown = rows.slice(0, STATUS_WORKFLOWS_LIMIT);
    const workflows: CampaignStatusView['workflows'] = {
      items: shown.map((r) => ({
        workflowId: r.workflow_execution_id,
        leadId: r.lead_id,
        status: r.status,
        currentStep: currentStepOf(r.steps),
        completedSteps: r.current_step,
      })),
      nextCursor: rows.length > STATUS_WORKFLOWS_LIMIT ? (shown[shown.length - 1]?.id ?? null) : null,
      executionsUrl: `/api/campaigns/${campaignId}/executions`,
    };
    return {
      campaignId,
      status: campaign.status,
      statusReason: campaign.status_reason,
      workflowId: campaign.workflow_id,
      totalLeads,
      processedLeads: processed,
      successfulLeads: leadsByState.completed! + leadsByState.skipped!,
      failedLeads: leadsByState.failed!,
      leadsByState,
      workflows,
      steps,
      startedAt: campaign.started_at?.toISOString() ?? null,
      completedAt: campaign.completed_at?.toISOString() ?? null,
    };
  }

  async function setStatus(campaignId: string, next: Campaign['status'], reason: string | null, from: Campaign['status'][]): Promise<boolean> {
    const res = await db
      .updateTable('campaigns')
      .set({ status: next, status_reason: reason, updated_at: new Date() })
      .where('id', '=', campaignId)
      .where('status', 'in', from)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /**
   * Control is desired state: the campaign row holds what was asked (status + the signal owed), then the
   * signal is tried with a short deadline. Delivered → recorded as applied; not delivered (Temporal down)
   * → it stays owed and the background loop (reconcileControl) re-sends it until it is.
   */
  async function requestControl(campaignId: string, request: Omit<ControlRequest, 'id'>): Promise<boolean> {
    const owed: ControlRequest = { id: randomUUID(), ...request };
    await db
      .updateTable('campaigns')
      .set({ control_request: JSON.stringify(owed), control_attempts: 0, control_next_attempt_at: null })
      .where('id', '=', campaignId)
      .execute();
    return deliverControl(campaignId, owed);
  }

  async function deliverControl(campaignId: string, owed: ControlRequest): Promise<boolean> {
    try {
      await client.withDeadline(Date.now() + CONTROL_SIGNAL_DEADLINE_MS, () =>
        signalOrchestrator(campaignId, (h) =>
          owed.status === 'paused'
            ? h.signal(pauseSignal, { reason: owed.reason })
            : owed.status === 'in_progress'
              ? h.signal(resumeSignal)
              : h.signal(stopSignal, { reason: owed.reason ?? 'stopped_by_user', completeCurrentExecutions: owed.completeCurrentExecutions }),
        ),
      );
    } catch (err) {
      const attempts = await db
        .updateTable('campaigns')
        .set((eb) => ({ control_attempts: eb('control_attempts', '+', 1) }))
        .where('id', '=', campaignId)
        .where(sql<boolean>`control_request->>'id' = ${owed.id}`)
        .returning('control_attempts')
        .executeTakeFirst();
      const n = attempts?.control_attempts ?? 1;
      await db
        .updateTable('campaigns')
        .set({ control_next_attempt_at: new Date(Date.now() + Math.min(30_000, 1_000 * 2 ** (n - 1))) })
        .where('id', '=', campaignId)
        .where(sql<boolean>`control_request->>'id' = ${owed.id}`)
        .execute();
      deps.logger.warn({ campaignId, status: owed.status, attempts: n, err: err instanceof Error ? err.message : String(err) }, 'control signal not delivered yet; retrying in the background');
      return false;
    }
    // Only this very request is settled: a newer one asked meanwhile stays owed.
    await db
      .updateTable('campaigns')
      .set({ applied_status: owed.status, control_request: null, control_next_attempt_at: null })
      .where('id', '=', campaignId)
      .where(sql<boolean>`control_request->>'id' = ${owed.id}`)
      .execute();
    return true;
  }

  async function owedControl(campaignId: string): Promise<ControlRequest | null> {
    const row = await db.selectFrom('campaigns').select('control_request').where('id', '=', campaignId).executeTakeFirst();
    return (row?.control_request as ControlRequest | null | undefined) ?? null;
  }

  /** A control call on a campaign already in the asked state: re-send what is still owed (a retry after an outage). */
  async function resendOwed(campaignId: string): Promise<boolean> {
    const owed = await owedControl(campaignId);
    return owed ? deliverControl(campaignId, owed) : true;
  }

  async function pauseOne(campaignId: string, reason: string | null): Promise<boolean> {
    if (!(await setStatus(campaignId, 'paused', reason, ['in_progress']))) return resendOwed(campaignId);
    return requestControl(campaignId, { status: 'paused', ...(reason ? { reason } : {}) });
  }

  return {
    async start(input: StartCampaignInput) {
      const campaign = await load(input.organizationId, input.campaignId);
      if ((campaign.status === 'in_progress' || campaign.status === 'paused') && (await orchestratorRunning(campaign.id))) {
        return { ...(await status(input.organizationId, campaign.id)), alreadyRunning: true };
      }
      const compiled = compileWorkflowDefinition(campaign.workflow_definition);
      if (!compiled.ok) throw new UnprocessableError('invalid_workflow_definition', 'the campaign workflow definition is invalid', compiled.problems);
      if (!campaign.prospect_list) throw new UnprocessableError('lead_list_missing', 'the campaign has no lead list');
      const leads = await db
        .selectFrom('leads')
        .select(db.fn.countAll<number>().as('n'))
        .where('lead_list_id', '=', campaign.prospect_list)
        .where('organization_id', '=', input.organizationId)
        .executeTakeFirstOrThrow();
      if (Number(leads.n) === 0) throw new UnprocessableError('lead_list_empty', 'the campaign lead list has no leads');
      // A pool starts when at least one of its senders can act; the others join when they reconnect.
      const senders = await activeSenderStatuses(db, input.organizationId, campaign.id);
      if (senders.length === 0) throw new UnprocessableError('sender_account_missing', 'the campaign has no sender account');
      if (!senders.some((s) => s.status === 'connected')) {
        throw new UnprocessableError('sender_account_not_connected', `no sender account of the campaign is connected (${[...new Set(senders.map((s) => s.status))].join(', ')}): reconnect one first`);
      }

      const workflowId = campaignWorkflowId(campaign.id);
      await db
        .updateTable('campaigns')
        .set({ status: 'in_progress', status_reason: null, workflow_id: workflowId, started_at: new Date(), completed_at: null, updated_at: new Date(), applied_status: 'in_progress', control_request: null })
        .where('id', '=', campaign.id)
        .execute();
      const args: OrchestratorInput = {
        campaignId: campaign.id,
        organizationId: input.organizationId,
        maxConcurrentLeads: input.maxConcurrentLeads ?? DEFAULT_MAX_CONCURRENT_LEADS,
        leadProcessingDelayMs: input.leadProcessingDelay ?? 0,
        leadsPerDay: campaign.leads_per_day,
      };
      // USE_EXISTING: a double click on "start" lands on the running orchestrator, never a second one.
      await client.workflow.start(WORKFLOW_TYPES.campaignOrchestrator, {
        workflowId,
        taskQueue: deps.taskQueue,
        args: [args],
        workflowIdConflictPolicy: 'USE_EXISTING',
        typedSearchAttributes: [
          { key: SEARCH_ATTRIBUTES.campaignId, value: campaign.id },
          { key: SEARCH_ATTRIBUTES.organizationId, value: input.organizationId },
        ],
      });
      deps.logger.info({ campaignId: campaign.id, workflowId }, 'campaign started');
      return { ...(await status(input.organizationId, campaign.id)), alreadyRunning: false };
    },

    // Asking for the state a campaign is already in answers 200 with `changed: false` (a retried or
    // double-clicked call is not an error); a call that cannot apply (pause a stopped one) is a 409.
    async pause({ organizationId, campaignId, reason }) {
      const campaign = await load(organizationId, campaignId);
      if (campaign.status === 'paused') return { ...(await status(organizationId, campaignId)), changed: false, applied: await resendOwed(campaignId) };
      if (campaign.status !== 'in_progress') throw new ConflictError('campaign_not_running', `campaign is ${campaign.status}; only a running campaign can be paused`);
      const applied = await pauseOne(campaignId, reason ?? 'paused_by_user');
      return { ...(await status(organizationId, campaignId)), changed: true, applied };
    },

    async resume({ organizationId, campaignId }) {
      const campaign = await load(organizationId, campaignId);
      if (campaign.status === 'in_progress') return { ...(await status(organizationId, campaignId)), changed: false, applied: await resendOwed(campaignId) };
      if (campaign.status !== 'paused') throw new ConflictError('campaign_not_paused', `campaign is ${campaign.status}; only a paused campaign can be resumed`);
      const senders = await activeSenderStatuses(db, organizationId, campaignId);
      if (!senders.some((s) => s.status === 'connected')) throw new UnprocessableError('sender_account_not_connected', 'a sender account must be reconnected before resuming');
      const applied = (await setStatus(campaignId, 'in_progress', null, ['paused'])) ? await requestControl(campaignId, { status: 'in_progress' }) : await resendOwed(campaignId);
      return { ...(await status(organizationId, campaignId)), changed: true, applied };
    },

    async stop({ organizationId, campaignId, reason, completeCurrentExecutions }) {
      const campaign = await load(organizationId, campaignId);
      if (campaign.status === 'stopped') return { ...(await status(organizationId, campaignId)), changed: false, applied: await resendOwed(campaignId) };
      if (campaign.status !== 'in_progress' && campaign.status !== 'paused') {
        throw new ConflictError('campaign_not_running', `campaign is ${campaign.status}; nothing to stop`);
      }
      const why = reason ?? 'stopped_by_user';
      const applied = (await setStatus(campaignId, 'stopped', why, ['in_progress', 'paused']))
        ? await requestControl(campaignId, { status: 'stopped', reason: why, ...(completeCurrentExecutions !== undefined ? { completeCurrentExecutions } : {}) })
        : await resendOwed(campaignId);
      return { ...(await status(organizationId, campaignId)), changed: true, applied };
    },

    status: ({ organizationId, campaignId }) => status(organizationId, campaignId),

    // Not desired state like pause/resume: the version is only saved once the orchestrator has heard of it
    // (the caller's transaction rolls back on a throw), so a 503 leaves the campaign exactly as it was.
    async announceDefinition({ campaignId, version, moveInProgressLeads }) {
      try {
        await client.withDeadline(Date.now() + CONTROL_SIGNAL_DEADLINE_MS, () =>
          signalOrchestrator(campaignId, (h) => h.signal(definitionChangedSignal, { version, moveInProgressLeads })),
        );
      } catch (err) {
        deps.logger.warn({ campaignId, version, err: err instanceof Error ? err.message : String(err) }, 'definition change not announced: Temporal unreachable');
        throw new ServiceUnavailableError('temporal_unavailable', 'the workflow engine cannot be reached: the new definition was not saved; retry later');
      }
    },

    /**
     * The account can no longer act (disconnected, restricted): a running campaign with it in its pool
     * pauses only when none of its senders can act; otherwise its other senders go on.
     */
    async pauseCampaignsOfAccount(accountId, reason) {
      const paused: string[] = [];
      for (const c of await runningCampaignsWithSender(db, accountId)) {
        const senders = await activeSenderStatuses(db, c.organizationId, c.id);
        if (senders.some((s) => s.accountId !== accountId && s.status === 'connected')) continue;
        await pauseOne(c.id, reason);
        paused.push(c.id);
      }
      return paused;
    },

    async resumeLeadsOfAccount(accountId) {
      let resumed = 0;
      // Bounded like the control signals: with Temporal away this fails in seconds (the leads' poll remains).
      await client.withDeadline(Date.now() + CONTROL_SIGNAL_DEADLINE_MS, async () => {
        for (const c of await runningCampaignsWithSender(db, accountId)) {
          resumed += await signalLeads(db, client, { campaignId: c.id, senderAccountId: accountId, waitReason: 'paused' }, (h) => h.signal(resumeSignal));
        }
      });
      return resumed;
    },

    async stopLeadsOfSender({ campaignId, accountId }) {
      return client.withDeadline(Date.now() + CONTROL_SIGNAL_DEADLINE_MS, () =>
        signalLeads(db, client, { campaignId, senderAccountId: accountId, contacted: true }, (h) => h.signal(stopSignal, { reason: 'sender_removed' })),
      );
    },

    async reconcileControl(limit = 20) {
      const claimed = await db.transaction().execute(async (trx) => {
        const due = await trx
          .selectFrom('campaigns')
          .select('id')
          .where('control_request', 'is not', null)
          .where((eb) => eb.or([eb('control_next_attempt_at', 'is', null), eb('control_next_attempt_at', '<=', new Date())]))
          .orderBy('updated_at')
          .limit(limit)
          .forUpdate()
          .skipLocked()
          .execute();
        if (due.length === 0) return [];
        return trx
          .updateTable('campaigns')
          .set({ control_next_attempt_at: new Date(Date.now() + CONTROL_CLAIM_MS) })
          .where('id', 'in', due.map((d) => d.id))
          .returning(['id', 'control_request'])
          .execute();
      });
      for (const c of claimed) {
        if (c.control_request) await deliverControl(c.id, c.control_request as ControlRequest);
      }
      return claimed.length;
    },

    async controlBacklog() {
      const row = await db
        .selectFrom('campaigns')
        .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('updated_at').as('oldest')])
        .where('control_request', 'is not', null)
        .executeTakeFirstOrThrow();
      return backlogFrom(Number(row.n), row.oldest ? new Date(row.oldest) : null);
    },
  };
}
