/**
 * The compiled form of a campaign's step graph: what the editor saved, validated and reduced to what
 * the engine needs. The lead workflow walks a CampaignPlan; it never sees editor JSON.
 * Pure data (JSON-serialisable), sandbox-safe.
 */

export const STEP_KINDS = [
  'profile_visit',
  'like_post',
  'comment_post',
  'send_connection_request',
  'send_followup',
  'send_inmail',
  'withdraw_request',
  'webhook',
] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export type BranchPath = 'accepted' | 'not-accepted';

export interface PlanStep {
  /** The editor's node id. */
  id: string;
  /** Canonical kind: aliases (`send_invite`, `send_message`, `notify_webhook`...) are resolved. */
  kind: StepKind;
  label: string;
  /** The editor's config, unknown keys kept. */
  config: Record<string, unknown>;
  /**
   * Only on connection-request steps: how long to wait for acceptance before taking the
   * not-accepted edge (its delay), or ending the lead when there is none (the default window).
   */
  acceptance?: { windowMs: number; hasNotAcceptedEdge: boolean };
}

export interface PlanEdge {
  id: string;
  from: string;
  to: string;
  /** Wait this long after `from` finishes before running `to` (for the not-accepted edge: see PlanStep.acceptance). */
  delayMs: number;
  /** Set only on the conditional edges leaving a connection-request step: they decide the branch. */
  branch?: BranchPath;
}

export interface CampaignPlan {
  version: 1;
  entry: string;
  /** Keyed by step id; `addStep` placeholders are gone. */
  steps: Record<string, PlanStep>;
  edges: PlanEdge[];
}

/** An earlier version of this product waited 10 days for acceptance when no not-accepted edge was drawn. */
export const DEFAULT_ACCEPTANCE_WINDOW_MS = 10 * 24 * 60 * 60 * 1000;

/** A validation problem, pointing at the node or edge that causes it. */
export interface DefinitionProblem {
  /** Stable code, e.g. `cycle`, `multiple_entry_nodes`, `unknown_step_kind`, `unknown_template_variable`. */
  code: string;
  message: string;
  nodeId?: string;
  edgeId?: string;
  /** JSON path into the submitted definition, e.g. `nodes[2].data.config.message`. */
  path?: string;
  /** Every node involved when there are several: the nodes on a cycle, all the entry nodes. */
  nodeIds?: string[];
}

export type CompileResult =
  | {
      ok: true;
      plan: CampaignPlan;
      /** Accepted but worth showing (a compact delay that disagrees with delayData...). */
      warnings?: DefinitionProblem[];
    }
  | { ok: false; problems: DefinitionProblem[] };
