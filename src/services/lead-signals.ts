/**
 * Signals the running lead workflows of a campaign, page by page (500 executions a page, 32 signals in
 * flight): the one loop behind pause/resume/stop fan-out (the orchestrator's activity) and waking a
 * reconnected sender's waiting leads. A lead that finished meanwhile (workflow not found) is skipped.
 */
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Db } from '../db/connection';
import type { LedgerTables } from '../linkedin/ledger.schema';

export interface LeadSelection {
  campaignId: string;
  /** Only leads this sender works (campaign_executions.sender_account_id). */
  senderAccountId?: string;
  /** Only leads whose current wait has this reason (campaign_executions.wait_reason, e.g. `paused`). */
  waitReason?: string;
  /** Only leads `senderAccountId` has written to (a write in the ledger that went out or may have). */
  contacted?: boolean;
  /** Only leads on an older definition version than this (or from before versions). */
  belowVersion?: number;
}

const PAGE = 500;
/** The writes that make a lead its sender's (the lead workflow's `isContact`): the conversation is that account's. */
const CONTACT_KINDS = ['invitation', 'message', 'inmail'];
const IN_FLIGHT = 32;

export async function signalLeads(
  db: Db,
  client: Client,
  which: LeadSelection,
  send: (handle: WorkflowHandle) => Promise<void>,
  onPage?: (progress: { cursor: string; signalled: number }) => void,
): Promise<number> {
  let cursor: string | null = null;
  let signalled = 0;
  for (;;) {
    let q = db
      .withTables<LedgerTables>()
      .selectFrom('campaign_executions')
      .select(['id', 'workflow_execution_id'])
      .where('campaign_id', '=', which.campaignId)
      .where('status', 'in', ['pending', 'in_progress'])
      .where('workflow_execution_id', 'is not', null)
      .orderBy('id')
      .limit(PAGE);
    if (which.senderAccountId) q = q.where('sender_account_id', '=', which.senderAccountId);
    if (which.waitReason) q = q.where('wait_reason', '=', which.waitReason);
    if (which.contacted && which.senderAccountId) {
      const sender = which.senderAccountId;
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('linkedin_actions as a')
            .select('a.id')
            .whereRef('a.lead_id', '=', 'campaign_executions.lead_id')
            .whereRef('a.campaign_id', '=', 'campaign_executions.campaign_id')
            .where('a.account_id', '=', sender)
            .where('a.kind', 'in', CONTACT_KINDS)
            .where('a.status', 'in', ['succeeded', 'unknown', 'pending']),
        ),
      );
    }
    if (which.belowVersion !== undefined) {
      const below = which.belowVersion;
      q = q.where((eb) => eb.or([eb('definition_version', 'is', null), eb('definition_version', '<', below)]));
    }
    if (cursor) q = q.where('id', '>', cursor);
    const rows = await q.execute();
    if (rows.length === 0) break;
    await mapWithConcurrency(rows, IN_FLIGHT, async (row) => {
      try {
        await send(client.workflow.getHandle(row.workflow_execution_id!));
        signalled += 1;
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    });
    cursor = rows[rows.length - 1]!.id;
    onPage?.({ cursor, signalled });
  }
  return signalled;
}

async function mapWithConcurrency<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(workers);
}
