// Repeated control calls over HTTP, through the real campaign service (docs/api.md, docs/errors.md):
// asking for the state a campaign is already in answers 200 `changed: false`; a call that cannot
// apply answers 409 with its stable code. No orchestrator runs here: the database state is all there is.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connectTestTemporal, type TestTemporal } from '../support/temporal';
import { seedCampaign, startTestApiWithCampaignService, type TestApi } from './support';

describe('repeated pause, resume and stop', () => {
  let t: TestTemporal;
  let api: TestApi;

  before(async () => {
    t = await connectTestTemporal();
    api = await startTestApiWithCampaignService(t.client, t.taskQueue);
  });
  after(async () => {
    await api.close();
    await t.close();
  });

  it('pause on a paused, resume on a running, stop on a stopped campaign: 200 changed false; the rest 409', async () => {
    const { campaign } = await seedCampaign(api, api.orgA);
    await api.db.updateTable('campaigns').set({ status: 'in_progress' }).where('id', '=', campaign.id).execute();
    const post = async (action: string, payload: Record<string, unknown> = {}) => {
      const res = await api.call({ method: 'POST', url: `/api/campaigns/${action}`, payload: { campaignId: campaign.id, ...payload } });
      return { code: res.statusCode, body: res.json() };
    };
    const outcome = (r: { code: number; body: { changed?: boolean; status?: string; error?: { code: string } } }) => [r.code, r.body.changed ?? r.body.error?.code, r.body.status];

    assert.deepEqual(outcome(await post('resume')), [200, false, 'in_progress']);
    assert.deepEqual(outcome(await post('pause', { reason: 'lunch' })), [200, true, 'paused']);
    assert.deepEqual(outcome(await post('pause', { reason: 'lunch' })), [200, false, 'paused']);
    assert.deepEqual(outcome(await post('stop', { reason: 'wrong list' })), [200, true, 'stopped']);
    const again = await post('stop', { reason: 'another reason' });
    assert.deepEqual(outcome(again), [200, false, 'stopped']);
    assert.equal((again.body as { statusReason: string }).statusReason, 'wrong list', 'the first stop reason stays');
    assert.deepEqual(outcome(await post('pause')), [409, 'campaign_not_running', undefined]);
    assert.deepEqual(outcome(await post('resume')), [409, 'campaign_not_paused', undefined]);
  });
});
