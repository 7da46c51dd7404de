// The sequence builder's model (web/src/builder/model.ts) against the compiler: the shared examples go
// through it unchanged, and a sequence built with its edits compiles to the plan the engine would walk.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { compileWorkflowDefinition } from '../../src/domain/workflow-definition';
import { EXAMPLES } from '../../web/src/examples';
import { addStep, connect, loadDefinition, moveNode, positionOf, removeNode, saveDefinition, setConfig, setDelay, type Definition } from '../../web/src/builder/model';

const root = new URL('../../', import.meta.url);
const jsonBlocks = (path: URL): unknown[] =>
  existsSync(path) ? [...readFileSync(path, 'utf8').matchAll(/```json\n([\s\S]*?)```/g)].flatMap((m) => { try { return [JSON.parse(m[1]!)]; } catch { return []; } }) : [];

/** Every definition the project ships: examples/, the format docs (ours and the shared one), the dashboard's examples. */
const SAMPLES: Array<[string, unknown]> = [
  ...readdirSync(new URL('examples/', root)).filter((f) => f.endsWith('.json')).map((f): [string, unknown] => [`examples/${f}`, JSON.parse(readFileSync(new URL(`examples/${f}`, root), 'utf8'))]),
  ...jsonBlocks(new URL('docs/workflow-definition.md', root)).map((d, i): [string, unknown] => [`docs/workflow-definition.md #${i + 1}`, d]),
  ...jsonBlocks(new URL('../shared/workflow-definition.md', root)).map((d, i): [string, unknown] => [`shared/workflow-definition.md #${i + 1}`, d]),
  ...EXAMPLES.map((x): [string, unknown] => [`web examples ${x.id}`, x.definition]),
];

void describe('sequence builder model', () => {
  void it('finds the shared example definitions', () => {
    assert.ok(SAMPLES.length >= 5, SAMPLES.map(([n]) => n).join(', '));
    assert.ok(SAMPLES.some(([n]) => n.startsWith('examples/campaign-every-step')));
  });

  for (const [name, json] of SAMPLES) {
    void it(`round-trips ${name} unchanged (load, edit nothing, save)`, () => {
      const original = JSON.parse(JSON.stringify(json));
      const loaded = loadDefinition(json);
      // What the canvas sends back on load: every node "moved" to where it already is.
      let def = loaded;
      for (const n of def.nodes) def = moveNode(def, n.id, positionOf(n));
      assert.deepEqual(saveDefinition(def, loaded, new Date()), original);
      assert.deepEqual(json, original, 'loading does not touch the input');
    });
  }

  void it('keeps the style of what it edits: string positions and delays stay strings, unknown keys stay', () => {
    const def = loadDefinition({
      nodes: [{ id: 'a', type: 'action', position: { x: '10', y: '20' }, measured: { width: 250, height: 80 }, data: { type: 'profile_visit', config: { extra: 1 } } }],
      edges: [{ id: 'e', source: 'a', target: 'b', type: 'buttonedge', animated: true, data: { delay: '1d', delayData: { delay: '1', unit: 'd' } } }],
    });
    const moved = moveNode(def, 'a', { x: 30.4, y: 40 });
    assert.deepEqual(moved.nodes[0]!.position, { x: '30', y: '40' });
    assert.deepEqual(moved.nodes[0]!.measured, { width: 250, height: 80 });
    const delayed = setDelay(def, 'e', { amount: 3, unit: 'h' });
    assert.deepEqual(delayed.edges[0]!.data, { delay: '3h', delayData: { delay: '3', unit: 'h' } });
    assert.equal(delayed.edges[0]!.animated, true);
    assert.deepEqual(setDelay(def, 'e', null).edges[0]!.data, {});
    assert.deepEqual(setConfig(def, 'a', 'message', 'Hi').nodes[0]!.data!.config, { extra: 1, message: 'Hi' });
  });

  void it('builds visit → invite → accepted follow-up / not-accepted withdraw that compiles to the expected plan', () => {
    let def: Definition = loadDefinition(null);
    let now = 1_000;
    const add = (...args: Parameters<typeof addStep>) => {
      const r = addStep(...args);
      def = r.def;
      return r.id;
    };
    const visit = add(def, 'profile_visit', { now: now++ });
    const invite = add(def, 'send_connection_request', { after: visit, now: now++ });
    const thanks = add(def, 'send_followup', { after: invite, branch: 'accepted', now: now++ });
    const withdraw = add(def, 'withdraw_request', { after: invite, branch: 'not-accepted', now: now++ });
    const later = add(def, 'send_followup', { after: thanks, now: now++ });
    def = setConfig(def, invite, 'message', 'Hi [first_name|there]');
    def = setConfig(def, thanks, 'message', 'Thanks, [first_name|friend]!');
    def = setConfig(def, later, 'message', 'Any news at [company|your company]?');
    const edge = (from: string, to: string) => def.edges.find((e) => e.source === from && e.target === to)!.id;
    def = setDelay(def, edge(visit, invite), { amount: 2, unit: 'h' });
    def = setDelay(def, edge(invite, withdraw), { amount: 14, unit: 'd' });
    def = setDelay(def, edge(thanks, later), { amount: 3, unit: 'd' });
    assert.equal(def.nodes.find((n) => n.id === later)!.data!.pathType, 'accepted', 'a step added inside a branch is marked with it');

    const compiled = compileWorkflowDefinition(def);
    assert.ok(compiled.ok, JSON.stringify(!compiled.ok && compiled.problems));
    assert.equal(compiled.plan.entry, visit);
    assert.deepEqual(compiled.plan.steps[invite]!.acceptance, { windowMs: 14 * 86_400_000, hasNotAcceptedEdge: true });
    assert.deepEqual(
      compiled.plan.edges.map((e) => [e.from, e.to, e.delayMs, e.branch ?? null]),
      [
        [visit, invite, 2 * 3_600_000, null],
        [invite, thanks, 0, 'accepted'],
        [invite, withdraw, 0, 'not-accepted'],
        [thanks, later, 3 * 86_400_000, null],
      ],
    );
    assert.equal(compiled.plan.steps[thanks]!.kind, 'send_followup');

    // Removing the invitation takes its edges: the branch steps are then reported, not silently kept.
    const without = compileWorkflowDefinition(removeNode(def, invite));
    assert.ok(!without.ok);
    assert.ok(without.problems.some((p) => p.code === 'multiple_entry_nodes'));
  });

  void it('refuses an edge that would close a loop or repeat one', () => {
    let def = loadDefinition(null);
    const a = addStep(def, 'profile_visit', { now: 1 });
    const b = addStep(a.def, 'like_post', { after: a.id, now: 2 });
    def = b.def;
    assert.equal(connect(def, a.id, b.id, { now: 3 }), null, 'already connected');
    assert.equal(connect(def, b.id, b.id, { now: 3 }), null, 'to itself');
    const back = connect(def, b.id, a.id, { now: 3 });
    assert.ok(back, 'the model leaves loops to the compiler, which names the edge');
    const compiled = compileWorkflowDefinition(back);
    assert.ok(!compiled.ok && compiled.problems.some((p) => p.code === 'cycle'));
  });
});
