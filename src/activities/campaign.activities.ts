import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';

import type { Db } from '../db/connection';
import type { Lead } from '../db/schema';
import { FAILURE_TYPES } from '../domain/failure-types';
import type { LeadResume, LeadSnapshot } from '../domain/step-outcome';
import type { ExecutionData } from '../domain/timeline';
import { contributionDelta, currentStepId, currentWaits, leadContribution, senderContribution } from '../domain/lead-analytics';
import { signalLeads } from '../services/lead-signals';
import { assignLeadSender } from '../services/sender-assignment';
import { addToCounters } from '../db/repositories/campaign-counter.repository';
import { campaignAnalyticsShape } from './campaign-analytics-shape';
import { compileWorkflowDefinition } from '../domain/workflow-definition';
import { pauseSignal, planChangedSignal, resumeSignal, stopSignal } from '../workflows/definitions';
import type { CampaignActivities, RecordLeadProgressInput } from './types';

const TERMINAL_EXECUTION_STATUSES = ['completed', 'failed', 'skipped'] as const;

export function toLeadSnapshot(lead: Lead): LeadSnapshot {
  return {
    id: lead.id,
    firstName: lead.first_name,
    lastName: lead.last_name,
    fullName: lead.full_name,
    company: lead.company,
    title: lead.title,
    email: lead.email,
    linkedinUrl: lead.linkedin_url,
    linkedinId: lead.linkedin_id,
    providerId: lead.provider_id,
  };
}

function heartbeat(details?: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // Called outside an activity (tests): nothing to report to.
  }
}

/** Campaign bookkeeping: everything the workflows need from Postgres, and the control fan-out. */
export function createCampaignActivities(deps: { db: Db; client: () => Client }): CampaignActivities {
  const { db } = deps;
  return {
    async loadCampaignRun({ campaignId }) {
      const campaign = await db
        .selectFrom('campaigns')
        .selectAll()
        .where('id', '=', campaignId)
        .executeTakeFirst();
      if (!campaign || !campaign.sender_account || !campaign.prospect_list) {
        throw ApplicationFailure.create({
          type: FAILURE_TYPES.ConfigurationError,
          message: `campaign ${campaignId} is not runnable`,
          nonRetryable: true,
        });
      }
      const compiled = compileWorkflowDefinition(campaign.workflow_definition);
      if (!compiled.ok) {
        throw ApplicationFailure.create({
          type: FAILURE_TYPES.ConfigurationError,
          message: `campaign ${campaignId} has an invalid workflow definition`,
          nonRetryable: true,
          details: [compiled.problems],
        });
      }
      const list = await db
        .selectFrom('lead_lists')
        .select('total_leads')
        .where('id', '=', campaign.prospect_list)
        .executeTakeFirst();
      return {
        campaignId,
        organizationId: campaign.organization_id,
        accountId: campaign.sender_account,
        plan: compiled.plan,
        definitionVersion: campaign.definition_version,
        schedule: campaign.schedule ?? null,
        leadsPerDay: campaign.leads_per_day,
        totalLeads: list?.total_leads ?? 0,
      };
    },

    async loadPlanVersion({ campaignId, version }) {
      const row = await db
        .selectFrom('workflow_definition_versions')
        .select(['definition'])
        .where('campaign_id', '=', campaignId)
        .where('version', '=', version)
        .executeTakeFirst();
      // Retryable: the signal that names a version can arrive before the transaction that saved it commits.
      if (!row) throw ApplicationFailure.create({ type: FAILURE_TYPES.ConfigurationError, message: `campaign ${campaignId} has no definition version ${version} (yet)` });
      const compiled = compileWorkflowDefinition(row.definition);
      if (!compiled.ok) {
        throw ApplicationFailure.create({
          type: FAILURE_TYPES.ConfigurationError,
          message: `version ${version} of campaign ${campaignId} does not compile`,
          nonRetryable: true,
          details: [compiled.problems],
        });
      }
      return { version, plan: compiled.plan };
    },

    async loadLeadPage({ campaignId, afterLeadId, limit, order }) {
      const campaign = await db
        .selectFrom('campaigns')
        .select(['prospect_list'])
        .where('id', '=', campaignId)
        .executeTakeFirstOrThrow();
      // Leads that already finished (an earlier run of this campaign) are not started again.
      let query = db
        .selectFrom('leads')
        .selectAll('leads')
        .where('leads.lead_list_id', '=', campaign.prospect_list!)
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('campaign_executions as ce')
                .select('ce.id')
                .whereRef('ce.lead_id', '=', 'leads.id')
                .where('ce.campaign_id', '=', campaignId)
                .where('ce.status', 'in', TERMINAL_EXECUTION_STATUSES),
            ),
          ),
        )
        .limit(limit + 1);
      if (order === 'import') {
        // The cursor stays a lead id (the orchestrator carries it); its place in the import order is looked up.
        query = query.orderBy('leads.import_seq');
        if (afterLeadId) {
          query = query.where('leads.import_seq', '>', (eb) => eb.selectFrom('leads as after').select('after.import_seq').where('after.id', '=', afterLeadId));
        }
      } else {
        query = query.orderBy('leads.id');
        if (afterLeadId) query = query.where('leads.id', '>', afterLeadId);
      }
      const rows = await query.execute();
      const page = rows.slice(0, limit);
      const doneSteps: Record<string, string[]> = {};
      const resume: Record<string, LeadResume> = {};
      if (page.length > 0) {
        const earlier = await db
          .selectFrom('campaign_executions')
          .select(['lead_id', 'execution_data'])
          .where('campaign_id', '=', campaignId)
          .where(
            'lead_id',
            'in',
            page.map((l) => l.id),
          )
          .execute();
        for (const e of earlier) {
          const steps = (e.execution_data as unknown as Partial<ExecutionData>).steps ?? {};
          const done = Object.entries(steps)
            .filter(([, s]) => s.state === 'done')
            .map(([id]) => id);
          if (done.length > 0) doneSteps[e.lead_id] = done;
          const r = resumeOf(e.execution_data);
          if (r) resume[e.lead_id] = r;
        }
      }
      return {
        leads: page.map(toLeadSnapshot),
        doneSteps,
        resume,
        nextCursor: rows.length > limit ? page[page.length - 1]!.id : null,
      };
    },

    async markCampaignStatus({ campaignId, status, reason }) {
      await db
        .updateTable('campaigns')
        // A stop's reason was written by whoever stopped the campaign: the orchestrator finishing keeps it.
        .set((eb) => ({
          status,
          status_reason: reason ?? (status === 'stopped' ? eb.ref('status_reason') : null),
          completed_at: new Date(),
          updated_at: new Date(),
        }))
        .where('id', '=', campaignId)
        // A campaign paused or stopped by a person keeps that status; the engine only finishes running ones.
        .where('status', 'in', status === 'stopped' ? ['in_progress', 'paused', 'stopped'] : ['in_progress'])
        .execute();
    },

    recordLeadProgress: (input) => recordLeadProgress(db, input),

    // The lead's own sender (one of the pool, not necessarily campaigns.sender_account).
    async getCampaignControlState({ campaignId, accountId }) {
      const row = await db
        .selectFrom('campaigns')
        .innerJoin('connected_accounts', (j) => j.on('connected_accounts.id', '=', accountId).onRef('connected_accounts.organization_id', '=', 'campaigns.organization_id'))
        .select(['campaigns.status as campaignStatus', 'connected_accounts.status as accountStatus'])
        .where('campaigns.id', '=', campaignId)
        .executeTakeFirst();
      return {
        campaignStatus: row?.campaignStatus ?? 'stopped',
        accountStatus: row?.accountStatus ?? 'disconnected',
      };
    },

    assignLeadSender: (input) => assignLeadSender(db, input),

    async signalCampaignLeads({ campaignId, signal, reason, completeCurrentExecutions, version }) {
      const signalled = await signalLeads(
        db,
        deps.client(),
        { campaignId, ...(signal === 'planChanged' && version !== undefined ? { belowVersion: version } : {}) },
        (handle) =>
          signal === 'pause'
            ? handle.signal(pauseSignal, { reason })
            : signal === 'resume'
              ? handle.signal(resumeSignal)
              : signal === 'planChanged'
                ? handle.signal(planChangedSignal, { version: version! })
                : handle.signal(stopSignal, { reason, completeCurrentExecutions }),
        (progress) => heartbeat(progress),
      );
      return { signalled };
    },
  };
}

/**
 * What a restart resumes from: the waits the stop recorded, and whether the lead had accepted (also
 * read from the timeline, for leads stopped before the stop recorded it).
 */
function resumeOf(data: Partial<ExecutionData> & { resume?: LeadResume }): LeadResume | null {
  const accepted = data.resume?.accepted === true || (data.timeline ?? []).some((t) => t.type === 'branch' && t.branch === 'accepted');
  const waits = data.resume?.waits && Object.keys(data.resume.waits).length > 0 ? data.resume.waits : undefined;
  if (!accepted && !waits) return null;
  return { ...(accepted ? { accepted } : {}), ...(waits ? { waits } : {}) };
}


/**
 * Upserts the lead's execution row and appends timeline entries. Entries are numbered per workflow
 * run, so a retried activity (or a replayed workflow) never appends the same entry twice.
 */
export async function recordLeadProgress(db: Db, input: RecordLeadProgressInput): Promise<void> {
  const shape = await campaignAnalyticsShape(db, input.campaignId);
  await db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('campaign_executions')
      .values({
        campaign_id: input.campaignId,
        lead_id: input.leadId,
        workflow_execution_id: input.workflowId,
        status: 'in_progress',
        total_steps: input.totalSteps,
        execution_data: JSON.stringify({ timeline: [], steps: {}, cursor: null }),
        started_at: new Date(),
      })
      .onConflict((oc) => oc.columns(['campaign_id', 'lead_id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    const row = await trx
      .selectFrom('campaign_executions')
      .select(['id', 'execution_data', 'status', 'sender_account_id'])
      .where('campaign_id', '=', input.campaignId)
      .where('lead_id', '=', input.leadId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const data = row.execution_data as unknown as ExecutionData & {
      cursor?: { runId: string; seq: number } | null;
      /** The sender the last record counted this lead for (a lead that moved is uncounted from it). */
      senderId?: string | null;
    };
    const sameRun = data.cursor?.runId === input.runId;
    const lastSeq = sameRun ? (data.cursor?.seq ?? 0) : 0;
    const fresh = input.entries.filter((e) => e.seq > lastSeq);
    const timeline = [...(data.timeline ?? []), ...fresh.map(({ seq: _seq, ...entry }) => entry)];
    const cursor =
      fresh.length > 0 ? { runId: input.runId, seq: fresh[fresh.length - 1]!.seq } : (data.cursor ?? null);
    // `resume` is what the last stop left; a run that goes on past it (restarted, then finished) clears it.
    const resume = input.resume ?? (input.final ? undefined : (data as { resume?: LeadResume }).resume);
    const senderId = row.sender_account_id ?? null;
    const next = { timeline, steps: { ...(data.steps ?? {}), ...input.steps }, cursor, ...(resume ? { resume } : {}), ...(senderId ? { senderId } : {}) };
    const nextStatus = input.status ?? row.status;
    // The campaign's counters move by this lead's difference, in this transaction (analytics stay O(1) to read).
    // A row this transaction created counted for nothing yet.
    const before = inserted ? new Map<string, number>() : leadContribution(data, row.status, shape.edges, shape.timeZone);
    const after = leadContribution(next, nextStatus, shape.edges, shape.timeZone);
    const withSender = (c: Map<string, number>, d: ExecutionData, sender: string | null | undefined) => new Map([...c, ...senderContribution(c, d, sender)]);
    await addToCounters(trx, input.campaignId, contributionDelta(withSender(before, data, data.senderId), withSender(after, next, senderId)), input.leadId);
    const waits = currentWaits(next.timeline, nextStatus);
    const now = new Date();
    await trx
      .updateTable('campaign_executions')
      .set({
        workflow_execution_id: input.workflowId,
        current_step: input.currentStep,
        total_steps: input.totalSteps,
        execution_data: JSON.stringify(next),
        current_step_id: currentStepId(next, waits),
        wait_step_id: waits[0]?.stepId ?? null,
        wait_reason: waits[0]?.reason ?? null,
        wait_until: waits[0]?.until ?? null,
        updated_at: now,
        ...(input.status ? { status: input.status } : {}),
        ...(input.status === 'in_progress' && row.status !== 'in_progress'
          ? { started_at: now, completed_at: null }
          : {}),
        ...(input.final ? { completed_at: now } : {}),
        ...(input.definitionVersion !== undefined ? { definition_version: input.definitionVersion } : {}),
      })
      .where('id', '=', row.id)
      .execute();
  });
}

/** The non-retryable failure the lead workflow reads as "paused" or "stopped" (see guardCampaignActive). */
export function campaignNotActive(status: string | undefined): ApplicationFailure {
  return ApplicationFailure.create({
    type: FAILURE_TYPES.CampaignNotActiveError,
    message: `campaign is ${status ?? 'gone'}: no new LinkedIn action starts`,
    nonRetryable: true,
    details: [{ campaignStatus: status === 'paused' ? 'paused' : 'stopped' }],
  });
}

/**
 * Refuses to start a LinkedIn action while the campaign is not in progress. The pause API changes
 * the campaign's status before it returns, so no lead starts a new action after that, whether or
 * not its pause signal has arrived yet.
 */
export function guardCampaignActive<T extends object>(db: Db, activities: T): T {
  const entries = Object.entries(activities) as Array<
    [string, (input: { campaignId: string }) => Promise<unknown>]
  >;
  const guarded = entries.map(([name, fn]) => [
    name,
    async (input: { campaignId: string }) => {
      const row = await db
        .selectFrom('campaigns')
        .select('status')
        .where('id', '=', input.campaignId)
        .executeTakeFirst();
      if (row?.status !== 'in_progress') throw campaignNotActive(row?.status);
      return fn(input);
    },
  ]);
  return Object.fromEntries(guarded) as T;
}
