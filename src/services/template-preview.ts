/**
 * A message template rendered for one lead of a list, the way the step would send it: the lead's stored
 * values (leadTemplateValues, the same reading the activities do) through the engine's renderer. The
 * sequence builder shows it as you type; a missing value without a fallback is reported the way the
 * step would skip (`missing_variable`), an unknown variable the way save refuses it.
 */
import type { Db } from '../db/connection';
import { findLead, listLeads } from '../db/repositories/lead.repository';
import { findLeadList } from '../db/repositories/lead-list.repository';
import type { Lead } from '../db/schema';
import { MissingTemplateVariableError, UnknownTemplateVariableError, renderTemplate, textLength, type TemplateLead } from '../domain/templates';
import { stepDefinition } from '../domain/steps/registry';
import { CONNECTION_NOTE_LIMIT } from '../domain/steps/send-connection-request.step';
import type { StepKind } from '../domain/workflow-definition/plan';
import { NotFoundError } from '../errors';

/** The template values a lead row holds: its columns, and the headline a profile visit kept. */
export function leadTemplateValues(row: Pick<Lead, 'first_name' | 'last_name' | 'full_name' | 'company' | 'title' | 'enrichment_data'>): TemplateLead {
  const profile = (row.enrichment_data as { profile?: { headline?: unknown } } | null | undefined)?.profile;
  return {
    firstName: row.first_name,
    lastName: row.last_name,
    fullName: row.full_name,
    company: row.company,
    title: row.title,
    headline: typeof profile?.headline === 'string' ? profile.headline : null,
  };
}

export interface TemplatePreviewInput {
  organizationId: string;
  template: string;
  leadListId: string;
  /** A lead of the list; the list's first lead when absent. */
  leadId?: string;
  /** The step the text belongs to: a connection note over LinkedIn's limit is sent without the note. */
  stepKind?: StepKind;
}

export interface TemplatePreview {
  lead: { id: string; name: string | null; values: TemplateLead } | null;
  /** What the lead would receive; null when the step would not send it (see problem). */
  text: string | null;
  length: number | null;
  /** The step's character limit, when it has one (connection notes). */
  limit: number | null;
  problem: { code: 'missing_variable' | 'unknown_template_variable' | 'note_too_long' | 'no_leads'; message: string } | null;
}

export async function previewTemplate(db: Db, input: TemplatePreviewInput): Promise<TemplatePreview> {
  if (!(await findLeadList(db, input.organizationId, input.leadListId))) throw new NotFoundError('lead_list', input.leadListId);
  let row: Lead | undefined;
  if (input.leadId !== undefined) {
    row = await findLead(db, input.organizationId, input.leadId);
    if (!row || row.lead_list_id !== input.leadListId) throw new NotFoundError('lead', input.leadId);
  } else {
    row = (await listLeads(db, input.organizationId, input.leadListId, { limit: 1 }))[0];
  }
  const limit = input.stepKind && stepDefinition(input.stepKind).decidesAcceptanceBranch ? CONNECTION_NOTE_LIMIT : null;
  if (!row) return { lead: null, text: null, length: null, limit, problem: { code: 'no_leads', message: 'the list has no leads yet' } };
  const values = leadTemplateValues(row);
  const lead = { id: row.id, name: row.full_name ?? ([row.first_name, row.last_name].filter(Boolean).join(' ') || null), values };
  try {
    const text = renderTemplate(input.template, values);
    const length = textLength(text);
    if (limit !== null && length > limit) {
      return { lead, text, length, limit, problem: { code: 'note_too_long', message: `${length} characters for this lead: over LinkedIn's ${limit}, the invitation goes without the note` } };
    }
    return { lead, text, length, limit, problem: null };
  } catch (err) {
    if (err instanceof MissingTemplateVariableError) return { lead, text: null, length: null, limit, problem: { code: 'missing_variable', message: `the step is skipped for this lead: ${err.message}` } };
    if (err instanceof UnknownTemplateVariableError) return { lead, text: null, length: null, limit, problem: { code: 'unknown_template_variable', message: err.message } };
    throw err;
  }
}
