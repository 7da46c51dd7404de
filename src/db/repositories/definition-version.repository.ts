import { sql } from 'kysely';
import type { Db } from '../connection';
import type { WorkflowDefinitionVersion } from '../schema';

/** A campaign's saved definitions (written by the campaigns triggers, never by the app): read only. */

export interface DefinitionVersionSummary {
  version: number;
  createdAt: Date;
  /** Action nodes (the editor's `addStep` placeholders are not steps). */
  nodeCount: number;
}

export async function listDefinitionVersions(db: Db, campaignId: string): Promise<DefinitionVersionSummary[]> {
  const rows = await db
    .selectFrom('workflow_definition_versions')
    .select([
      'version',
      'created_at',
      sql<number>`case when jsonb_typeof(definition->'nodes') = 'array'
        then (select count(*) from jsonb_array_elements(definition->'nodes') n where n->>'type' is distinct from 'addStep')
        else 0 end`.as('node_count'),
    ])
    .where('campaign_id', '=', campaignId)
    .orderBy('version', 'desc')
    .execute();
  return rows.map((r) => ({ version: r.version, createdAt: r.created_at, nodeCount: Number(r.node_count) }));
}

export async function findDefinitionVersion(db: Db, campaignId: string, version: number): Promise<WorkflowDefinitionVersion | undefined> {
  return db.selectFrom('workflow_definition_versions').selectAll().where('campaign_id', '=', campaignId).where('version', '=', version).executeTakeFirst();
}
