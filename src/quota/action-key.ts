/**
 * The reservation key of a lead's step: `${campaignId}:${leadId}:${stepId}`, as the lead workflow
 * builds it. The reservation activity reads the campaign, lead and step back from it (a workflow
 * already running passes nothing else), and the invitation step finds its note reservation by it.
 */
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const KEY = new RegExp(`^(${UUID}):(${UUID}):(.+)$`, 'i');

export function leadActionKey(campaignId: string, leadId: string, stepId: string): string {
  return `${campaignId}:${leadId}:${stepId}`;
}

export function parseLeadActionKey(key: string): { campaignId: string; leadId: string; stepId: string } | null {
  const m = KEY.exec(key);
  return m ? { campaignId: m[1]!, leadId: m[2]!, stepId: m[3]! } : null;
}
