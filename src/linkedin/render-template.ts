/**
 * Renders the editor's square-bracket variables (`[first_name]`, case-insensitive). A stop-gap until the
 * canonical renderer in src/domain lands. An unknown variable throws (the editor's definition says it is a
 * validation error, not a blank); a known variable with no value renders empty. The user's text is
 * otherwise left exactly as written (only the ends are trimmed).
 */
export const TEMPLATE_VARIABLES = ['first_name', 'last_name', 'full_name', 'company', 'title'] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

export interface TemplateLead {
  firstName: string | null;
  lastName: string | null;
  fullName: string | null;
  company: string | null;
  title: string | null;
}

export class UnknownTemplateVariableError extends Error {
  constructor(readonly variable: string) {
    super(`unknown template variable [${variable}]`);
    this.name = 'UnknownTemplateVariableError';
  }
}

export function renderTemplate(template: string, lead: TemplateLead): string {
  const values: Record<TemplateVariable, string> = {
    first_name: lead.firstName?.trim() ?? '',
    last_name: lead.lastName?.trim() ?? '',
    full_name: (lead.fullName?.trim() || [lead.firstName, lead.lastName].filter(Boolean).join(' ')).trim(),
    company: lead.company?.trim() ?? '',
    title: lead.title?.trim() ?? '',
  };
  const out = template.replace(/\[([A-Za-z_ ]+)\]/g, (_m, name: string) => {
    const key = name.trim().toLowerCase().replace(/ /g, '_');
    if (!(TEMPLATE_VARIABLES as readonly string[]).includes(key)) throw new UnknownTemplateVariableError(name);
    return values[key as TemplateVariable];
  });
  return out.trim();
}
