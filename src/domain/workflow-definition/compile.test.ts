// Tests run on Node, not in the workflow sandbox: the domain's ban on Node built-ins does not apply here.
// node:test's describe/it return promises its runner tracks itself: nothing to await.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileWorkflowDefinition, planStepOrder, summarizePlan } from './compile';
import { DEFAULT_ACCEPTANCE_WINDOW_MS, type CampaignPlan, type DefinitionProblem } from './plan';
import { DEFINITION_PROBLEM_CODES } from './problem-codes';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The example of shared/workflow-definition.md, as the editor saves it. */
const EXAMPLE = {
  nodes: [
    { id: 'visit-1', type: 'action', position: { x: 0, y: 0 }, data: { type: 'profile_visit', label: 'Visit Profile', isConfigured: true, config: {} } },
    {
      id: 'invite-2',
      type: 'action',
      position: { x: 0, y: 150 },
      data: { type: 'send_invite', label: 'Connection Request', isConfigured: true, config: { message: 'Hi [first_name], glad to connect.' } },
    },
    {
      id: 'msg-3',
      type: 'action',
      position: { x: 200, y: 300 },
      data: { type: 'send_followup', label: 'Send Message', isConfigured: true, pathType: 'accepted', config: { message: 'Thanks for connecting, [first_name]!' } },
    },
    {
      id: 'withdraw-4',
      type: 'action',
      position: { x: -200, y: 300 },
      data: { type: 'withdraw_request', label: 'Withdraw Request', isConfigured: true, pathType: 'not-accepted', config: {} },
    },
    { id: 'add-5', type: 'addStep', position: { x: 200, y: 450 }, data: { pathType: 'accepted' } },
  ],
  edges: [
    { id: 'e1', source: 'visit-1', target: 'invite-2', type: 'buttonedge', data: { delay: '1h', delayData: { delay: 1, unit: 'h' } } },
    {
      id: 'e2',
      source: 'invite-2',
      target: 'msg-3',
      type: 'conditional',
      data: { delay: '1d', delayData: { delay: 1, unit: 'd' }, isPositive: true, isConditionalPath: true },
    },
    {
      id: 'e3',
      source: 'invite-2',
      target: 'withdraw-4',
      type: 'conditional',
      data: { delay: '14d', delayData: { delay: 14, unit: 'd' }, isPositive: false, isConditionalPath: true },
    },
    { id: 'e4', source: 'msg-3', target: 'add-5', type: 'buttonedge', data: {} },
  ],
  timestamp: '2026-11-25T10:00:00.000Z',
};

// ---- builders for the invalid cases: each graph is the smallest that shows the fault ----------------

type Json = Record<string, unknown>;
const action = (id: string, type: string, data: Json = {}): Json => ({
  id,
  type: 'action',
  position: { x: '0', y: '0' },
  data: { type, label: id, isConfigured: true, config: {}, ...data },
});
const followup = (id: string, data: Json = {}) => action(id, 'send_followup', { config: { message: 'Hello [first_name]' }, ...data });
const invite = (id: string, data: Json = {}) => action(id, 'send_connection_request', data);
const plain = (id: string, source: string, target: string, data: Json = {}): Json => ({ id, source, target, type: 'buttonedge', data });
const branch = (id: string, source: string, target: string, isPositive: boolean, delay?: string): Json => ({
  id,
  source,
  target,
  type: 'conditional',
  data: { isPositive, isConditionalPath: true, ...(delay ? { delay } : {}) },
});
const definition = (nodes: unknown[], edges: unknown[]) => ({ nodes, edges, timestamp: '2026-11-25T10:00:00.000Z' });

function compiled(json: unknown): CampaignPlan {
  const result = compileWorkflowDefinition(json);
  assert.ok(result.ok, `expected a plan, got ${JSON.stringify(!result.ok && result.problems, null, 2)}`);
  return result.plan;
}
function refused(json: unknown): DefinitionProblem[] {
  const result = compileWorkflowDefinition(json);
  assert.ok(!result.ok, 'expected the definition to be refused');
  for (const p of result.problems) {
    assert.ok(p.message.length > 0, `problem ${p.code} has no message`);
    assert.ok(Object.hasOwn(DEFINITION_PROBLEM_CODES, p.code), `problem code ${p.code} is not documented in problem-codes.ts`);
  }
  return result.problems;
}
/** What a problem points at: its code, node, edge and path. */
const pointers = (problems: DefinitionProblem[]) =>
  problems.map((p) => ({ code: p.code, ...(p.nodeId ? { nodeId: p.nodeId } : {}), ...(p.edgeId ? { edgeId: p.edgeId } : {}), ...(p.path ? { path: p.path } : {}) }));

describe('compileWorkflowDefinition: the example', () => {
  it('compiles to visit → invite (14d window, accepted edge 1d) → message / withdraw, without the placeholder', () => {
    const plan = compiled(EXAMPLE);
    assert.deepEqual(plan, {
      version: 1,
      entry: 'visit-1',
      steps: {
        'visit-1': { id: 'visit-1', kind: 'profile_visit', label: 'Visit Profile', config: {} },
        'invite-2': {
          id: 'invite-2',
          kind: 'send_connection_request',
          label: 'Connection Request',
          config: { message: 'Hi [first_name], glad to connect.' },
          acceptance: { windowMs: 14 * DAY, hasNotAcceptedEdge: true },
        },
        'msg-3': { id: 'msg-3', kind: 'send_followup', label: 'Send Message', config: { message: 'Thanks for connecting, [first_name]!' } },
        'withdraw-4': { id: 'withdraw-4', kind: 'withdraw_request', label: 'Withdraw Request', config: {} },
      },
      edges: [
        { id: 'e1', from: 'visit-1', to: 'invite-2', delayMs: HOUR },
        { id: 'e2', from: 'invite-2', to: 'msg-3', delayMs: DAY, branch: 'accepted' },
        { id: 'e3', from: 'invite-2', to: 'withdraw-4', delayMs: 0, branch: 'not-accepted' },
      ],
    } satisfies CampaignPlan);
  });

  it('produces a plan that survives JSON (it crosses Temporal as a payload)', () => {
    const plan = compiled(EXAMPLE);
    assert.deepEqual(JSON.parse(JSON.stringify(plan)), plan);
  });

  it('numbers the steps in graph order and summarises them', () => {
    const plan = compiled(EXAMPLE);
    assert.deepEqual(planStepOrder(plan), ['visit-1', 'invite-2', 'msg-3', 'withdraw-4']);
    assert.deepEqual(summarizePlan(plan), {
      totalSteps: 4,
      kinds: { profile_visit: 1, send_connection_request: 1, send_followup: 1, withdraw_request: 1 },
    });
  });
});

describe('compileWorkflowDefinition: what the editor writes', () => {
  it('resolves the aliases to canonical kinds', () => {
    const plan = compiled(
      definition(
        [
          action('a', 'send_invitation'),
          action('b', 'send_message', { config: { customMessage: 'Hi' } }),
          action('c', 'notify_webhook', { config: { webhookId: '7d3c2a10-5b8e-4f5e-9a51-0c8d4f1e2b3a' } }),
        ],
        [plain('e1', 'a', 'b'), plain('e2', 'b', 'c')],
      ),
    );
    assert.deepEqual(
      Object.values(plan.steps).map((s) => s.kind),
      ['send_connection_request', 'send_followup', 'webhook'],
    );
  });

  it('accepts positions and sizes as strings (newer saves) and keeps unknown config keys', () => {
    const json = definition(
      [{ ...action('a', 'like_post', { config: { numberOfPosts: '3', recentPostDays: '7', tone: 'warm', someFutureKey: { x: 1 } } }), measured: { width: '240', height: '80' }, selected: false, deletable: true }],
      [],
    );
    const plan = compiled(json);
    assert.deepEqual(plan.steps.a!.config, { numberOfPosts: '3', recentPostDays: '7', tone: 'warm', someFutureKey: { x: 1 } });
  });

  it('reads older saves: "delay" edges and numeric delayData, and delayData wins over a disagreeing string', () => {
    const result = compileWorkflowDefinition(
      definition(
        [action('a', 'profile_visit'), action('b', 'profile_visit'), action('c', 'profile_visit')],
        [
          { id: 'e1', source: 'a', target: 'b', type: 'delay', data: { delayData: { delay: 2, unit: 'd' } } },
          plain('e2', 'b', 'c', { delay: '1d', delayData: { delay: '3', unit: 'h' } }),
        ],
      ),
    );
    assert.ok(result.ok);
    assert.deepEqual(
      result.plan.edges.map((e) => e.delayMs),
      [2 * DAY, 3 * HOUR],
    );
    assert.deepEqual(pointers(result.warnings ?? []), [{ code: 'delay_disagreement', edgeId: 'e2', path: 'edges[1].data.delay' }]);
  });

  it('uses the default acceptance window when the request has no not-accepted edge', () => {
    const plan = compiled(definition([invite('i'), followup('m', { pathType: 'accepted' })], [branch('e1', 'i', 'm', true, '2h')]));
    assert.deepEqual(plan.steps.i!.acceptance, { windowMs: DEFAULT_ACCEPTANCE_WINDOW_MS, hasNotAcceptedEdge: false });
    assert.deepEqual(plan.edges, [{ id: 'e1', from: 'i', to: 'm', delayMs: 2 * HOUR, branch: 'accepted' }]);
  });

  it('does not wait for acceptance after a request whose next steps do not depend on it', () => {
    const plan = compiled(definition([invite('i'), action('v', 'like_post')], [plain('e1', 'i', 'v', { delay: '1d' })]));
    assert.equal(plan.steps.i!.acceptance, undefined);
    assert.deepEqual(plan.edges, [{ id: 'e1', from: 'i', to: 'v', delayMs: DAY }]);
  });

  it('lets the later edges inside a branch be conditional and runs them as plain edges', () => {
    const plan = compiled(
      definition(
        [invite('i'), followup('m1', { pathType: 'accepted' }), followup('m2', { pathType: 'accepted' }), action('w', 'withdraw_request', { pathType: 'not-accepted' }), action('v', 'profile_visit', { pathType: 'not-accepted' })],
        [branch('e1', 'i', 'm1', true), branch('e2', 'i', 'w', false, '7d'), branch('e3', 'm1', 'm2', true, '3d'), branch('e4', 'w', 'v', false, '1h')],
      ),
    );
    assert.deepEqual(
      plan.edges.map((e) => [e.id, e.branch ?? null, e.delayMs]),
      [
        ['e1', 'accepted', 0],
        ['e2', 'not-accepted', 0],
        ['e3', null, 3 * DAY],
        ['e4', null, HOUR],
      ],
    );
    assert.equal(plan.steps.i!.acceptance?.windowMs, 7 * DAY);
  });

  it('lets a second request inside a branch decide its own branches', () => {
    const plan = compiled(
      definition(
        [invite('i1'), invite('i2', { pathType: 'not-accepted' }), followup('m', { pathType: 'accepted' }), action('w', 'withdraw_request', { pathType: 'not-accepted' })],
        [branch('e1', 'i1', 'i2', false, '7d'), branch('e2', 'i2', 'm', true), branch('e3', 'i2', 'w', false, '3d')],
      ),
    );
    assert.deepEqual(plan.steps.i2!.acceptance, { windowMs: 3 * DAY, hasNotAcceptedEdge: true });
  });

  it('orders parallel branches after the step they leave, and a merge after both', () => {
    const plan = compiled(
      definition(
        [action('d', 'profile_visit'), action('c', 'like_post'), action('b', 'like_post'), action('a', 'profile_visit')],
        [plain('e1', 'a', 'b'), plain('e2', 'a', 'c'), plain('e3', 'b', 'd'), plain('e4', 'c', 'd')],
      ),
    );
    const order = planStepOrder(plan);
    assert.equal(plan.entry, 'a');
    assert.deepEqual(order, ['a', 'c', 'b', 'd']);
    assert.deepEqual(summarizePlan(plan), { totalSteps: 4, kinds: { profile_visit: 2, like_post: 2 } });
  });

  it('keeps ids that are Object.prototype names as ordinary keys', () => {
    const plan = compiled(definition([action('__proto__', 'profile_visit'), action('constructor', 'like_post')], [plain('toString', '__proto__', 'constructor')]));
    assert.ok(Object.hasOwn(plan.steps, '__proto__'));
    assert.equal(plan.steps['constructor']?.kind, 'like_post');
    assert.equal(Object.getPrototypeOf(plan.steps), Object.prototype);
  });
});

describe('compileWorkflowDefinition: invalid graphs', () => {
  it('refuses a cycle, naming the edge that closes it and the steps on it', () => {
    const problems = refused(
      definition([action('a', 'profile_visit'), action('b', 'like_post'), action('c', 'like_post')], [plain('e1', 'a', 'b'), plain('e2', 'b', 'c'), plain('e3', 'c', 'b')]),
    );
    assert.deepEqual(pointers(problems), [{ code: 'cycle', nodeId: 'b', edgeId: 'e3', path: 'edges[2]' }]);
    assert.deepEqual(problems[0]!.nodeIds, ['b', 'c']);
    assert.match(problems[0]!.message, /b → c → b/);
  });

  it('refuses a self-loop', () => {
    const problems = refused(definition([action('a', 'profile_visit'), action('b', 'like_post')], [plain('e1', 'a', 'b'), plain('e2', 'b', 'b')]));
    assert.deepEqual(pointers(problems), [{ code: 'cycle', nodeId: 'b', edgeId: 'e2', path: 'edges[1]' }]);
  });

  it('refuses a graph whose every step has an incoming edge', () => {
    const problems = refused(definition([action('a', 'profile_visit'), action('b', 'like_post')], [plain('e1', 'a', 'b'), plain('e2', 'b', 'a')]));
    assert.deepEqual(
      problems.map((p) => p.code),
      ['no_entry_node', 'cycle'],
    );
  });

  it('refuses two entry nodes and lists them', () => {
    const problems = refused(
      definition([action('a', 'profile_visit'), action('b', 'profile_visit'), action('c', 'like_post'), { id: 'add', type: 'addStep', data: {} }], [plain('e1', 'a', 'c'), plain('e2', 'b', 'c'), plain('e3', 'add', 'a')]),
    );
    assert.deepEqual(pointers(problems), [{ code: 'multiple_entry_nodes', nodeId: 'b', path: 'nodes[1]' }]);
    assert.deepEqual(problems[0]!.nodeIds, ['a', 'b']);
  });

  it('refuses an unknown step kind', () => {
    const problems = refused(definition([action('a', 'profile_visit'), action('b', 'send_carrier_pigeon')], [plain('e1', 'a', 'b')]));
    assert.deepEqual(pointers(problems), [{ code: 'unknown_step_kind', nodeId: 'b', path: 'nodes[1].data.type' }]);
  });

  it('refuses an accepted branch with no connection request before it', () => {
    const problems = refused(definition([action('a', 'profile_visit'), followup('m')], [branch('e1', 'a', 'm', true)]));
    assert.deepEqual(pointers(problems), [{ code: 'branch_without_connection_request', edgeId: 'e1', path: 'edges[0].data.isPositive' }]);
  });

  it('refuses a not-accepted step with no connection request before it', () => {
    const problems = refused(definition([action('a', 'profile_visit'), action('w', 'withdraw_request', { pathType: 'not-accepted' })], [plain('e1', 'a', 'w')]));
    assert.deepEqual(pointers(problems), [{ code: 'branch_without_connection_request', nodeId: 'w', path: 'nodes[1].data.pathType' }]);
  });

  it('refuses two accepted edges on one request', () => {
    const problems = refused(
      definition([invite('i'), followup('m1', { pathType: 'accepted' }), followup('m2', { pathType: 'accepted' })], [branch('e1', 'i', 'm1', true), branch('e2', 'i', 'm2', true)]),
    );
    assert.deepEqual(pointers(problems), [{ code: 'duplicate_branch_edge', nodeId: 'i', edgeId: 'e2', path: 'edges[1].data.isPositive' }]);
  });

  it('refuses a branch edge that does not say which side it is', () => {
    const problems = refused(definition([invite('i'), followup('m')], [{ id: 'e1', source: 'i', target: 'm', type: 'conditional', data: { isConditionalPath: true } }]));
    assert.deepEqual(pointers(problems), [{ code: 'missing_branch_side', nodeId: 'i', edgeId: 'e1', path: 'edges[0].data.isPositive' }]);
  });

  it('refuses plain edges next to branch edges on one request', () => {
    const problems = refused(definition([invite('i'), followup('m', { pathType: 'accepted' }), action('v', 'like_post')], [branch('e1', 'i', 'm', true), plain('e2', 'i', 'v')]));
    assert.deepEqual(pointers(problems), [{ code: 'mixed_request_edges', nodeId: 'i', edgeId: 'e2', path: 'edges[1]' }]);
  });

  it('refuses an edge or a step that contradicts the branch it lies in', () => {
    const problems = refused(
      definition(
        [invite('i'), followup('m1', { pathType: 'accepted' }), followup('m2', { pathType: 'not-accepted' }), followup('m3')],
        [branch('e1', 'i', 'm1', true), plain('e2', 'm1', 'm2'), branch('e3', 'm2', 'm3', false)],
      ),
    );
    assert.deepEqual(pointers(problems), [
      { code: 'branch_mismatch', edgeId: 'e3', path: 'edges[2].data.isPositive' },
      { code: 'branch_mismatch', nodeId: 'm2', path: 'nodes[2].data.pathType' },
    ]);
  });

  it('refuses a pathType that is neither branch', () => {
    const problems = refused(definition([followup('m', { pathType: 'maybe' })], []));
    assert.deepEqual(pointers(problems), [{ code: 'invalid_path_type', nodeId: 'm', path: 'nodes[0].data.pathType' }]);
  });

  it('refuses a bad delay unit', () => {
    const problems = refused(definition([action('a', 'profile_visit'), action('b', 'like_post')], [plain('e1', 'a', 'b', { delay: '2d', delayData: { delay: 2, unit: 'y' } })]));
    assert.deepEqual(pointers(problems), [{ code: 'invalid_delay', edgeId: 'e1', path: 'edges[0].data.delayData.unit' }]);
  });

  it('ignores delays on the edges to placeholders', () => {
    compiled(definition([action('a', 'profile_visit'), { id: 'add', type: 'addStep', data: {} }], [plain('e1', 'a', 'add', { delay: 'whenever' })]));
  });

  it('refuses an unknown template variable', () => {
    const problems = refused(definition([action('a', 'profile_visit'), followup('m', { config: { message: 'Hi [frist_name]' } })], [plain('e1', 'a', 'm')]));
    assert.deepEqual(pointers(problems), [{ code: 'unknown_template_variable', nodeId: 'm', path: 'nodes[1].data.config.message' }]);
    assert.match(problems[0]!.message, /\[frist_name\]/);
  });

  it('refuses an unconfigured node', () => {
    const problems = refused(definition([action('a', 'profile_visit'), action('b', 'like_post', { isConfigured: false })], [plain('e1', 'a', 'b')]));
    assert.deepEqual(pointers(problems), [{ code: 'unconfigured_node', nodeId: 'b', path: 'nodes[1].data.isConfigured' }]);
  });

  it('refuses an edge to a missing node', () => {
    const problems = refused(definition([action('a', 'profile_visit'), action('b', 'like_post')], [plain('e1', 'a', 'b'), plain('e2', 'b', 'gone')]));
    assert.deepEqual(pointers(problems), [{ code: 'edge_unknown_node', edgeId: 'e2', path: 'edges[1].target' }]);
  });

  it('refuses a connection note that can never fit 300 characters', () => {
    const note = `Hi [first_name], ${'I would love to connect. '.repeat(13)}`;
    const problems = refused(definition([action('a', 'profile_visit'), invite('i', { config: { message: note } })], [plain('e1', 'a', 'i')]));
    assert.deepEqual(pointers(problems), [{ code: 'note_too_long', nodeId: 'i', path: 'nodes[1].data.config.message' }]);
  });

  it('refuses a step without its required settings', () => {
    const problems = refused(definition([action('a', 'send_followup'), action('b', 'webhook', { config: { webhookId: 'hook-1' } })], [plain('e1', 'a', 'b')]));
    assert.deepEqual(pointers(problems), [
      { code: 'missing_config', nodeId: 'a', path: 'nodes[0].data.config.message' },
      { code: 'invalid_config', nodeId: 'b', path: 'nodes[1].data.config.webhookId' },
    ]);
  });

  it('saves a webhook step without webhookId (older editor saves): it posts to every endpoint', () => {
    const compiled = compileWorkflowDefinition(definition([action('a', 'profile_visit'), action('b', 'webhook')], [plain('e1', 'a', 'b')]));
    assert.equal(compiled.ok, true);
  });

  it('refuses duplicate node and edge ids and unknown node types', () => {
    const problems = refused(
      definition([action('a', 'profile_visit'), action('b', 'like_post'), action('a', 'like_post'), { id: 'n', type: 'sticky', data: {} }], [plain('e1', 'a', 'b'), plain('e1', 'a', 'b')]),
    );
    assert.deepEqual(pointers(problems), [
      { code: 'duplicate_node_id', nodeId: 'a', path: 'nodes[2].id' },
      { code: 'unknown_node_type', nodeId: 'n', path: 'nodes[3].type' },
      { code: 'duplicate_edge_id', edgeId: 'e1', path: 'edges[1].id' },
    ]);
  });

  it('refuses a workflow with no steps', () => {
    assert.deepEqual(pointers(refused(definition([{ id: 'add', type: 'addStep', data: {} }], []))), [{ code: 'empty_workflow', path: 'nodes' }]);
  });

  it('refuses what is not a definition', () => {
    assert.deepEqual(pointers(refused(null)), [{ code: 'malformed_definition' }]);
    assert.deepEqual(pointers(refused([])), [{ code: 'malformed_definition' }]);
    assert.deepEqual(pointers(refused({ nodes: {}, edges: 'x' })), [
      { code: 'malformed_definition', path: 'nodes' },
      { code: 'malformed_definition', path: 'edges' },
    ]);
    assert.deepEqual(pointers(refused(definition(['x', { type: 'action' }], [7]))), [
      { code: 'malformed_node', path: 'nodes[0]' },
      { code: 'malformed_node', path: 'nodes[1].id' },
      { code: 'malformed_edge', path: 'edges[0]' },
      { code: 'empty_workflow', path: 'nodes' },
    ]);
  });

  it('collects every problem in one pass', () => {
    const problems = refused(
      definition(
        [action('a', 'profile_visit'), action('b', 'teleport'), followup('m', { isConfigured: false, config: { message: '[nope]' } }), action('z', 'like_post')],
        [plain('e1', 'a', 'b', { delay: '3x' }), plain('e2', 'b', 'm'), plain('e3', 'm', 'ghost')],
      ),
    );
    assert.deepEqual(
      problems.map((p) => p.code),
      ['unknown_step_kind', 'unconfigured_node', 'unknown_template_variable', 'invalid_delay', 'edge_unknown_node', 'multiple_entry_nodes'],
    );
  });
});
