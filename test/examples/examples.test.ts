/**
 * The files in examples/ are what a new user copies: they must compile with the real compiler (the one the
 * API runs on save) and show what they claim (every step kind; both branches of a connection request).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compileWorkflowDefinition, DEFINITION_PROBLEM_CODES, DEFINITION_WARNING_CODES, STEP_KINDS, TEMPLATE_VARIABLES } from '../../src/domain/workflow-definition';
import { STEP_DEFINITIONS } from '../../src/domain/steps/registry';

const read = (name: string) => JSON.parse(readFileSync(new URL(`../../examples/${name}`, import.meta.url), 'utf8')) as unknown;

void describe('examples/', () => {
  void it('campaign-every-step.json compiles without warnings, has every step kind and both branches', () => {
    const result = compileWorkflowDefinition(read('campaign-every-step.json'));
    assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
    assert.deepEqual(result.warnings ?? [], []);
    const kinds = new Set(Object.values(result.plan.steps).map((s) => s.kind));
    assert.deepEqual([...STEP_KINDS].filter((k) => !kinds.has(k)), [], 'step kinds missing from the example');
    assert.deepEqual(result.plan.edges.filter((e) => e.branch).map((e) => e.branch).sort(), ['accepted', 'not-accepted']);
    assert.equal(result.plan.steps['invite-4']!.acceptance!.windowMs, 14 * 86_400_000, 'the not-accepted edge is the acceptance window');
  });

  void it('campaign-branches.json (the walkthrough) compiles: a 1 minute acceptance window, accepted → follow-up, not accepted → withdraw', () => {
    const result = compileWorkflowDefinition(read('campaign-branches.json'));
    assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
    assert.deepEqual(result.warnings ?? [], []);
    assert.deepEqual(result.plan.steps['invite-2']!.acceptance, { windowMs: 60_000, hasNotAcceptedEdge: true });
    assert.deepEqual(
      result.plan.edges.filter((e) => e.branch).map((e) => [e.branch, e.to]),
      [
        ['accepted', 'followup-3'],
        ['not-accepted', 'withdraw-4'],
      ],
    );
  });

  void it('docs/workflow-definition.md names every step kind and alias, template variable and problem code', () => {
    const doc = readFileSync(new URL('../../docs/workflow-definition.md', import.meta.url), 'utf8');
    const names = [
      ...STEP_DEFINITIONS.flatMap((s) => [s.kind, ...s.aliases]),
      ...TEMPLATE_VARIABLES.map((v) => `[${v}]`),
      ...Object.keys(DEFINITION_PROBLEM_CODES),
      ...Object.keys(DEFINITION_WARNING_CODES),
    ];
    assert.deepEqual(names.filter((n) => !doc.includes(`\`${n}\``)), []);
  });
});
