import type { Db } from '../db/connection';
import type { AnalyticsEdge } from '../domain/lead-analytics';
import { compileWorkflowDefinition } from '../domain/workflow-definition';
import type { QuotaTables } from '../quota/quota.schema';

/**
 * What the progress recorder needs to turn a lead's timeline into counters: the campaign's edges and
 * its sender's time zone. Read once a minute per campaign, not on every progress record.
 */
export interface CampaignAnalyticsShape {
  edges: AnalyticsEdge[];
  timeZone: string;
}

const TTL_MS = 60_000;
const MAX_CACHED = 500;
const cache = new Map<string, { at: number; shape: CampaignAnalyticsShape }>();

export async function campaignAnalyticsShape(db: Db, campaignId: string): Promise<CampaignAnalyticsShape> {
  const hit = cache.get(campaignId);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.shape;
  const row = await db
    .withTables<QuotaTables>()
    .selectFrom('campaigns')
    .leftJoin('account_settings', 'account_settings.account_id', 'campaigns.sender_account')
    .select(['campaigns.workflow_definition', 'account_settings.timezone'])
    .where('campaigns.id', '=', campaignId)
    .executeTakeFirst();
  const compiled = row ? compileWorkflowDefinition(row.workflow_definition) : undefined;
  const edges = compiled?.ok ? compiled.plan.edges.map((e) => ({ id: e.id, from: e.from, to: e.to, ...(e.branch ? { branch: e.branch } : {}) })) : [];
  const shape = { edges, timeZone: row?.timezone ?? 'UTC' };
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(campaignId, { at: Date.now(), shape });
  return shape;
}
