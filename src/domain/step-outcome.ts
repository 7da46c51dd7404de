/** What a LinkedIn step activity returns. Failures are thrown (typed ApplicationFailures), never returned. */
export type StepOutcome =
  | { status: 'done'; detail: Record<string, unknown> }
  /** The step could not apply to this lead (already connected, blocked recipient...): recorded, the lead goes on. */
  | { status: 'skipped'; reason: string; detail?: Record<string, unknown> };

/** What the lead workflow knows about its lead; passed to every step activity. */
export interface LeadSnapshot {
  id: string;
  firstName: string | null;
  lastName: string | null;
  fullName: string | null;
  company: string | null;
  title: string | null;
  email: string | null;
  linkedinUrl: string | null;
  linkedinId: string | null;
  /** LinkedIn provider id (ACo...) when already known. */
  providerId: string | null;
}

/** The input of every LinkedIn step activity: one object, so it can grow. */
export interface StepActivityInput {
  organizationId: string;
  campaignId: string;
  /** The connected_accounts row id (ours); the activity resolves the Unipile account id. */
  accountId: string;
  stepId: string;
  config: Record<string, unknown>;
  lead: LeadSnapshot;
}
