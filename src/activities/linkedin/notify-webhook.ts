import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { FAILURE_TYPES } from '../../domain/failure-types';
import { outboundWebhookDeliveries } from '../../telemetry/metrics';
import { activityContext, StepConfigurationError, type LinkedInStepDefinition } from './context';

export const WEBHOOK_SIGNATURE_HEADER = 'X-Clento-Signature';
const TIMEOUT_MS = 10_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the endpoint's signing secret>`. */
export function signWebhook(body: string, secret: string, unixSeconds: number): string {
  const v1 = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${v1}`;
}

/**
 * webhook: POST a signed JSON event about the lead to the organization's endpoint (`config.webhookId`).
 * Not LinkedIn: no sender account needed. Non-2xx or network failure → retryable TransientError
 * (Temporal's retry policy backs off). Delivery is at-least-once: receivers dedupe on X-Clento-Delivery.
 */
export const notifyWebhookStep: LinkedInStepDefinition = {
  kind: 'webhook',
  usesAccount: false,
  async run(ctx) {
    const { db } = ctx.deps;
    const doFetch = ctx.deps.fetch ?? globalThis.fetch;
    const webhookId = ctx.input.config.webhookId;
    if (typeof webhookId !== 'string' || !UUID.test(webhookId)) throw new StepConfigurationError('webhook step needs config.webhookId (an organization webhook id)');
    const hook = await db
      .selectFrom('organization_webhooks')
      .select(['id', 'url', 'signing_secret'])
      .where('id', '=', webhookId)
      .where('organization_id', '=', ctx.input.organizationId)
      .executeTakeFirst();
    if (!hook) throw new StepConfigurationError(`webhook ${webhookId} not found in this organization`);

    const { organizationId, campaignId, stepId, lead } = ctx.input;
    const at = new Date();
    const body = JSON.stringify({ event: 'campaign.lead_step', organizationId, campaignId, leadId: lead.id, stepId, lead, at: at.toISOString() });
    const deliveryId = ctx.key('webhook');
    const signal = ctx.call.signal ? AbortSignal.any([AbortSignal.timeout(TIMEOUT_MS), ctx.call.signal]) : AbortSignal.timeout(TIMEOUT_MS);
    let status: number;
    try {
      const res = await doFetch(hook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [WEBHOOK_SIGNATURE_HEADER]: signWebhook(body, hook.signing_secret, Math.floor(at.getTime() / 1000)), 'X-Clento-Delivery': deliveryId },
        body,
        signal,
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (e) {
      if (activityContext()?.cancellationSignal.aborted) throw e;
      outboundWebhookDeliveries.inc({ outcome: 'unreachable' });
      // The URL is not in the message: it may carry the receiver's token.
      throw ApplicationFailure.create({ type: FAILURE_TYPES.TransientError, message: `webhook ${webhookId} unreachable: ${e instanceof Error ? e.message : String(e)}`, nonRetryable: false, details: [{ webhookId }] });
    }
    outboundWebhookDeliveries.inc({ outcome: status >= 200 && status < 300 ? 'delivered' : 'rejected' });
    if (status < 200 || status >= 300) {
      throw ApplicationFailure.create({ type: FAILURE_TYPES.TransientError, message: `webhook ${webhookId} answered ${status}`, nonRetryable: false, details: [{ webhookId, status }] });
    }
    return { status: 'done', detail: { webhookId, httpStatus: status, deliveryId } };
  },
};
