import { sql } from 'kysely';
import type { Db } from '../connection';

/**
 * A campaign's analytics counters (campaign_counters). Changed only inside the transaction that
 * records a lead's progress; read whole (a few hundred rows at most, whatever the number of leads).
 * Each counter is split over COUNTER_SHARDS rows: a lead writes the shard its id hashes to, readers sum
 * them, so concurrent leads of one campaign seldom wait on each other's row locks.
 */

export const COUNTER_SHARDS = 8;

/** The shard a lead's updates go to (stable per lead; 0 when there is no lead, e.g. a seeded total). */
export function counterShard(leadId: string | undefined): number {
  if (!leadId) return 0;
  let h = 0;
  for (let i = 0; i < leadId.length; i++) h = (h * 31 + leadId.charCodeAt(i)) | 0;
  return Math.abs(h) % COUNTER_SHARDS;
}

/**
 * Adds each delta to its counter, and bumps the campaign's `version` counter that live views watch.
 * Keys are applied in sorted order so two concurrent transactions lock the rows in the same order
 * (no deadlock between leads of one campaign).
 */
export async function addToCounters(trx: Db, campaignId: string, deltas: Map<string, number>, leadId?: string): Promise<void> {
  if (deltas.size === 0) return;
  const shard = counterShard(leadId);
  const rows = [...deltas, ['version', 1] as [string, number]]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => ({ campaign_id: campaignId, key, shard, value }));
  await trx
    .insertInto('campaign_counters')
    .values(rows)
    .onConflict((oc) => oc.columns(['campaign_id', 'key', 'shard']).doUpdateSet({ value: sql`campaign_counters.value + excluded.value` }))
    .execute();
}

/** Every counter of the campaign (shards summed), or only those whose key starts with one of `prefixes`. */
export async function readCounters(db: Db, campaignId: string, prefixes?: string[]): Promise<Map<string, number>> {
  let query = db
    .selectFrom('campaign_counters')
    .select(['key', sql<string>`sum(value)`.as('value')])
    .where('campaign_id', '=', campaignId)
    .groupBy('key');
  if (prefixes) query = query.where((eb) => eb.or(prefixes.map((p) => eb('key', 'like', `${p.replace(/[\\%_]/g, (c) => `\\${c}`)}%`))));
  const rows = await query.execute();
  return new Map(rows.map((r) => [r.key, Number(r.value)]));
}

/** The counters' version: changes whenever any counter of the campaign does. */
export async function readCounterVersion(db: Db, campaignId: string): Promise<number> {
  const row = await db
    .selectFrom('campaign_counters')
    .select(sql<string | null>`sum(value)`.as('value'))
    .where('campaign_id', '=', campaignId)
    .where('key', '=', 'version')
    .executeTakeFirst();
  return row?.value ? Number(row.value) : 0;
}
