/**
 * The bare Temporal program the campaign bench compares the product with: one workflow per lead
 * making the same LinkedIn calls as the product's bench flow (visit the profile, send the
 * invitation), and nothing else: no bookkeeping, no quota, no orchestrator.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { BareActivities, BareLeadInput } from './activities';

const { visitProfile, sendInvitation } = proxyActivities<BareActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
});

export async function bareLeadWorkflow(input: BareLeadInput): Promise<string> {
  const providerId = await visitProfile(input);
  return sendInvitation({ accountId: input.accountId, providerId, message: input.message });
}
