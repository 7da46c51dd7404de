/**
 * One organization, one voice: with the organization's `one_voice` setting on (the default), a person
 * (same provider id, LinkedIn URL or id) is worked by one campaign at a time — the one whose execution
 * started first; the others skip with `in_another_campaign`, which ends their lead — and a reply to any
 * sender stops that person in every campaign (src/services/unipile-webhooks.ts).
 */
import type { Db } from '../db/connection';

export async function oneVoice(db: Db, organizationId: string): Promise<boolean> {
  const row = await db.selectFrom('organizations').select('one_voice').where('id', '=', organizationId).executeTakeFirst();
  return row?.one_voice ?? true;
}

export async function setOneVoice(db: Db, organizationId: string, on: boolean): Promise<void> {
  await db.updateTable('organizations').set({ one_voice: on }).where('id', '=', organizationId).execute();
}

/**
 * The other campaign of the organization that works this lead's person now, if any: an execution in
 * progress, for a lead that is the same person, that started before this one (ties: the lower campaign id).
 */
export async function workedElsewhere(db: Db, q: { organizationId: string; campaignId: string; leadId: string }): Promise<{ campaignId: string } | undefined> {
  const me = await db
    .selectFrom('leads as l')
    .leftJoin('campaign_executions as ce', (j) => j.onRef('ce.lead_id', '=', 'l.id').on('ce.campaign_id', '=', q.campaignId))
    .select(['l.provider_id', 'l.linkedin_url', 'l.linkedin_id', 'ce.started_at', 'ce.created_at'])
    .where('l.id', '=', q.leadId)
    .where('l.organization_id', '=', q.organizationId)
    .executeTakeFirst();
  if (!me || (!me.provider_id && !me.linkedin_url && !me.linkedin_id)) return undefined;
  const mine = me.started_at ?? me.created_at ?? new Date();
  const row = await db
    .selectFrom('campaign_executions as ce')
    .innerJoin('campaigns as c', 'c.id', 'ce.campaign_id')
    .innerJoin('leads as l', 'l.id', 'ce.lead_id')
    .select('ce.campaign_id')
    .where('c.organization_id', '=', q.organizationId)
    .where('ce.campaign_id', '!=', q.campaignId)
    .where('ce.status', '=', 'in_progress')
    .where((eb) => {
      const same = [];
      if (me.provider_id) same.push(eb('l.provider_id', '=', me.provider_id));
      if (me.linkedin_url) same.push(eb('l.linkedin_url', '=', me.linkedin_url));
      if (me.linkedin_id) same.push(eb('l.linkedin_id', '=', me.linkedin_id));
      return eb.or(same);
    })
    .where((eb) =>
      eb.or([
        eb(eb.fn.coalesce('ce.started_at', 'ce.created_at'), '<', mine),
        eb.and([eb(eb.fn.coalesce('ce.started_at', 'ce.created_at'), '=', mine), eb('ce.campaign_id', '<', q.campaignId)]),
      ]),
    )
    .limit(1)
    .executeTakeFirst();
  return row ? { campaignId: row.campaign_id } : undefined;
}
