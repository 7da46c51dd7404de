/** What a LinkedIn step activity returns. Failures are thrown (typed ApplicationFailures), never returned. */
export type StepOutcome =
  | { status: 'done'; detail: Record<string, unknown> }
  /** The step could not apply to this lead (already connected, blocked recipient...): recorded, the lead goes on. */
  | { status: 'skipped'; reason: string; detail?: Record<string, unknown> };

/**
 * Skip reasons that end the lead rather than the step: reading the conversation before a message showed
 * that the lead replied, or that a person wrote from the sender account (a human took over); the lead
 * is on the organization's do-not-contact list; another campaign of the organization works this person,
 * or contacted them within the campaign's `skipContactedWithinDays`; the campaign skips leads already
 * connected to its sender (`skipConnectedLeads`).
 */
export const CONVERSATION_STOP_REASONS: readonly string[] = ['replied', 'human_took_over', 'do_not_contact', 'in_another_campaign', 'contacted_recently', 'already_connected_to_sender'];

/** Where a stopped lead was, so starting the campaign again resumes instead of rewinding its waits. */
export interface LeadResume {
  /** The connection request was accepted before the stop: no new acceptance window. */
  accepted?: boolean;
  /** Waits interrupted by the stop, by key (`edge:<edgeId>`, `accept:<stepId>`): ms that were left. */
  waits?: Record<string, number>;
}

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
