import type { Db } from '../connection';
import type { Campaign, CampaignStatus } from '../schema';

/** Campaigns as the management API sees them: scoped by organization, soft-deleted ones invisible. */

/** The engine is (or may soon be) acting on these: nothing they depend on may change under them. */
export const ACTIVE_CAMPAIGN_STATUSES: CampaignStatus[] = ['in_progress', 'scheduled', 'paused'];
/** States in which a campaign's settings may be edited. */
export const EDITABLE_CAMPAIGN_STATUSES: CampaignStatus[] = [
  'draft',
  'paused',
  'stopped',
  'completed',
  'failed',
];
/** States in which a campaign may be deleted. */
export const DELETABLE_CAMPAIGN_STATUSES: CampaignStatus[] = ['draft', 'stopped', 'completed', 'failed'];

export interface CampaignFields {
  name: string;
  description: string | null;
  leadListId: string;
  senderAccountId: string;
  workflowDefinition: unknown;
  schedule: unknown;
  leadsPerDay: number | null;
  skipContactedWithinDays?: number | null;
  skipConnectedLeads?: boolean;
}

export async function insertCampaign(
  db: Db,
  organizationId: string,
  fields: CampaignFields,
): Promise<Campaign> {
  return db
    .insertInto('campaigns')
    .values({
      organization_id: organizationId,
      name: fields.name,
      description: fields.description,
      prospect_list: fields.leadListId,
      sender_account: fields.senderAccountId,
      workflow_definition: JSON.stringify(fields.workflowDefinition),
      schedule:
        fields.schedule === null || fields.schedule === undefined ? null : JSON.stringify(fields.schedule),
      leads_per_day: fields.leadsPerDay,
      skip_contacted_within_days: fields.skipContactedWithinDays ?? null,
      skip_connected_leads: fields.skipConnectedLeads ?? false,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findCampaign(
  db: Db,
  organizationId: string,
  id: string,
): Promise<Campaign | undefined> {
  return db
    .selectFrom('campaigns')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .where('is_deleted', '=', false)
    .executeTakeFirst();
}

export async function listCampaigns(
  db: Db,
  organizationId: string,
  page: { limit: number; cursor?: string; status?: CampaignStatus },
): Promise<Campaign[]> {
  let query = db
    .selectFrom('campaigns')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('is_deleted', '=', false);
  if (page.status) query = query.where('status', '=', page.status);
  if (page.cursor) query = query.where('id', '>', page.cursor);
  return query
    .orderBy('id')
    .limit(page.limit + 1)
    .execute();
}

/**
 * Applies the patch only if the campaign is still editable, in one statement, so a concurrent start
 * cannot slip between the check and the write. undefined = missing, or not editable (caller looks).
 */
export async function updateEditableCampaign(
  db: Db,
  organizationId: string,
  id: string,
  patch: Partial<CampaignFields>,
): Promise<Campaign | undefined> {
  return db
    .updateTable('campaigns')
    .set({
      updated_at: new Date(),
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.leadListId !== undefined ? { prospect_list: patch.leadListId } : {}),
      ...(patch.senderAccountId !== undefined ? { sender_account: patch.senderAccountId } : {}),
      ...(patch.workflowDefinition !== undefined
        ? { workflow_definition: JSON.stringify(patch.workflowDefinition) }
        : {}),
      ...(patch.schedule !== undefined
        ? { schedule: patch.schedule === null ? null : JSON.stringify(patch.schedule) }
        : {}),
      ...(patch.leadsPerDay !== undefined ? { leads_per_day: patch.leadsPerDay } : {}),
      ...(patch.skipContactedWithinDays !== undefined ? { skip_contacted_within_days: patch.skipContactedWithinDays } : {}),
      ...(patch.skipConnectedLeads !== undefined ? { skip_connected_leads: patch.skipConnectedLeads } : {}),
    })
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .where('is_deleted', '=', false)
    .where('status', 'in', EDITABLE_CAMPAIGN_STATUSES)
    .returningAll()
    .executeTakeFirst();
}

/** Soft delete, only from a state in which nothing runs. false = missing or not deletable (caller looks). */
export async function softDeleteCampaign(db: Db, organizationId: string, id: string): Promise<boolean> {
  const result = await db
    .updateTable('campaigns')
    .set({ is_deleted: true, updated_at: new Date() })
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .where('is_deleted', '=', false)
    .where('status', 'in', DELETABLE_CAMPAIGN_STATUSES)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** While a campaign runs (or is paused) only its definition may change: a new version, numbered by the database. */
export async function updateRunningCampaignDefinition(
  db: Db,
  organizationId: string,
  id: string,
  workflowDefinition: unknown,
): Promise<Campaign | undefined> {
  return db
    .updateTable('campaigns')
    .set({ workflow_definition: JSON.stringify(workflowDefinition), updated_at: new Date() })
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .where('is_deleted', '=', false)
    .where('status', 'in', ['in_progress', 'paused'])
    .returningAll()
    .executeTakeFirst();
}
