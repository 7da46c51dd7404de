import type { Client } from '@temporalio/client';
import type { Db } from '../db/connection';
import type { UnipileClient } from '../linkedin/unipile.client';
import type { Logger } from '../logger';
import { isQuotaKind } from '../quota/limits';
import { reserveAction } from '../quota/quota.repository';
import { createCampaignActivities, guardCampaignActive } from './campaign.activities';
import { createLinkedInActivities } from './linkedin';
import { createSmokeActivities } from './smoke.activities';
import type { CampaignActivities, LinkedInActivities, QuotaActivities } from './types';

export interface ActivityDeps {
  db: Db;
  /** Lazily: the worker may start before the client is needed. */
  client: () => Client;
  unipile: UnipileClient;
  logger: Logger;
  fetch?: typeof fetch;
  /** Called when LinkedIn says the account can no longer act: its running campaigns pause. */
  pauseCampaignsOfAccount: (accountId: string, reason: string) => Promise<unknown>;
}

/** Every activity the worker registers, built from injected dependencies. */
export function createActivities(deps: ActivityDeps): CampaignActivities & LinkedInActivities & QuotaActivities & ReturnType<typeof createSmokeActivities> {
  const { checkInvitation, ...steps } = createLinkedInActivities({
    db: deps.db,
    unipile: deps.unipile,
    logger: deps.logger,
    fetch: deps.fetch,
    onAccountStopped: async ({ accountId, reason }) => {
      await deps.pauseCampaignsOfAccount(accountId, `account_disconnected: ${reason}`);
    },
  });
  return {
    ...createCampaignActivities({ db: deps.db, client: deps.client }),
    async reserveAccountAction({ now, kind, ...rest }) {
      if (!isQuotaKind(kind)) throw new Error(`unknown quota kind ${kind}`);
      const r = await reserveAction(deps.db, { ...rest, kind, now: new Date(now) });
      return r.granted ? { granted: true, at: r.at.toISOString(), grantId: r.grantId } : { granted: false, retryAt: r.retryAt.toISOString(), reason: r.reason };
    },
    ...createSmokeActivities({ db: deps.db }),
    ...guardCampaignActive(deps.db, steps),
    checkInvitation,
  };
}
