/**
 * What the sequence builder asks while you edit: is this step graph valid (the same compiler as save,
 * every problem with the node or edge it names), and what would this template say to a lead of the list
 * (the engine's renderer on the lead's stored values). Neither writes anything.
 */
import { Type } from '@fastify/type-provider-typebox';
import { STEP_KINDS } from '../../domain/workflow-definition/plan';
import { previewTemplate } from '../../services/template-preview';
import type { ApiApp, ApiDeps } from '../app';
import { organizationOf } from '../auth';
import { Uuid, responses } from '../schemas/common';

const DefinitionProblem = Type.Object(
  {
    code: Type.String({ description: 'Stable code: src/domain/workflow-definition/problem-codes.ts' }),
    message: Type.String(),
    nodeId: Type.Optional(Type.String({ description: 'The node the problem is on' })),
    edgeId: Type.Optional(Type.String({ description: 'The edge the problem is on' })),
    path: Type.Optional(Type.String({ description: 'JSON path into the definition, e.g. nodes[2].data.config.message' })),
    nodeIds: Type.Optional(Type.Array(Type.String(), { description: 'Every node involved (a cycle, the entry nodes)' })),
  },
  { additionalProperties: false },
);

const ValidateBody = Type.Object(
  {
    definition: Type.Unknown({
      description: 'The step graph as the editor saves it ({ nodes, edges, timestamp }); anything else is reported as a problem, not refused',
    }),
  },
  { additionalProperties: false },
);

const ValidateResult = Type.Object({
  valid: Type.Boolean({ description: 'Whether saving this definition would be accepted' }),
  problems: Type.Array(DefinitionProblem, { description: 'What refuses the definition (empty when valid)' }),
  warnings: Type.Array(DefinitionProblem, { description: 'Accepted but worth showing (a delay string that disagrees with delayData...)' }),
});

const TemplateValues = Type.Object({
  firstName: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  lastName: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  fullName: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  company: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  title: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  headline: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});

const PreviewBody = Type.Object(
  {
    template: Type.String({ maxLength: 10_000, description: 'The text with its [variables], as the step config holds it' }),
    leadListId: Uuid,
    leadId: Type.Optional(Type.String({ format: 'uuid', description: 'A lead of the list; its first lead when absent' })),
    stepKind: Type.Optional(Type.Enum(STEP_KINDS, { description: 'The step the text is for: a connection note has a 300-character limit' })),
  },
  { additionalProperties: false },
);

const PreviewResult = Type.Object({
  lead: Type.Union([Type.Object({ id: Uuid, name: Type.Union([Type.String(), Type.Null()]), values: TemplateValues }), Type.Null()]),
  text: Type.Union([Type.String(), Type.Null()], { description: 'What the lead would receive; null when the step would not send it' }),
  length: Type.Union([Type.Integer(), Type.Null()]),
  limit: Type.Union([Type.Integer(), Type.Null()], { description: "The step's character limit, when it has one" }),
  problem: Type.Union([
    Type.Object({
      code: Type.Enum(['missing_variable', 'unknown_template_variable', 'note_too_long', 'no_leads']),
      message: Type.String(),
    }),
    Type.Null(),
  ]),
});

export function registerWorkflowDefinitionRoutes(app: ApiApp, deps: Pick<ApiDeps, 'db' | 'compileDefinition'>): void {
  const tags = ['workflow definitions'];

  app.post(
    '/api/workflow-definitions/validate',
    {
      schema: {
        tags,
        summary: 'Compile a step graph as save would, without saving: every problem with the node or edge it names, and the warnings',
        body: ValidateBody,
        response: responses({ 200: ValidateResult }),
      },
    },
    (request) => {
      organizationOf(request);
      const compiled = deps.compileDefinition(request.body.definition);
      return compiled.ok ? { valid: true, problems: [], warnings: compiled.warnings ?? [] } : { valid: false, problems: compiled.problems, warnings: [] };
    },
  );

  app.post(
    '/api/templates/preview',
    {
      schema: {
        tags,
        summary: 'A message template rendered for a lead of a list by the renderer the steps use (a missing value without fallback: the step would skip)',
        body: PreviewBody,
        response: responses({ 200: PreviewResult }, 404),
      },
    },
    async (request) => previewTemplate(deps.db, { organizationId: organizationOf(request), ...request.body }),
  );
}
