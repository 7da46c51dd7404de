import type { Client } from '@temporalio/client';
import type { Db } from '../db/connection';
import type { UnipileClient } from '../linkedin/unipile.client';
import type { Logger } from '../logger';
import type { WebhookDestinationPolicy } from '../services/webhook-destinations';
import { isQuotaKind } from '../quota/limits';
import { releaseGrant, reserveAction } from '../quota/quota.repository';
import { createCampaignActivities, guardCampaignActive } from './campaign.activities';
import { createLinkedInActivities } from './linkedin';
import { quotaWaits } from '../telemetry/metrics';
import { createSmokeActivities } from './smoke.activities';
import { invitationTarget, refreshAccountType, withdrawStalePending } from './quota-target';
import type { CampaignActivities, LinkedInActivities, QuotaActivities } from './types';

/** How late a granted slot may be used before it is given back and a new one reserved. */
const STALE_GRANT_MS = 5 * 60 * 1000;

export interface ActivityDeps {
  db: Db;
  /** Lazily: the worker may start before the client is needed. */
  client: () => Client;
  unipile: UnipileClient;
  logger: Logger;
  /** Where the `webhook` step may deliver (config WEBHOOK_ALLOW_HTTP, WEBHOOK_ALLOWED_HOSTS); strict when unset. */
  webhookDestinations?: WebhookDestinationPolicy;
  /** Called when LinkedIn says the account can no longer act: its running campaigns pause. */
  pauseCampaignsOfAccount: (accountId: string, reason: string) => Promise<unknown>;
}

/** Every activity the worker registers, built from injected dependencies. */
export function createActivities(
  deps: ActivityDeps,
): CampaignActivities & LinkedInActivities & QuotaActivities & ReturnType<typeof createSmokeActivities> {
  const linkedin = createLinkedInActivities({
    db: deps.db,
    unipile: deps.unipile,
    logger: deps.logger,
    webhookDestinations: deps.webhookDestinations,
    onAccountStopped: async ({ accountId, reason }) => {
      await deps.pauseCampaignsOfAccount(accountId, `account_disconnected: ${reason}`);
    },
  });
  return {
    ...createCampaignActivities({ db: deps.db, client: deps.client }),
    async reserveAccountAction({ now, kind, ...rest }) {
      if (!isQuotaKind(kind)) throw new Error(`unknown quota kind ${kind}`);
      const at = new Date(now);
      // The account's LinkedIn type decides the defaults and the note budget; read it once a day.
      await refreshAccountType(deps, rest.accountId, at);
      const invitation = kind === 'invitation' ? await invitationTarget(deps.db, rest.idempotencyKey) : undefined;
      const reserve = () => reserveAction(deps.db, { ...rest, kind, now: at, invitation });
      let r = await reserve();
      // A grant whose slot passed long ago (the lead was paused, or a worker was down) is not used:
      // acting on it now would be the catch-up burst the spacing exists to prevent. Take a fresh slot.
      if (r.granted && at.getTime() - r.at.getTime() > STALE_GRANT_MS) {
        await releaseGrant(deps.db, r.grantId);
        r = await reserve();
      }
      // At the pending cap the oldest stale invitations make room first.
      if (!r.granted && r.reason === 'pending_cap' && (await withdrawStalePending(deps, rest.accountId, at)) > 0) r = await reserve();
      if (!r.granted) quotaWaits.inc({ kind, reason: r.reason });
      else if (r.at.getTime() > at.getTime()) quotaWaits.inc({ kind, reason: 'spacing' });
      return r.granted
        ? { granted: true, at: r.at.toISOString(), grantId: r.grantId, ...(r.withNote !== undefined ? { withNote: r.withNote } : {}) }
        : { granted: false, retryAt: r.retryAt.toISOString(), reason: r.reason };
    },
    ...createSmokeActivities({ db: deps.db }),
    // Steps refuse to start while the campaign is not in progress; the invitation check is a read and may run.
    ...guardCampaignActive(deps.db, withoutKey(linkedin, 'checkInvitation')),
    checkInvitation: (input) => linkedin.checkInvitation(input),
  };
}

function withoutKey<T extends object, K extends keyof T>(obj: T, key: K): Omit<T, K> {
  return Object.fromEntries(Object.entries(obj).filter(([k]) => k !== key)) as Omit<T, K>;
}
