// Versioned definitions through the API (issue 15): every save that changes the step graph is a new,
// kept version; a running campaign takes a new definition and nothing else; the engine is told in the
// same transaction, so when it cannot be reached nothing is saved.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { ServiceUnavailableError } from '../../src/errors';
import { VALID_DEFINITION, seedCampaign, startTestApi, startTestApiWithCampaignService, type TestApi } from './support';

const setStatus = (api: TestApi, id: string, status: 'in_progress' | 'paused' | 'scheduled' | 'draft') =>
  api.db.updateTable('campaigns').set({ status }).where('id', '=', id).execute();

/** VALID_DEFINITION with a second step (and a new editor timestamp). */
const twoSteps = (message = 'Hi [first_name]') => ({
  nodes: [
    VALID_DEFINITION.nodes[0],
    { id: 'msg-2', type: 'action', position: { x: 0, y: 150 }, data: { type: 'send_followup', label: 'Message', isConfigured: true, config: { message } } },
  ],
  edges: [{ id: 'e1', source: 'visit-1', target: 'msg-2', type: 'buttonedge', data: { delay: '1d' } }],
  timestamp: '2026-12-04T19:00:00.000Z',
});

describe('definition versions', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
  });
  after(async () => {
    await api.close();
  });

  const patch = (id: string, payload: Record<string, unknown>) => api.call({ method: 'PATCH', url: `/api/campaigns/${id}`, payload });
  const versionCount = async (id: string) =>
    Number((await api.db.selectFrom('workflow_definition_versions').select((eb) => eb.fn.countAll().as('n')).where('campaign_id', '=', id).executeTakeFirstOrThrow()).n);
  const announced = () => api.control.calls.filter((c) => c.method === 'announceDefinition').map((c) => c.input);

  void it('a new campaign is version 1; a changed graph makes the next version, the same graph saved again none; each version is kept', async () => {
    const { campaign } = await seedCampaign(api, api.orgA);
    assert.equal(campaign.definitionVersion, 1);

    let res = await patch(campaign.id, { workflowDefinition: { ...VALID_DEFINITION, timestamp: '2026-12-04T18:00:00.000Z' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().definitionVersion, 1, 'only the editor timestamp differs: no new version');
    res = await patch(campaign.id, { workflowDefinition: twoSteps() });
    assert.equal(res.json().definitionVersion, 2);
    assert.equal(announced().length, 0, 'a draft has no engine to tell');

    res = await api.call({ method: 'GET', url: `/api/campaigns/${campaign.id}/versions` });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(
      res.json().items.map((v: { version: number; nodeCount: number; current: boolean }) => [v.version, v.nodeCount, v.current]),
      [
        [2, 2, true],
        [1, 1, false],
      ],
    );
    res = await api.call({ method: 'GET', url: `/api/campaigns/${campaign.id}/versions/1` });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json().definition, VALID_DEFINITION);
    assert.equal(res.json().current, false);
    res = await api.call({ method: 'GET', url: `/api/campaigns/${campaign.id}/versions/2` });
    assert.deepEqual(res.json().definition, twoSteps());

    res = await api.call({ method: 'GET', url: `/api/campaigns/${campaign.id}/versions/3` });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'definition_version_not_found');
    res = await api.call({ method: 'GET', url: `/api/campaigns/${campaign.id}/versions/zero` });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'validation_failed');
  });

  void it("another organization's campaign: its versions are a 404 like a missing campaign", async () => {
    const { campaign } = await seedCampaign(api, api.orgA);
    for (const url of [`/api/campaigns/${campaign.id}/versions`, `/api/campaigns/${campaign.id}/versions/1`]) {
      const res = await api.call({ as: api.orgB, method: 'GET', url });
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.json().error.code, 'campaign_not_found');
    }
    const res = await api.call({ as: api.orgB, method: 'PATCH', url: `/api/campaigns/${campaign.id}`, payload: { workflowDefinition: twoSteps(), moveInProgressLeads: true } });
    assert.equal(res.statusCode, 404);
    assert.equal(await versionCount(campaign.id), 1);
  });

  void it('a running campaign takes a new definition and nothing else; the engine is told, with moveInProgressLeads', async () => {
    const { campaign } = await seedCampaign(api, api.orgA);
    await setStatus(api, campaign.id, 'in_progress');
    const calls = announced().length;

    for (const payload of [{ name: 'Renamed' }, { workflowDefinition: twoSteps(), name: 'Renamed' }, { moveInProgressLeads: true }]) {
      const res = await patch(campaign.id, payload);
      assert.equal(res.statusCode, 409, JSON.stringify(payload));
      assert.equal(res.json().error.code, 'campaign_running');
    }
    let res = await patch(campaign.id, { workflowDefinition: { nodes: [], edges: [] } });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'invalid_workflow_definition');
    assert.ok(Array.isArray(res.json().error.details) && res.json().error.details.length > 0, 'the compiler problems are listed');
    assert.equal(await versionCount(campaign.id), 1, 'nothing saved');
    assert.equal(announced().length, calls);

    res = await patch(campaign.id, { workflowDefinition: twoSteps(), moveInProgressLeads: true });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().definitionVersion, 2);
    assert.equal(res.json().name, 'Campaign');
    assert.deepEqual(announced().slice(calls), [{ organizationId: api.orgA.organizationId, campaignId: campaign.id, version: 2, moveInProgressLeads: true }]);

    // The same graph again: no version, nobody told.
    res = await patch(campaign.id, { workflowDefinition: twoSteps() });
    assert.equal(res.json().definitionVersion, 2);
    assert.equal(announced().length, calls + 1);

    await setStatus(api, campaign.id, 'scheduled');
    res = await patch(campaign.id, { workflowDefinition: twoSteps('Other') });
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().error.code, 'campaign_running');
  });

  void it('a paused campaign may change anything; a new definition is announced, without moving leads unless asked', async () => {
    const { campaign } = await seedCampaign(api, api.orgA);
    await setStatus(api, campaign.id, 'paused');
    const calls = announced().length;
    const res = await patch(campaign.id, { workflowDefinition: twoSteps(), name: 'Paused edit' });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual([res.json().name, res.json().definitionVersion], ['Paused edit', 2]);
    assert.deepEqual(announced().slice(calls), [{ organizationId: api.orgA.organizationId, campaignId: campaign.id, version: 2, moveInProgressLeads: false }]);
  });

  void it('Temporal unreachable: 503 temporal_unavailable and the campaign is exactly as it was', async () => {
    const { campaign } = await seedCampaign(api, api.orgA);
    await setStatus(api, campaign.id, 'in_progress');
    api.control.failWith = new ServiceUnavailableError('temporal_unavailable', 'the workflow engine cannot be reached');
    const res = await patch(campaign.id, { workflowDefinition: twoSteps(), moveInProgressLeads: true });
    assert.equal(res.statusCode, 503, res.body);
    assert.equal(res.json().error.code, 'temporal_unavailable');
    const row = await api.db.selectFrom('campaigns').select(['workflow_definition', 'definition_version']).where('id', '=', campaign.id).executeTakeFirstOrThrow();
    assert.deepEqual([row.workflow_definition, row.definition_version], [VALID_DEFINITION, 1]);
    assert.equal(await versionCount(campaign.id), 1);
  });

  void it('any writer gets versions: a campaign inserted or updated in SQL is numbered too, and the number cannot be forced', async () => {
    const { campaign } = await seedCampaign(api, api.orgA);
    await api.db.updateTable('campaigns').set({ workflow_definition: JSON.stringify(twoSteps()), definition_version: 40 }).where('id', '=', campaign.id).execute();
    const row = await api.db.selectFrom('campaigns').select('definition_version').where('id', '=', campaign.id).executeTakeFirstOrThrow();
    assert.equal(row.definition_version, 2);
    assert.equal(await versionCount(campaign.id), 2);
  });
});

describe('definition versions with the real campaign service and no Temporal', () => {
  let api: TestApi;
  let connection: Connection;
  before(async () => {
    // Nothing listens there: every call to Temporal fails.
    connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 1_000 });
    api = await startTestApiWithCampaignService(new Client({ connection }), 'none');
  });
  after(async () => {
    await api.close();
    await connection.close();
  });

  void it('an edit of a running campaign answers 503 temporal_unavailable within seconds and saves nothing; a draft saves without Temporal', async () => {
    const { campaign } = await seedCampaign(api, api.orgA);
    await api.db.updateTable('campaigns').set({ status: 'in_progress' }).where('id', '=', campaign.id).execute();
    const started = Date.now();
    let res = await api.call({ method: 'PATCH', url: `/api/campaigns/${campaign.id}`, payload: { workflowDefinition: twoSteps() } });
    assert.equal(res.statusCode, 503, res.body);
    assert.equal(res.json().error.code, 'temporal_unavailable');
    assert.ok(Date.now() - started < 10_000, 'bounded by the control deadline');
    const row = await api.db.selectFrom('campaigns').select(['definition_version']).where('id', '=', campaign.id).executeTakeFirstOrThrow();
    assert.equal(row.definition_version, 1);

    await api.db.updateTable('campaigns').set({ status: 'draft' }).where('id', '=', campaign.id).execute();
    res = await api.call({ method: 'PATCH', url: `/api/campaigns/${campaign.id}`, payload: { workflowDefinition: twoSteps() } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().definitionVersion, 2);
  });
});
