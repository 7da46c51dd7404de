import { proxyActivities } from '@temporalio/workflow';
import type { SmokeActivities } from '../activities/smoke.activities';

const { recordSmoke } = proxyActivities<SmokeActivities>({ startToCloseTimeout: '30 seconds' });

/** The smallest real round trip (client → Temporal → worker → database), for the smoke test and /ready. */
export async function SmokeWorkflow(input: { token: string }): Promise<{ token: string; databaseNow: string }> {
  const databaseNow = await recordSmoke(input);
  return { token: input.token, databaseNow };
}
