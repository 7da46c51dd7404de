// The workflow bundle's entry point: every workflow the worker runs, and nothing else.
export { CampaignOrchestratorWorkflow } from './campaign-orchestrator.workflow';
export { LeadOutreachWorkflow } from './lead-outreach.workflow';
export { SmokeWorkflow } from './smoke.workflow';
