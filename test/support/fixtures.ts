import type { Db } from '../../src/db/connection';
import type { ExecutionData } from '../../src/domain/timeline';
import { replaceCampaignSenders } from '../../src/db/repositories/campaign-sender.repository';
import type { SandboxControl } from '../../src/linkedin/sandbox/server';
import { updateAccountSettings } from '../../src/quota/quota.repository';

/** The example flow of shared/workflow-definition.md, as the editor saves it. */
export function exampleDefinition(overrides: { acceptDelay?: string; windowDays?: number; firstDelay?: string } = {}) {
  const windowDays = overrides.windowDays ?? 14;
  return {
    nodes: [
      { id: 'visit-1', type: 'action', position: { x: 0, y: 0 }, data: { type: 'profile_visit', label: 'Visit Profile', isConfigured: true, config: {} } },
      {
        id: 'invite-2',
        type: 'action',
        position: { x: 0, y: 150 },
        data: { type: 'send_invite', label: 'Connection Request', isConfigured: true, config: { message: 'Hi [first_name], glad to connect.' } },
      },
      {
        id: 'msg-3',
        type: 'action',
        position: { x: 200, y: 300 },
        data: { type: 'send_followup', label: 'Send Message', isConfigured: true, pathType: 'accepted', config: { message: 'Thanks for connecting, [first_name]!' } },
      },
      {
        id: 'withdraw-4',
        type: 'action',
        position: { x: -200, y: 300 },
        data: { type: 'withdraw_request', label: 'Withdraw Request', isConfigured: true, pathType: 'not-accepted', config: {} },
      },
      { id: 'add-5', type: 'addStep', position: { x: 200, y: 450 }, data: { pathType: 'accepted' } },
    ],
    edges: [
      { id: 'e1', source: 'visit-1', target: 'invite-2', type: 'buttonedge', data: { delay: overrides.firstDelay ?? '1h', delayData: { delay: overrides.firstDelay ? parseInt(overrides.firstDelay, 10) : 1, unit: overrides.firstDelay ? overrides.firstDelay.slice(-1) : 'h' } } },
      { id: 'e2', source: 'invite-2', target: 'msg-3', type: 'conditional', data: { delay: overrides.acceptDelay ?? '1d', delayData: { delay: 1, unit: 'd' }, isPositive: true, isConditionalPath: true } },
      { id: 'e3', source: 'invite-2', target: 'withdraw-4', type: 'conditional', data: { delay: `${windowDays}d`, delayData: { delay: windowDays, unit: 'd' }, isPositive: false, isConditionalPath: true } },
      { id: 'e4', source: 'msg-3', target: 'add-5', type: 'buttonedge', data: {} },
    ],
    timestamp: '2026-11-25T10:00:00.000Z',
  };
}

/** visit → like → message-less flow with no waits: fast campaigns for scale and fault tests. */
export function quickDefinition() {
  return {
    nodes: [
      { id: 'visit', type: 'action', position: { x: 0, y: 0 }, data: { type: 'profile_visit', label: 'Visit', isConfigured: true, config: {} } },
      { id: 'invite', type: 'action', position: { x: 0, y: 100 }, data: { type: 'send_connection_request', label: 'Invite', isConfigured: true, config: { message: 'Hello [first_name]' } } },
    ],
    edges: [{ id: 'e1', source: 'visit', target: 'invite', type: 'buttonedge', data: {} }],
    timestamp: '2026-11-25T10:00:00.000Z',
  };
}

/** One configured action node of a workflow definition, as the editor saves it. */
export const stepNode = (id: string, type: string, config: Record<string, unknown> = {}) => ({
  id,
  type: 'action',
  position: { x: 0, y: 0 },
  data: { type, label: id, isConfigured: true, config },
});

/** An edge, with an optional delay (`4s`, `2d`...). */
export const stepEdge = (id: string, source: string, target: string, delay?: string) => ({
  id,
  source,
  target,
  type: 'buttonedge',
  data: delay ? { delay, delayData: { delay: parseInt(delay, 10), unit: delay.slice(-1) } } : {},
});

/** A chain of steps, with `delay` on every edge. */
export function stepChain(steps: Array<ReturnType<typeof stepNode>>, delay?: string) {
  return { nodes: steps, edges: steps.slice(1).map((s, i) => stepEdge(`e${i + 1}`, steps[i]!.id, s.id, delay)), timestamp: '2026-12-02T05:00:00.000Z' };
}

/** A lead's execution row in a campaign and its timeline data (throws when there is none yet). */
export async function leadExecution(db: Db, campaignId: string, leadId: string) {
  const row = await db.selectFrom('campaign_executions').selectAll().where('campaign_id', '=', campaignId).where('lead_id', '=', leadId).executeTakeFirstOrThrow();
  return { row, data: row.execution_data as unknown as ExecutionData };
}

export interface Seeded {
  organizationId: string;
  accountId: string;
  leadListId: string;
  campaignId: string;
  leadIds: string[];
  slugs: string[];
}

/**
 * An organization with a connected sender account (its Unipile id = the sandbox account id), a lead
 * list of `leads` people, and a draft campaign. The account acts 24/7 with no spacing and no spreading
 * over the window unless told.
 */
export async function seedCampaign(
  db: Db,
  opts: {
    unipileAccountId: string;
    definition: unknown;
    leads: number;
    slugPrefix?: string;
    leadsPerDay?: number | null;
    schedule?: unknown;
    quota?: Parameters<typeof updateAccountSettings>[2];
    organizationId?: string;
    accountId?: string;
  },
): Promise<Seeded> {
  // A Unipile account belongs to one organization (a unique index): later seeds on the same sandbox
  // account get a new campaign in the organization that holds it.
  const holder = opts.accountId
    ? undefined
    : await db.selectFrom('connected_accounts').select(['id', 'organization_id']).where('provider_account_id', '=', opts.unipileAccountId).executeTakeFirst();
  if (holder && opts.organizationId && holder.organization_id !== opts.organizationId) {
    throw new Error(`seedCampaign: Unipile account ${opts.unipileAccountId} belongs to another organization`);
  }
  const organizationId =
    opts.organizationId ?? holder?.organization_id ?? (await db.insertInto('organizations').values({ name: 'Acme' }).returning('id').executeTakeFirstOrThrow()).id;
  const accountId =
    opts.accountId ??
    holder?.id ??
    (
      await db
        .insertInto('connected_accounts')
        .values({ organization_id: organizationId, provider_account_id: opts.unipileAccountId, display_name: 'Sender', capabilities: '{}' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  if (!opts.accountId) {
    await updateAccountSettings(
      db,
      accountId,
      opts.quota ?? {
        timezone: 'UTC',
        workingHours: { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' },
        minGapSeconds: 0,
        jitterSeconds: 0,
        warmup: { days: 0, startPercent: 100 },
        limits: Object.fromEntries(['invitation', 'profile_visit', 'message', 'inmail', 'comment', 'reaction', 'withdrawal'].map((k) => [k, { daily: 100000, weekly: null }])),
        // No limits to speak of: spreading 100,000 a day over the day would only slow the engine tests.
        safety: { spreadOverWindow: false },
      },
    );
  }
  const list = await db
    .insertInto('lead_lists')
    .values({ organization_id: organizationId, name: 'Prospects', description: null, total_leads: opts.leads })
    .returning('id')
    .executeTakeFirstOrThrow();
  const prefix = opts.slugPrefix ?? 'lead';
  const slugs = Array.from({ length: opts.leads }, (_, i) => `${prefix}-${i + 1}`);
  const leadIds: string[] = [];
  for (let i = 0; i < slugs.length; i += 1000) {
    const rows = await db
      .insertInto('leads')
      .values(
        slugs.slice(i, i + 1000).map((slug, j) => ({
          organization_id: organizationId,
          lead_list_id: list.id,
          first_name: `First${i + j + 1}`,
          last_name: `Last${i + j + 1}`,
          full_name: `First${i + j + 1} Last${i + j + 1}`,
          company: 'Globex',
          linkedin_url: `https://www.linkedin.com/in/${slug}/`,
          enrichment_data: '{}',
        })),
      )
      .returning('id')
      .execute();
    leadIds.push(...rows.map((r) => r.id));
  }
  const campaign = await db
    .insertInto('campaigns')
    .values({
      organization_id: organizationId,
      name: 'Campaign',
      description: null,
      prospect_list: list.id,
      sender_account: accountId,
      workflow_definition: JSON.stringify(opts.definition),
      schedule: opts.schedule === undefined ? null : JSON.stringify(opts.schedule),
      leads_per_day: opts.leadsPerDay ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { organizationId, accountId, leadListId: list.id, campaignId: campaign.id, leadIds, slugs };
}

const QUOTA_KINDS = ['invitation', 'profile_visit', 'message', 'inmail', 'comment', 'reaction', 'withdrawal'];

/**
 * A campaign (seedCampaign) whose sender pool is its own account plus one new sandbox account per further
 * entry of `invitationLimits`: every sender acts at any hour with no spacing, its daily invitation limit
 * from the list, every other kind unlimited; or, with `settings`, sender i's settings are `settings(i)`.
 */
export async function seedPoolCampaign(
  db: Db,
  control: SandboxControl,
  opts: {
    unipileAccountId: string;
    leads: number;
    slugPrefix: string;
    invitationLimits: number[];
    definition?: unknown;
    settings?: (i: number) => Parameters<typeof updateAccountSettings>[2];
  },
): Promise<{ seeded: Seeded; senders: Array<{ accountId: string; unipileId: string }> }> {
  const seeded = await seedCampaign(db, { unipileAccountId: opts.unipileAccountId, definition: opts.definition ?? quickDefinition(), leads: opts.leads, slugPrefix: opts.slugPrefix });
  const senders = [{ accountId: seeded.accountId, unipileId: opts.unipileAccountId }];
  for (let i = 1; i < opts.invitationLimits.length; i++) {
    const unipileId = control.createAccount({ name: `Sender ${i}` }).id;
    const row = await db
      .insertInto('connected_accounts')
      .values({ organization_id: seeded.organizationId, provider_account_id: unipileId, display_name: `Sender ${i}`, capabilities: '{}' })
      .returning('id')
      .executeTakeFirstOrThrow();
    senders.push({ accountId: row.id, unipileId });
  }
  for (const [i, s] of senders.entries()) {
    await updateAccountSettings(db, s.accountId, opts.settings?.(i) ?? {
      timezone: 'UTC',
      workingHours: { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' },
      minGapSeconds: 0,
      jitterSeconds: 0,
      warmup: { days: 0, startPercent: 100 },
      limits: Object.fromEntries(QUOTA_KINDS.map((k) => [k, { daily: k === 'invitation' ? opts.invitationLimits[i]! : 100_000, weekly: null }])),
      safety: { spreadOverWindow: false },
    });
  }
  await replaceCampaignSenders(db, seeded.campaignId, senders.map((s) => s.accountId));
  return { seeded, senders };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 60_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
