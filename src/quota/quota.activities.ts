/**
 * Temporal activities over the account quotas. Results are plain JSON (ISO strings) so a workflow
 * can `sleep` until `at` (granted: act then) or `retryAt` (denied: ask again then, same key).
 * The clock is read here, on the activity side, never in the workflow or the repository.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { QuotaKind } from './limits';
import { recordProviderBlock, reserveAction, type DenialReason } from './quota.repository';

export interface ReserveAccountActionInput {
  accountId: string;
  kind: QuotaKind;
  /** Stable for the logical action, e.g. `${workflowId}:${stepId}`: an activity retry gets the same grant. */
  idempotencyKey: string;
  campaignSchedule?: unknown;
}

export type ReserveAccountActionResult =
  | { granted: true; at: string; grantId: string }
  | { granted: false; retryAt: string; reason: DenialReason };

export interface RecordProviderLimitInput {
  accountId: string;
  /** The kind LinkedIn refused, or 'all' for an account-wide 429. */
  kind: QuotaKind | 'all';
  /** Unipile error type, e.g. 'errors/limit_exceeded' or 'errors/too_many_requests'; stored as the reason. */
  providerError: string;
  /** Overrides the default back-off. */
  retryAfterMs?: number;
}

/** limit_exceeded: "stop that kind for roughly a day"; 429/500 throttling: "back off for hours". */
export const PROVIDER_BLOCK_MS = { limit_exceeded: 24 * 3_600_000, other: 4 * 3_600_000 } as const;

export function createQuotaActivities(deps: { db: Kysely<Database>; clock?: () => Date }) {
  const clock = deps.clock ?? (() => new Date());
  return {
    async reserveAccountAction(input: ReserveAccountActionInput): Promise<ReserveAccountActionResult> {
      const r = await reserveAction(deps.db, { ...input, now: clock() });
      return r.granted
        ? { granted: true, at: r.at.toISOString(), grantId: r.grantId }
        : { granted: false, retryAt: r.retryAt.toISOString(), reason: r.reason };
    },

    async recordProviderLimit(input: RecordProviderLimitInput): Promise<{ blockedUntil: string }> {
      const now = clock();
      const ms = input.retryAfterMs ?? (/limit_exceeded/.test(input.providerError) ? PROVIDER_BLOCK_MS.limit_exceeded : PROVIDER_BLOCK_MS.other);
      const { blockedUntil } = await recordProviderBlock(deps.db, {
        accountId: input.accountId,
        kind: input.kind,
        until: new Date(now.getTime() + ms),
        reason: input.providerError,
      });
      return { blockedUntil: blockedUntil.toISOString() };
    },
  };
}

export type QuotaActivities = ReturnType<typeof createQuotaActivities>;
