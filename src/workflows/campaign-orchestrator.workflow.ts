/**
 * CampaignOrchestratorWorkflow: one per campaign (`campaign-<id>`). Loads leads in pages through an
 * activity, starts one LeadOutreachWorkflow per lead (ABANDON, so leads outlive continue-as-new),
 * keeps at most `maxConcurrentLeads` lead workflows open, paces starts (`leadProcessingDelayMs` once,
 * here; `leadsPerDay`), and continues-as-new carrying only a cursor and counters.
 *
 * Pause / resume / stop reach the running leads through an activity that signals them page by page,
 * so the fan-out costs O(pages) events here, not O(leads).
 */
import {
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type * as activityTypes from '../activities/types';
import {
  SEARCH_ATTRIBUTES,
  definitionChangedSignal,
  leadFinishedSignal,
  leadWorkflowId,
  orchestratorStatusQuery,
  pauseSignal,
  resumeSignal,
  stopSignal,
  type OrchestratorCarry,
  type OrchestratorInput,
  type OrchestratorStatus,
} from './definitions';
import { LeadOutreachWorkflow, type LeadOutreachInput } from './lead-outreach.workflow';

const acts = proxyActivities<activityTypes.CampaignActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * A version is named by the signal the API sends inside the transaction that saves it: the first tries
 * can land before the commit. Bounded, so a save that rolled back after all does not hold the leads up.
 */
const versions = proxyActivities<Pick<activityTypes.CampaignActivities, 'loadPlanVersion'>>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 8 },
});

const PAGE_SIZE = 100;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Continue-as-new before this many events even if the server has not suggested it yet. */
const MAX_EVENTS_PER_RUN = 8_000;
/**
 * With 'short-orchestrator-runs': thousands of lead workflows push the orchestrator out of the
 * worker's cache, and every task of an evicted run replays its whole history (the bench saw 5-26 s
 * tasks at ~4,500 events and 2.8 MB). Short runs keep that replay cheap.
 */
const SHORT_RUN_EVENTS = 1_500;
/** Lead starts issued in one workflow task; well under the server's 2,000 pending-children limit. */
const MAX_STARTS_PER_TASK = 100;

type Fanout = { signal: 'pause' | 'resume' | 'stop' | 'planChanged'; reason?: string; completeCurrentExecutions?: boolean; version?: number };

export function initialCarry(now: number): OrchestratorCarry {
  return {
    cursor: null,
    exhausted: false,
    started: 0,
    running: 0,
    finished: 0,
    succeeded: 0,
    failed: 0,
    stopped: 0,
    paused: false,
    pauseReason: null,
    stopping: false,
    dayWindowStart: now,
    startedInWindow: 0,
    runs: 1,
  };
}

export async function CampaignOrchestratorWorkflow(input: OrchestratorInput): Promise<OrchestratorStatus> {
  const s: OrchestratorCarry = input.state ?? initialCarry(Date.now());
  const fanouts: Fanout[] = [];
  let maxEventsPerRun = MAX_EVENTS_PER_RUN;
  // Executions started before versions never hear of a new one: they run the plan their run loaded.
  const byVersion = patched('plan-by-version');
  /** The newest definition version announced by definitionChanged and not adopted yet. */
  let announcedVersion = 0;

  setHandler(leadFinishedSignal, ({ status }) => {
    s.running = Math.max(0, s.running - 1);
    s.finished += 1;
    if (status === 'completed' || status === 'skipped') s.succeeded += 1;
    else if (status === 'failed') s.failed += 1;
    else s.stopped += 1;
  });
  setHandler(pauseSignal, ({ reason }) => {
    if (s.stopping) return;
    s.paused = true;
    s.pauseReason = reason ?? null;
    fanouts.push({ signal: 'pause', reason });
  });
  setHandler(resumeSignal, () => {
    if (s.stopping) return;
    s.paused = false;
    s.pauseReason = null;
    fanouts.push({ signal: 'resume' });
  });
  setHandler(stopSignal, ({ reason, completeCurrentExecutions }) => {
    if (s.stopping) return;
    s.stopping = true;
    fanouts.push({ signal: 'stop', reason, completeCurrentExecutions });
  });
  setHandler(definitionChangedSignal, ({ version, moveInProgressLeads }) => {
    if (!byVersion || s.stopping) return;
    announcedVersion = Math.max(announcedVersion, version);
    // The leads learn of it through the same durable fan-out as pause and resume.
    if (moveInProgressLeads) fanouts.push({ signal: 'planChanged', version });
  });
  setHandler(orchestratorStatusQuery, () => ({ ...s, campaignId: input.campaignId }));

  const run = await acts.loadCampaignRun({ campaignId: input.campaignId });

  /** Before the next lead starts: the version announced since, so every lead started from now on runs it. */
  async function adoptAnnouncedVersion(): Promise<void> {
    if (!byVersion || announcedVersion <= run.definitionVersion) return;
    const wanted = announcedVersion;
    try {
      const loaded = await versions.loadPlanVersion({ campaignId: input.campaignId, version: wanted });
      if (loaded.version > run.definitionVersion) {
        run.plan = loaded.plan;
        run.definitionVersion = loaded.version;
      }
    } catch (err) {
      log.warn('announced definition version could not be loaded; leads keep the current one', { version: wanted, error: String(err) });
      if (announcedVersion === wanted) announcedVersion = run.definitionVersion;
    }
  }

  async function drainFanouts(): Promise<void> {
    while (fanouts.length > 0) {
      const next = fanouts.shift()!;
      await acts.signalCampaignLeads({ campaignId: input.campaignId, ...next });
    }
  }

  async function maybeContinueAsNew(): Promise<void> {
    const info = workflowInfo();
    if (!info.continueAsNewSuggested && info.historyLength < maxEventsPerRun) return;
    await drainFanouts();
    await condition(allHandlersFinished);
    await continueAsNew<typeof CampaignOrchestratorWorkflow>({ ...input, leadOrder, state: { ...s, runs: s.runs + 1 } });
  }

  /** Blocks until this lead may start: not paused, a free slot, and room in today's leads_per_day. */
  async function waitForSlot(): Promise<void> {
    for (;;) {
      await drainFanouts();
      if (s.stopping) return;
      if (s.paused || s.running >= input.maxConcurrentLeads) {
        await condition(() => fanouts.length > 0 || s.stopping || (!s.paused && s.running < input.maxConcurrentLeads));
        continue;
      }
      if (input.leadsPerDay !== null) {
        if (Date.now() - s.dayWindowStart >= DAY_MS) {
          s.dayWindowStart = Date.now();
          s.startedInWindow = 0;
        }
        if (s.startedInWindow >= input.leadsPerDay) {
          await condition(() => fanouts.length > 0 || s.stopping, s.dayWindowStart + DAY_MS - Date.now());
          continue;
        }
      }
      return;
    }
  }

  async function startLead(lead: LeadOutreachInput['lead'], doneSteps: string[] | undefined, resume: LeadOutreachInput['resume']): Promise<void> {
    const leadInput: LeadOutreachInput = {
      campaignId: input.campaignId,
      organizationId: input.organizationId,
      accountId: run.accountId,
      lead,
      plan: run.plan,
      ...(byVersion ? { definitionVersion: run.definitionVersion } : {}),
      campaignSchedule: run.schedule,
      parentWorkflowId: workflowInfo().workflowId,
      ...(doneSteps ? { doneSteps } : {}),
      ...(resume ? { resume } : {}),
    };
    // Counted before the start is awaited: the child's leadFinished signal can arrive in the same
    // activation as its start (parent's workflow task late, child quick), and signal handlers run before
    // the `await` resumes; counted after, that decrement would hit the clamp at 0 and `running` would
    // stay at 1 for ever (the campaign never completes).
    s.running += 1;
    s.started += 1;
    s.startedInWindow += 1;
    s.cursor = lead.id;
    try {
      await startChild(LeadOutreachWorkflow, {
        workflowId: leadWorkflowId(input.campaignId, lead.id),
        args: [leadInput],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: [
          { key: SEARCH_ATTRIBUTES.campaignId, value: input.campaignId },
          { key: SEARCH_ATTRIBUTES.organizationId, value: input.organizationId },
          { key: SEARCH_ATTRIBUTES.leadId, value: lead.id },
        ],
      });
    } catch (err) {
      // Still running from an earlier run of this campaign: it will report to us when it finishes.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      log.info('lead workflow already running', { leadId: lead.id });
    }
  }

  /** How many leads may start together now (at least 1 once waitForSlot returned). */
  function freeSlots(): number {
    const byWindow = input.leadsPerDay === null ? Infinity : input.leadsPerDay - s.startedInWindow;
    return Math.max(1, Math.min(input.maxConcurrentLeads - s.running, byWindow, MAX_STARTS_PER_TASK));
  }

  // Executions started before this change started their leads one workflow task at a time; new ones
  // start every free slot in one task (one round trip to the server instead of one per lead).
  const batchedStarts = patched('batched-lead-starts');
  if (patched('short-orchestrator-runs')) maxEventsPerRun = SHORT_RUN_EVENTS;
  // Leads start in import order. Executions started before paged by lead id, and changing the order
  // half-way would skip leads, so they keep it: the first run decides, continued-as-new runs carry it
  // (a continued run that carries nothing comes from before this change).
  const leadOrder = input.leadOrder ?? (input.state === undefined && patched('leads-in-import-order') ? 'import' : 'id');
  const order = leadOrder === 'import' ? ('import' as const) : undefined;

  // ---- start every lead ------------------------------------------------------------------------
  while (!s.exhausted && !s.stopping) {
    const page = await acts.loadLeadPage({ campaignId: input.campaignId, afterLeadId: s.cursor, limit: PAGE_SIZE, ...(order ? { order } : {}) });
    for (let i = 0; i < page.leads.length; ) {
      await waitForSlot();
      if (s.stopping) break;
      // The stagger, applied once: between two starts, here, and nowhere else.
      if (input.leadProcessingDelayMs > 0 && s.started > 0) {
        await sleep(input.leadProcessingDelayMs);
        await waitForSlot();
        if (s.stopping) break;
      }
      await adoptAnnouncedVersion();
      if (s.stopping) break;
      const room = batchedStarts && input.leadProcessingDelayMs === 0 ? freeSlots() : 1;
      const batch = page.leads.slice(i, i + room);
      await Promise.all(batch.map((lead) => startLead(lead, page.doneSteps[lead.id], page.resume?.[lead.id])));
      i += batch.length;
      await maybeContinueAsNew();
    }
    if (page.nextCursor === null) s.exhausted = true;
    else s.cursor = page.nextCursor;
    await maybeContinueAsNew();
  }

  // ---- wait for the leads to finish ------------------------------------------------------------
  while (s.running > 0) {
    await drainFanouts();
    await condition(() => s.running === 0 || fanouts.length > 0 || workflowInfo().continueAsNewSuggested);
    await maybeContinueAsNew();
  }
  await drainFanouts();

  const final = s.stopping ? 'stopped' : s.finished > 0 && s.failed === s.finished ? 'failed' : 'completed';
  await acts.markCampaignStatus({
    campaignId: input.campaignId,
    status: final,
    reason: final === 'failed' ? 'every_lead_failed' : undefined,
  });
  return { ...s, campaignId: input.campaignId };
}
