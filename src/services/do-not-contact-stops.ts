/**
 * "Adding someone stops their running leads within a minute": entries whose matching running leads
 * were not told yet (`leads_stopped_at` null) are claimed with a short lease (any number of processes
 * share them; one that dies loses its claim), matched against the organization's running executions
 * in JS (the same keys as the step check), and each match gets the lead workflow's stop signal with
 * reason do_not_contact. The route runs a pass right after an add; the background loop catches the rest.
 * Leads that start later are caught by the step check (src/activities/linkedin/context.ts).
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../db/connection';
import { leadWorkflowId, stopSignal } from '../workflows/definitions';
import { leadKeys } from './do-not-contact-keys';

const CLAIM_MS = 60_000;
export const DNC_STOP_BATCH = 20;

/** Stops one lead workflow; false when it does not run (any more). */
export type StopLead = (target: { campaignId: string; leadId: string; reason: string }) => Promise<boolean>;

const SIGNAL_DEADLINE_MS = 10_000;

/** The lead workflow's stop signal through Temporal (bounded: with Temporal down it fails in seconds). */
export function temporalStopLead(client: Client): StopLead {
  return async ({ campaignId, leadId, reason }) => {
    try {
      await client.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, () => client.workflow.getHandle(leadWorkflowId(campaignId, leadId)).signal(stopSignal, { reason }));
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  };
}

export function createDncStopper(deps: { db: Db; stopLead: StopLead }) {
  const { db } = deps;

  async function claim(limit: number) {
    return db.transaction().execute(async (trx) => {
      const due = await trx
        .selectFrom('do_not_contact')
        .select('id')
        .where('leads_stopped_at', 'is', null)
        .where((eb) => eb.or([eb('stop_claimed_until', 'is', null), eb('stop_claimed_until', '<=', new Date())]))
        .orderBy('created_at')
        .limit(limit)
        .forUpdate()
        .skipLocked()
        .execute();
      if (due.length === 0) return [];
      return trx
        .updateTable('do_not_contact')
        .set({ stop_claimed_until: new Date(Date.now() + CLAIM_MS) })
        .where('id', 'in', due.map((d) => d.id))
        .returning(['id', 'organization_id', 'kind', 'key'])
        .execute();
    });
  }

  async function runningLeads(organizationId: string) {
    return db
      .selectFrom('campaign_executions as ce')
      .innerJoin('campaigns as c', 'c.id', 'ce.campaign_id')
      .innerJoin('leads as l', 'l.id', 'ce.lead_id')
      .select(['ce.campaign_id', 'ce.lead_id', 'l.provider_id', 'l.linkedin_id', 'l.linkedin_url', 'l.company', 'l.email'])
      .where('c.organization_id', '=', organizationId)
      .where('ce.status', 'in', ['pending', 'in_progress'])
      .execute();
  }

  return {
    /** One batch of owed entries; returns how many entries it settled. */
    // A failed signal (Temporal down) throws: the claim lapses and another pass tries again.
    async stopListedLeads(limit = DNC_STOP_BATCH): Promise<number> {
      const entries = await claim(limit);
      const byOrg = new Map<string, typeof entries>();
      for (const e of entries) byOrg.set(e.organization_id, [...(byOrg.get(e.organization_id) ?? []), e]);
      for (const [organizationId, orgEntries] of byOrg) {
        const wanted = new Set(orgEntries.map((e) => `${e.kind}:${e.key}`));
        for (const r of await runningLeads(organizationId)) {
          const keys = leadKeys({ providerId: r.provider_id, linkedinId: r.linkedin_id, linkedinUrl: r.linkedin_url, company: r.company, email: r.email });
          if (keys.some((k) => wanted.has(`${k.kind}:${k.normalized}`))) await deps.stopLead({ campaignId: r.campaign_id, leadId: r.lead_id, reason: 'do_not_contact' });
        }
        await db.updateTable('do_not_contact').set({ leads_stopped_at: new Date(), stop_claimed_until: null }).where('id', 'in', orgEntries.map((e) => e.id)).execute();
      }
      return entries.length;
    },
  };
}

export type DncStopper = ReturnType<typeof createDncStopper>;
