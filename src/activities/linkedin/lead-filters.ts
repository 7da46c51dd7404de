/**
 * The campaign's own lead filters, checked before each step with the organization-wide ones
 * (do-not-contact, one voice); both skips end the lead (stop reasons):
 * - `skip_contacted_within_days`: a person another campaign of the organization invited or messaged in
 *   the last N days (contacted_recently);
 * - `skip_connected_leads`: a person already connected to the sender (already_connected_to_sender),
 *   asked of LinkedIn only until this campaign invited or messaged the lead (after its own accepted
 *   invitation the lead is connected, and must go on).
 */
import type { Db } from '../../db/connection';
import type { StepActivityInput, StepOutcome } from '../../domain/step-outcome';
import { leadProfileIdentifier } from '../../linkedin/identifiers';
import type { LedgerTables } from '../../linkedin/ledger.schema';
import { alreadyDoneForPerson } from '../../linkedin/ledger';
import type { StepContext } from './context';

const DAY_MS = 86_400_000;
const CONTACT_KINDS = ['invitation', 'message', 'inmail'];

type Skip = Extract<StepOutcome, { status: 'skipped' }>;

export interface CampaignFilters {
  skipContactedWithinDays: number | null;
  skipConnectedLeads: boolean;
  /** The lead's provider id as stored now (a profile read may have resolved it since the snapshot). */
  providerId: string | null;
  /** The campaign's status as read with the filters, just before the step's LinkedIn call. */
  campaignStatus: string | undefined;
}

export async function loadCampaignFilters(db: Db, input: StepActivityInput): Promise<CampaignFilters> {
  const row = await db
    .selectFrom('campaigns as c')
    .leftJoin('leads as l', (j) =>
      j.on('l.id', '=', input.lead.id).onRef('l.organization_id', '=', 'c.organization_id'),
    )
    .select(['c.status', 'c.skip_contacted_within_days', 'c.skip_connected_leads', 'l.provider_id'])
    .where('c.id', '=', input.campaignId)
    .where('c.organization_id', '=', input.organizationId)
    .executeTakeFirst();
  return {
    campaignStatus: row?.status,
    skipContactedWithinDays: row?.skip_contacted_within_days ?? null,
    skipConnectedLeads: row?.skip_connected_leads ?? false,
    providerId: row?.provider_id ?? input.lead.providerId,
  };
}

/** Matched on the provider id, known once a profile read resolved it: the writes are what this guards. */
export async function contactedRecentlySkip(
  db: Db,
  input: StepActivityInput,
  filters: CampaignFilters,
  now: Date,
): Promise<Skip | null> {
  if (!filters.skipContactedWithinDays || !filters.providerId) return null;
  const earlier = await alreadyDoneForPerson(db, {
    organizationId: input.organizationId,
    providerId: filters.providerId,
    kind: CONTACT_KINDS,
    exceptCampaignId: input.campaignId,
    since: new Date(now.getTime() - filters.skipContactedWithinDays * DAY_MS),
  });
  return earlier
    ? {
        status: 'skipped',
        reason: 'contacted_recently',
        detail: { campaignId: earlier.campaign_id, at: earlier.created_at.toISOString() },
      }
    : null;
}

export async function connectedToSenderSkip(
  ctx: StepContext,
  filters: CampaignFilters,
): Promise<Skip | null> {
  if (!filters.skipConnectedLeads || !ctx.account) return null;
  const contacted = await ctx.deps.db
    .withTables<LedgerTables>()
    .selectFrom('linkedin_actions')
    .select('id')
    .where('campaign_id', '=', ctx.input.campaignId)
    .where('lead_id', '=', ctx.input.lead.id)
    .where('kind', 'in', CONTACT_KINDS)
    .where('status', '=', 'succeeded')
    .limit(1)
    .executeTakeFirst();
  if (contacted) return null;
  const identifier = filters.providerId ?? leadProfileIdentifier(ctx.input.lead);
  if (!identifier) return null;
  const profile = await ctx.deps.unipile.users.getProfile(
    { account_id: ctx.unipileAccountId, identifier },
    ctx.call,
  );
  await ctx.rememberProviderId(profile.provider_id);
  return profile.network_distance === 'FIRST_DEGREE' || profile.is_relationship
    ? {
        status: 'skipped',
        reason: 'already_connected_to_sender',
        detail: { providerId: profile.provider_id },
      }
    : null;
}
