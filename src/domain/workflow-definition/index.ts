/** The public API of the campaign language: compile the editor's JSON, read the plan. */
export { compileWorkflowDefinition, planStepOrder, summarizePlan, MAX_DEFINITION_ITEMS, type PlanSummary } from './compile';
export {
  DEFAULT_ACCEPTANCE_WINDOW_MS,
  STEP_KINDS,
  type BranchPath,
  type CampaignPlan,
  type CompileResult,
  type DefinitionProblem,
  type PlanEdge,
  type PlanStep,
  type StepKind,
} from './plan';
export { DEFINITION_PROBLEM_CODES, DEFINITION_WARNING_CODES, type DefinitionProblemCode, type DefinitionWarningCode } from './problem-codes';
export { parseEdgeDelay, formatDuration, DELAY_UNITS, type DelayUnit, type EdgeDelayResult } from '../delay';
export {
  findTemplateVariables,
  validateTemplate,
  renderTemplate,
  templateFitsLimit,
  textLength,
  TEMPLATE_VARIABLES,
  UnknownTemplateVariableError,
  type TemplateFit,
  type TemplateLead,
  type TemplateVariable,
  type TemplateVariableUse,
} from '../templates';
export {
  isLinkedInWrite,
  resolveStepKind,
  stepDefinition,
  STEP_DEFINITIONS,
  QUOTA_KINDS,
  STEP_ACTIVITY_TYPES,
  type QuotaKind,
  type StepActivityType,
  type StepDefinition,
} from '../steps/registry';
export { readText, readPositiveInt } from '../steps/config-checks';
export { CONNECTION_NOTE_KEYS, CONNECTION_NOTE_LIMIT } from '../steps/send-connection-request.step';
export { MESSAGE_KEYS } from '../steps/send-followup.step';
