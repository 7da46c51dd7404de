/**
 * Every `code` a DefinitionProblem can carry, with what it means. Stable: the editor and API clients
 * branch on them. A test keeps this list and the codes the domain emits in sync.
 */
export const DEFINITION_PROBLEM_CODES = {
  malformed_definition: 'The definition is not an object with `nodes` and `edges` arrays.',
  malformed_node: 'A node is not an object, has no string id, or its data/config is not an object.',
  malformed_edge: 'An edge is not an object, or has no string id, source or target.',
  duplicate_node_id: 'Two nodes share an id; the later one is named.',
  duplicate_edge_id: 'Two edges share an id; the later one is named.',
  unknown_node_type: 'A node type other than `action` or `addStep`.',
  unknown_step_kind: 'An action node whose data.type is no known step kind or alias.',
  unconfigured_node: 'An action node saved with data.isConfigured false.',
  edge_unknown_node: 'An edge whose source or target is no node of the definition.',
  cycle: 'The steps loop (a self-loop or a longer cycle); the edge closing it is named.',
  empty_workflow: 'There is no action node.',
  no_entry_node: 'Every action node has an incoming edge, so nothing can start.',
  multiple_entry_nodes: 'More than one action node has no incoming edge; nodeIds lists them.',
  invalid_delay: 'An edge delay with a bad unit, a negative or non-numeric amount.',
  missing_config: 'A step setting the step cannot run without (a message, a webhook...).',
  invalid_config: 'A step setting of the wrong type or out of range.',
  unknown_template_variable: 'A [variable] in a template that is not one of the known variables.',
  note_too_long: 'A connection note that cannot fit LinkedIn’s 300 characters even with its variables empty.',
  missing_branch_side: 'A conditional edge leaving a connection request without a boolean isPositive.',
  duplicate_branch_edge: 'A second accepted (or not-accepted) edge leaving one connection request.',
  mixed_request_edges: 'A connection request with both branch edges and plain edges: when the plain ones run is ambiguous.',
  branch_mismatch: 'An edge’s isPositive or a node’s pathType disagrees with the branch that reaches it.',
  branch_without_connection_request: 'An accepted / not-accepted edge or node with no connection-request branch before it.',
  invalid_path_type: 'data.pathType other than `accepted` or `not-accepted`.',
} as const;

/** Codes that never refuse a definition; they come back as `warnings`. */
export const DEFINITION_WARNING_CODES = {
  delay_disagreement: 'The compact delay string disagrees with delayData; delayData was used.',
} as const;

export type DefinitionProblemCode = keyof typeof DEFINITION_PROBLEM_CODES;
export type DefinitionWarningCode = keyof typeof DEFINITION_WARNING_CODES;
