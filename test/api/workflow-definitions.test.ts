// The sequence builder's two read-only routes, on the real compiler and renderer: validate answers what
// save would, preview renders what the step would send to a lead of the list; both scoped to the key's organization.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { compileWorkflowDefinition } from '../../src/domain/workflow-definition';
import { seedCampaign, startTestApi, tableCounts, type TestApi } from './support';

const BRANCHES = JSON.parse(readFileSync(new URL('../../examples/campaign-branches.json', import.meta.url), 'utf8'));

void describe('workflow definitions: validate and template preview', () => {
  let api: TestApi;
  let seed: Awaited<ReturnType<typeof seedCampaign>>;
  let leads: Array<{ id: string; fullName: string }>;

  before(async () => {
    api = await startTestApi({ compileDefinition: compileWorkflowDefinition });
    seed = await seedCampaign(api, api.orgA, { leads: 0 });
    await api.call({
      method: 'POST',
      url: `/api/lead-lists/${seed.list.id}/leads`,
      payload: [
        { first_name: 'Ada', last_name: 'Lovelace', company: 'Analytical Engines', linkedin_url: 'https://www.linkedin.com/in/ada-preview' },
        { first_name: '', last_name: 'Hopper', linkedin_url: 'https://www.linkedin.com/in/grace-preview' },
      ],
    });
    leads = (await api.call({ method: 'GET', url: `/api/lead-lists/${seed.list.id}/leads` })).json().items;
    assert.equal(leads.length, 2);
  });
  after(() => api.close());

  const validate = (definition: unknown, as = api.orgA) => api.call({ as, method: 'POST', url: '/api/workflow-definitions/validate', payload: { definition } });

  void it('answers valid for a definition that saves, with no problems and no warnings', async () => {
    const res = await validate(BRANCHES);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { valid: true, problems: [], warnings: [] });
    const saved = await api.call({ method: 'PATCH', url: `/api/campaigns/${seed.campaign.id}`, payload: { workflowDefinition: BRANCHES } });
    assert.equal(saved.statusCode, 200, 'what validate accepts, save accepts');
  });

  void it("gives the compiler's problems exactly as save does, each naming its node or edge", async () => {
    const broken = structuredClone(BRANCHES);
    broken.nodes[2].data.config.message = 'Thanks [firstname]!';
    broken.edges[1].data.delayData = { delay: -1, unit: 'd' };
    const res = await validate(broken);
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.valid, false);
    assert.deepEqual(
      body.problems.map((p: { code: string; nodeId?: string; edgeId?: string; path?: string }) => [p.code, p.nodeId ?? p.edgeId, p.path]),
      [
        ['unknown_template_variable', 'followup-3', 'nodes[2].data.config.message'],
        ['invalid_delay', 'e2', 'edges[1].data.delayData.delay'],
      ],
    );
    const compiled = compileWorkflowDefinition(broken);
    assert.ok(!compiled.ok);
    assert.deepEqual(body.problems, compiled.problems);
    const save = await api.call({ method: 'PATCH', url: `/api/campaigns/${seed.campaign.id}`, payload: { workflowDefinition: broken } });
    assert.equal(save.statusCode, 400);
    assert.deepEqual(save.json().error.details, body.problems, 'save refuses with the same problems');
  });

  void it('returns warnings on a valid definition (a delay string that disagrees with delayData)', async () => {
    const def = structuredClone(BRANCHES);
    def.edges[0].data.delay = '9h';
    const body = (await validate(def)).json();
    assert.equal(body.valid, true);
    assert.deepEqual(body.warnings.map((w: { code: string; edgeId: string }) => [w.code, w.edgeId]), [['delay_disagreement', 'e1']]);
  });

  void it('reports anything that is not a definition as a problem, and refuses a body without one (400), writing nothing', async () => {
    const before = await tableCounts(api.db);
    for (const definition of [null, 42, 'nodes', [], { nodes: 'x', edges: [] }]) {
      const body = (await validate(definition)).json();
      assert.equal(body.valid, false, JSON.stringify(definition));
      assert.equal(body.problems[0].code, 'malformed_definition');
    }
    const tooMany = { nodes: Array.from({ length: 1001 }, (_, i) => ({ id: `n${i}`, type: 'action' })), edges: [] };
    assert.equal((await validate(tooMany)).json().problems[0].code, 'malformed_definition');
    const missing = await api.call({ method: 'POST', url: '/api/workflow-definitions/validate', payload: { nodes: [], edges: [] } });
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.json().error.code, 'validation_failed');
    let deep: unknown = {};
    for (let i = 0; i < 100; i++) deep = { nodes: [deep], edges: [] };
    const tooDeep = await api.call({ method: 'POST', url: '/api/workflow-definitions/validate', payload: { definition: deep } });
    assert.equal(tooDeep.statusCode, 400);
    assert.equal(tooDeep.json().error.code, 'json_too_deep');
    const big = await api.call({ method: 'POST', url: '/api/workflow-definitions/validate', payload: { definition: { nodes: [], edges: [], pad: 'x'.repeat(2 * 1024 * 1024) } } });
    assert.equal(big.statusCode, 413);
    assert.deepEqual(await tableCounts(api.db), before);
  });

  void it('needs an API key', async () => {
    const res = await api.app.inject({ method: 'POST', url: '/api/workflow-definitions/validate', payload: { definition: BRANCHES } });
    assert.equal(res.statusCode, 401);
    const preview = await api.app.inject({ method: 'POST', url: '/api/templates/preview', payload: { template: 'Hi', leadListId: seed.list.id } });
    assert.equal(preview.statusCode, 401);
  });

  const preview = (payload: Record<string, unknown>, as = api.orgA) => api.call({ as, method: 'POST', url: '/api/templates/preview', payload: { leadListId: seed.list.id, ...payload } });
  const ada = () => leads.find((l) => l.fullName === 'Ada Lovelace')!;
  const grace = () => leads.find((l) => l.fullName !== 'Ada Lovelace')!;

  void it("renders a template for a lead of the list with the engine's renderer, fallbacks included", async () => {
    const res = await preview({ template: 'Hi [first_name|there], how is [company]?', leadId: ada().id });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.text, 'Hi Ada, how is Analytical Engines?');
    assert.equal(body.length, body.text.length);
    assert.deepEqual([body.lead.id, body.lead.name, body.lead.values.firstName, body.problem], [ada().id, 'Ada Lovelace', 'Ada', null]);
    const other = (await preview({ template: 'Hi [first_name|there], thanks [first_name|]!', leadId: grace().id })).json();
    assert.equal(other.text, 'Hi there, thanks!');
    const first = (await preview({ template: 'Hello [full_name]' })).json();
    assert.equal(first.lead.id, [...leads].sort((a, b) => a.id.localeCompare(b.id))[0]!.id, 'without a lead id: the first lead of the list');
  });

  void it('says the step would be skipped for a lead missing a value without fallback, and names an unknown variable', async () => {
    const missing = (await preview({ template: 'Hi [first_name], [company] rocks', leadId: grace().id })).json();
    assert.equal(missing.text, null);
    assert.equal(missing.problem.code, 'missing_variable');
    assert.match(missing.problem.message, /first_name/);
    const unknown = (await preview({ template: 'Hi [firstname]', leadId: ada().id })).json();
    assert.deepEqual([unknown.text, unknown.problem.code], [null, 'unknown_template_variable']);
  });

  void it('flags a connection note that renders over 300 characters for this lead (it is sent without the note)', async () => {
    const template = `[company] ${'x'.repeat(285)}`;
    const note = (await preview({ template, leadId: ada().id, stepKind: 'send_connection_request' })).json();
    assert.equal(note.limit, 300);
    assert.equal(note.problem.code, 'note_too_long');
    const message = (await preview({ template, leadId: ada().id, stepKind: 'send_followup' })).json();
    assert.deepEqual([message.limit, message.problem], [null, null]);
  });

  void it("never reads another organization's list or lead (404), and reports an empty list", async () => {
    const other = await preview({ template: 'Hi' }, api.orgB);
    assert.equal(other.statusCode, 404);
    assert.equal(other.json().error.code, 'lead_list_not_found');
    const seedB = await seedCampaign(api, api.orgB, { leads: 1 });
    const foreignLead = (await api.call({ as: api.orgB, method: 'GET', url: `/api/lead-lists/${seedB.list.id}/leads` })).json().items[0];
    const mixed = await preview({ template: 'Hi', leadId: foreignLead.id });
    assert.equal(mixed.statusCode, 404);
    assert.equal(mixed.json().error.code, 'lead_not_found');
    const empty = (await api.call({ method: 'POST', url: '/api/lead-lists', payload: { name: 'Empty' } })).json();
    const none = (await preview({ template: 'Hi', leadListId: empty.id })).json();
    assert.deepEqual([none.lead, none.text, none.problem.code], [null, null, 'no_leads']);
    const bad = await preview({ template: 'Hi', leadId: 'not-a-uuid' });
    assert.equal(bad.statusCode, 400);
  });
});
