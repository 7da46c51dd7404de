import { sql } from 'kysely';
import type { Db } from '../connection';

/**
 * A campaign's analytics counters (campaign_counters). Changed only inside the transaction that
 * records a lead's progress; read whole (a few hundred rows at most, whatever the number of leads).
 */

/**
 * Adds each delta to its counter, and bumps the campaign's `version` counter that live views watch.
 * Keys are applied in sorted order so two concurrent transactions lock the rows in the same order
 * (no deadlock between leads of one campaign).
 */
export async function addToCounters(trx: Db, campaignId: string, deltas: Map<string, number>): Promise<void> {
  if (deltas.size === 0) return;
  const rows = [...deltas, ['version', 1] as [string, number]]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => ({ campaign_id: campaignId, key, value }));
  await trx
    .insertInto('campaign_counters')
    .values(rows)
    .onConflict((oc) => oc.columns(['campaign_id', 'key']).doUpdateSet({ value: sql`campaign_counters.value + excluded.value` }))
    .execute();
}

export async function readCounters(db: Db, campaignId: string): Promise<Map<string, number>> {
  const rows = await db.selectFrom('campaign_counters').select(['key', 'value']).where('campaign_id', '=', campaignId).execute();
  return new Map(rows.map((r) => [r.key, Number(r.value)]));
}

/** The counters' version: changes whenever any counter of the campaign does. */
export async function readCounterVersion(db: Db, campaignId: string): Promise<number> {
  const row = await db
    .selectFrom('campaign_counters')
    .select('value')
    .where('campaign_id', '=', campaignId)
    .where('key', '=', 'version')
    .executeTakeFirst();
  return row ? Number(row.value) : 0;
}
