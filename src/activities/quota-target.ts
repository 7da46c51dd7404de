/**
 * What a reservation needs to know beyond the kind, read on the activity side so the lead workflow
 * (which passes only account, kind and key) stays as it is: the invitation's target and note policy,
 * the account's LinkedIn type, and the withdrawal of stale pending invitations at the pending cap.
 */
import type { Db } from '../db/connection';
import { compileWorkflowDefinition } from '../domain/workflow-definition/compile';
import { CONNECTION_NOTE_KEYS } from '../domain/steps/send-connection-request.step';
import { idempotencyKey, performWrite } from '../linkedin/ledger';
import { UnipileError, classifyUnipileError, writeMayHaveHappened } from '../linkedin/errors';
import type { UnipileClient } from '../linkedin/unipile.client';
import type { Logger } from '../logger';
import { parseLeadActionKey } from '../quota/action-key';
import type { InvitationTarget } from '../quota/quota.repository';
import { accountTypeStale, recordAccountType, recordAccountTypeCheckFailed, resolveInvitation, stalePendingInvitations } from '../quota/sender-safety';

export interface QuotaTargetDeps {
  db: Db;
  unipile: UnipileClient;
  logger: Logger;
}

/** Campaign id → step id → step config; campaigns do not change their steps while they run. */
const stepConfigs = new Map<string, Map<string, Record<string, unknown>>>();
const CACHE_MAX = 500;

async function stepConfig(db: Db, campaignId: string, stepId: string): Promise<Record<string, unknown> | null> {
  let steps = stepConfigs.get(campaignId);
  if (!steps) {
    const row = await db.selectFrom('campaigns').select('workflow_definition').where('id', '=', campaignId).executeTakeFirst();
    const compiled = row ? compileWorkflowDefinition(row.workflow_definition) : null;
    steps = new Map(compiled?.ok ? Object.values(compiled.plan.steps).map((s) => [s.id, s.config] as const) : []);
    if (stepConfigs.size >= CACHE_MAX) stepConfigs.delete(stepConfigs.keys().next().value!);
    stepConfigs.set(campaignId, steps);
  }
  return steps.get(stepId) ?? null;
}

/** The step's `noteOverBudget` setting: 'wait' holds the invitation until the note budget has room; anything else drops the note. */
export function notePolicyOf(config: Record<string, unknown> | null): 'drop' | 'wait' {
  return config?.noteOverBudget === 'wait' ? 'wait' : 'drop';
}

/** The invitation a lead's reservation key stands for; undefined for keys that are not a lead's step. */
export async function invitationTarget(db: Db, key: string): Promise<InvitationTarget | undefined> {
  const action = parseLeadActionKey(key);
  if (!action) return undefined;
  const lead = await db.selectFrom('leads').select('provider_id').where('id', '=', action.leadId).executeTakeFirst();
  const config = await stepConfig(db, action.campaignId, action.stepId);
  const withNote = CONNECTION_NOTE_KEYS.some((k) => typeof config?.[k] === 'string' && (config[k]).trim() !== '');
  return { providerId: lead?.provider_id ?? null, withNote, notePolicy: notePolicyOf(config) };
}

/** Reads the account's type from Unipile when it is unknown or a day old; a failure keeps what is stored. */
export async function refreshAccountType(deps: QuotaTargetDeps, accountId: string, now: Date): Promise<void> {
  if (!(await accountTypeStale(deps.db, accountId, now))) return;
  const account = await deps.db.selectFrom('connected_accounts').select('provider_account_id').where('id', '=', accountId).executeTakeFirst();
  if (!account) return;
  try {
    const a = await deps.unipile.account.getOne(account.provider_account_id, { timeoutMs: 10_000 });
    await recordAccountType(deps.db, accountId, a.connection_params?.im?.premiumFeatures ?? [], now);
  } catch (err) {
    deps.logger.warn({ accountId, err: err instanceof Error ? err.message : String(err) }, 'could not read the account type from Unipile; again in an hour');
    await recordAccountTypeCheckFailed(deps.db, accountId, now);
  }
}

/**
 * At the pending cap: withdraws up to `max` pending invitations older than the account's withdraw age,
 * oldest first, through the ledger (as the withdraw step does: once per invitation, reconciled after
 * an uncertain answer). Returns how many are no longer pending.
 */
export async function withdrawStalePending(deps: QuotaTargetDeps, accountId: string, now: Date, max = 5): Promise<number> {
  const account = await deps.db.selectFrom('connected_accounts').select(['organization_id', 'provider_account_id', 'status']).where('id', '=', accountId).executeTakeFirst();
  if (!account || account.status !== 'connected') return 0;
  const stale = await stalePendingInvitations(deps.db, { accountId, now, limit: max });
  let done = 0;
  for (const inv of stale) {
    if (!inv.invitation_id) {
      await resolveInvitation(deps.db, { accountId, providerId: inv.provider_id, state: 'withdrawn', at: now });
      done++;
      continue;
    }
    const invitationId = inv.invitation_id;
    try {
      const out = await performWrite(deps.db, {
        key: idempotencyKey({ campaignId: inv.campaign_id ?? 'none', leadId: inv.lead_id ?? inv.provider_id, stepId: inv.step_id ?? 'invite', kind: 'withdraw', n: 'pending_cap' }),
        organizationId: account.organization_id,
        accountId,
        campaignId: inv.campaign_id,
        leadId: inv.lead_id,
        stepId: inv.step_id,
        kind: 'withdraw',
        targetProviderId: inv.provider_id,
        mayHaveHappened: writeMayHaveHappened,
        write: async () => {
          try {
            await deps.unipile.users.cancelInvitationSent({ account_id: account.provider_account_id, invitation_id: invitationId }, { timeoutMs: 10_000 });
            return { status: 'succeeded', result: { invitation_id: invitationId, reason: 'pending_cap' } };
          } catch (err) {
            const c = err instanceof UnipileError ? classifyUnipileError(err, { isWrite: true }) : null;
            // Gone from LinkedIn's pending list already (accepted, or withdrawn by hand): not pending either way.
            if (c?.outcome === 'skip') return { status: 'skipped', reason: c.reason };
            throw err;
          }
        },
      });
      deps.logger.info({ accountId, providerId: inv.provider_id, status: out.status }, 'pending cap: stale invitation withdrawn');
      await resolveInvitation(deps.db, { accountId, providerId: inv.provider_id, state: 'withdrawn', at: now });
      done++;
    } catch (err) {
      deps.logger.warn({ accountId, err: err instanceof Error ? err.message : String(err) }, 'pending cap: could not withdraw a stale invitation');
      break;
    }
  }
  return done;
}
