// Definition versions in the database, on PostgreSQL and on the embedded PGlite default: the migration
// gives existing campaigns version 1 from their definition, and the triggers number every later save,
// whoever writes it (the definition's editor `timestamp` aside, the same graph saved again makes none).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Migrator, sql } from 'kysely';
import { FolderMigrationProvider, migrateToLatest } from '../../src/db/migrate';
import { DATABASE_KINDS, type TestDatabase } from '../support/database';

const def = (label: string, timestamp = '2026-12-04T10:00:00.000Z') => ({
  nodes: [{ id: 'visit', type: 'action', position: { x: 0, y: 0 }, data: { type: 'profile_visit', label, isConfigured: true, config: {} } }],
  edges: [],
  timestamp,
});

for (const { kind, create } of DATABASE_KINDS) {
  describe(`definition versions (${kind})`, () => {
    let db: TestDatabase;
    before(async () => {
      db = await create();
    });
    after(async () => {
      await db?.drop();
    });

    const versions = (campaignId: string) =>
      db.db.selectFrom('workflow_definition_versions').select(['version', 'definition', 'organization_id']).where('campaign_id', '=', campaignId).orderBy('version').execute();

    it('the migration gives a campaign saved before it version 1, from its definition', async () => {
      const migrator = new Migrator({ db: db.db, provider: new FolderMigrationProvider() });
      const down = await migrator.migrateDown();
      assert.equal(down.error, undefined);
      assert.equal(down.results?.[0]?.migrationName, '2026-12-04T1900_versions-definition-versions');
      const org = await db.db.insertInto('organizations').values({ name: 'Before versions' }).returning('id').executeTakeFirstOrThrow();
      const { rows } = await sql<{ id: string }>`insert into campaigns (organization_id, name, workflow_definition) values (${org.id}, 'Old', ${JSON.stringify(def('Visit'))}::jsonb) returning id`.execute(db.db);
      await migrateToLatest(db.db);
      const id = rows[0]!.id;
      const campaign = await db.db.selectFrom('campaigns').select('definition_version').where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(campaign.definition_version, 1);
      assert.deepEqual(await versions(id), [{ version: 1, definition: def('Visit'), organization_id: org.id }]);
    });

    it('numbers every save that changes the graph, keeps each version, and ignores a save of the same graph', async () => {
      const org = await db.db.insertInto('organizations').values({ name: 'Acme' }).returning('id').executeTakeFirstOrThrow();
      const c = await db.db.insertInto('campaigns').values({ organization_id: org.id, name: 'C', description: null, prospect_list: null, sender_account: null, workflow_definition: JSON.stringify(def('A')), schedule: null, leads_per_day: null }).returning(['id', 'definition_version']).executeTakeFirstOrThrow();
      assert.equal(c.definition_version, 1);
      const save = async (d: unknown) => (await db.db.updateTable('campaigns').set({ workflow_definition: JSON.stringify(d) }).where('id', '=', c.id).returning('definition_version').executeTakeFirstOrThrow()).definition_version;
      assert.equal(await save(def('A', '2026-12-05T00:00:00.000Z')), 1, 'only the timestamp differs');
      assert.equal(await save(def('B')), 2);
      assert.equal(await save(def('A')), 3, 'going back is a new version too');
      assert.equal((await db.db.updateTable('campaigns').set({ status: 'paused' }).where('id', '=', c.id).returning('definition_version').executeTakeFirstOrThrow()).definition_version, 3);
      assert.deepEqual((await versions(c.id)).map((v) => [v.version, (v.definition as ReturnType<typeof def>).nodes[0]!.data.label]), [
        [1, 'A'],
        [2, 'B'],
        [3, 'A'],
      ]);
    });
  });
}
