/**
 * `npm run bench -- --realistic-actions`: Temporal Cloud actions per lead for the realistic flow (the
 * example flow: visit, 1 h, invite, 14-day acceptance window, follow-up a day after acceptance,
 * withdrawal when the window passes), one lead that accepts at once and one that never does, on
 * the time-skipping test server (the 14 days pass in seconds) with the real activities and the
 * sandbox LinkedIn. Each lead's figure includes half of the orchestrator's actions.
 */
import { campaignWorkflowId, leadWorkflowId } from '../src/workflows/definitions';
import { createTestDatabase } from '../test/support/database';
import { exampleDefinition, seedCampaign } from '../test/support/fixtures';
import { startEngine } from '../test/support/stack';
import { createTimeSkippingEnv } from '../test/support/temporal';
import { countActions, countAllActions, formatCounts, perLead } from './cloud-actions';
import { log } from './support';

const TARGET_PER_LEAD = 20;

export async function realisticActions(): Promise<number> {
  const env = await createTimeSkippingEnv();
  const db = await createTestDatabase();
  try {
    const engine = await startEngine({ db, client: env.client, nativeConnection: env.nativeConnection, taskQueue: 'bench-realistic' });
    try {
      const seeded = await seedCampaign(db.db, { unipileAccountId: engine.unipileAccountId, definition: exampleDefinition(), leads: 2, slugPrefix: 'realistic' });
      const [accepter, ignorer] = seeded.slugs as [string, string];
      engine.sandbox.control.setPerson(accepter, { acceptAfterMs: 0 });
      engine.sandbox.control.setPerson(ignorer, { acceptAfterMs: null });
      const workflowId = campaignWorkflowId(seeded.campaignId);
      log('realistic flow on the time-skipping server: 2 leads (one accepts, one never does)');
      await engine.worker.runUntil(async () => {
        await engine.campaigns.start({ organizationId: seeded.organizationId, campaignId: seeded.campaignId });
        await env.client.workflow.getHandle(workflowId).result();
      });
      const orchestrator = countAllActions([{ workflowId, history: await env.client.workflow.getHandle(workflowId).fetchHistory() }]);
      const share = perLead(orchestrator, seeded.leadIds.length);
      console.log('Temporal Cloud actions per lead, realistic flow (visit, 1 h, invite, 14-day acceptance window, follow-up / withdrawal), time-skipping server:');
      let over = 0;
      for (const [i, who] of ['accepts', 'never accepts'].entries()) {
        const own = countActions(await env.client.workflow.getHandle(leadWorkflowId(seeded.campaignId, seeded.leadIds[i]!)).fetchHistory(), new Set([workflowId]));
        const total = own.total + share.total;
        if (total > TARGET_PER_LEAD) over += 1;
        console.log(`  lead that ${who.padEnd(13)} ${total.toFixed(1)} (target ≤ ${TARGET_PER_LEAD}); its workflow ${formatCounts(own)}; + orchestrator share ${share.total.toFixed(1)}`);
      }
      console.log(`  orchestrator (whole run): ${formatCounts(orchestrator)}`);
      return over === 0 ? 0 : 1;
    } finally {
      await engine.stop();
    }
  } finally {
    await env.teardown();
    await db.drop();
  }
}
