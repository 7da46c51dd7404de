import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { DATABASE_KINDS, type TestDatabase } from './database';

for (const { kind, create } of DATABASE_KINDS) {
  describe(`schema on ${kind}`, () => {
    let t: TestDatabase;
    before(async () => (t = await create()));
    after(async () => t.drop());

    it('refuses a second execution of the same lead in one campaign', async () => {
      const org = await t.db.insertInto('organizations').values({ name: 'Acme' }).returning('id').executeTakeFirstOrThrow();
      const list = await t.db.insertInto('lead_lists').values({ organization_id: org.id, name: 'L', description: null }).returning('id').executeTakeFirstOrThrow();
      const lead = await t.db
        .insertInto('leads')
        .values({ organization_id: org.id, lead_list_id: list.id, linkedin_url: 'https://www.linkedin.com/in/a/', enrichment_data: '{}' } as never)
        .returning('id')
        .executeTakeFirstOrThrow();
      const campaign = await t.db
        .insertInto('campaigns')
        .values({ organization_id: org.id, name: 'C', workflow_definition: '{"nodes":[],"edges":[]}' } as never)
        .returning('id')
        .executeTakeFirstOrThrow();
      const row = { campaign_id: campaign.id, lead_id: lead.id, execution_data: '{}' };
      await t.db.insertInto('campaign_executions').values(row).execute();
      await assert.rejects(t.db.insertInto('campaign_executions').values(row).execute(), /unique|duplicate/i);
      await assert.rejects(
        t.db.insertInto('campaigns').values({ organization_id: org.id, name: 'D', workflow_definition: '{}', status: 'running' } as never).execute(),
        /check constraint/i,
      );
    });
  });
}
