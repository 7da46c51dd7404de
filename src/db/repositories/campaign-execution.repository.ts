import type { Db } from '../connection';
import type { CampaignExecution, ExecutionStatus } from '../schema';

/** Per-lead progress of a campaign, read straight from campaign_executions (the engine writes it). */

export interface ExecutionWithLead extends CampaignExecution {
  lead_full_name: string | null;
  lead_first_name: string | null;
  lead_last_name: string | null;
  lead_linkedin_url: string | null;
}

function baseQuery(db: Db, organizationId: string, campaignId: string) {
  return db
    .selectFrom('campaign_executions as e')
    .innerJoin('campaigns as c', 'c.id', 'e.campaign_id')
    .innerJoin('leads as l', 'l.id', 'e.lead_id')
    .selectAll('e')
    .select([
      'l.full_name as lead_full_name',
      'l.first_name as lead_first_name',
      'l.last_name as lead_last_name',
      'l.linkedin_url as lead_linkedin_url',
    ])
    .where('c.organization_id', '=', organizationId)
    .where('c.is_deleted', '=', false)
    .where('e.campaign_id', '=', campaignId);
}

export async function listExecutions(
  db: Db,
  organizationId: string,
  campaignId: string,
  page: { limit: number; cursor?: string; status?: ExecutionStatus; stepId?: string; waitReason?: string; q?: string },
): Promise<ExecutionWithLead[]> {
  let query = baseQuery(db, organizationId, campaignId);
  if (page.status) query = query.where('e.status', '=', page.status);
  if (page.stepId) query = query.where('e.current_step_id', '=', page.stepId);
  if (page.waitReason) query = query.where('e.wait_reason', '=', page.waitReason);
  if (page.q) {
    const like = `%${page.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) =>
      eb.or([eb('l.full_name', 'ilike', like), eb('l.first_name', 'ilike', like), eb('l.last_name', 'ilike', like)]),
    );
  }
  if (page.cursor) query = query.where('e.id', '>', page.cursor);
  return query
    .orderBy('e.id')
    .limit(page.limit + 1)
    .execute();
}

export async function findExecutionForLead(
  db: Db,
  organizationId: string,
  campaignId: string,
  leadId: string,
): Promise<ExecutionWithLead | undefined> {
  return baseQuery(db, organizationId, campaignId).where('e.lead_id', '=', leadId).executeTakeFirst();
}
