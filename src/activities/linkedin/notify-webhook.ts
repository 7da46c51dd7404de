import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { FAILURE_TYPES } from '../../domain/failure-types';
import { postWebhook, STRICT_WEBHOOK_POLICY, WebhookDestinationError } from '../../services/webhook-destinations';
import { outboundWebhookDeliveries } from '../../telemetry/metrics';
import { activityContext, StepConfigurationError, type LinkedInStepDefinition, type StepContext } from './context';

export const WEBHOOK_SIGNATURE_HEADER = 'X-Clento-Signature';
const TIMEOUT_MS = 10_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the endpoint's signing secret>`. */
export function signWebhook(body: string, secret: string, unixSeconds: number): string {
  const v1 = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${v1}`;
}

/**
 * webhook: POST a signed JSON event about the lead to the organization's endpoint (`config.webhookId`),
 * or to every endpoint of the organization when the step names none (older editor saves); with no
 * endpoint at all the step is skipped (`no_webhook_endpoint`). Not LinkedIn: no sender account needed.
 * Non-2xx (a redirect is not followed) or network failure → retryable TransientError (Temporal's retry policy
 * backs off); a destination the policy refuses (services/webhook-destinations) → non-retryable
 * WebhookDestinationBlocked. Delivery is
 * at-least-once (a retry after one endpoint failed posts to the others again): receivers dedupe on
 * X-Clento-Delivery, one id per (step, endpoint).
 */
export const notifyWebhookStep: LinkedInStepDefinition = {
  kind: 'webhook',
  usesAccount: false,
  async run(ctx) {
    const { db } = ctx.deps;
    const raw = ctx.input.config.webhookId;
    const named = !(raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === ''));
    if (named && (typeof raw !== 'string' || !UUID.test(raw.trim()))) throw new StepConfigurationError('webhook step config.webhookId must be an organization webhook id');
    const webhookId = named ? String(raw).trim() : null;
    let query = db.selectFrom('organization_webhooks').select(['id', 'url', 'signing_secret']).where('organization_id', '=', ctx.input.organizationId);
    if (webhookId !== null) query = query.where('id', '=', webhookId);
    const hooks = await query.orderBy('created_at').orderBy('id').execute();
    if (webhookId !== null && hooks.length === 0) throw new StepConfigurationError(`webhook ${webhookId} not found in this organization`);
    if (hooks.length === 0) return { status: 'skipped', reason: 'no_webhook_endpoint' };

    const { organizationId, campaignId, stepId, lead } = ctx.input;
    const at = new Date();
    const body = JSON.stringify({ event: 'campaign.lead_step', organizationId, campaignId, leadId: lead.id, stepId, lead, at: at.toISOString() });
    const deliveries: Array<{ webhookId: string; httpStatus: number; deliveryId: string }> = [];
    for (const hook of hooks) {
      // One endpoint named by the step keeps the delivery id it always had.
      const deliveryId = webhookId !== null ? ctx.key('webhook') : ctx.key('webhook', hook.id);
      const status = await post(ctx, hook, body, at, deliveryId);
      deliveries.push({ webhookId: hook.id, httpStatus: status, deliveryId });
    }
    if (webhookId !== null) return { status: 'done', detail: deliveries[0]! };
    return { status: 'done', detail: { deliveries } };
  },
};

async function post(
  ctx: StepContext,
  hook: { id: string; url: string; signing_secret: string },
  body: string,
  at: Date,
  deliveryId: string,
): Promise<number> {
  const signal = ctx.call.signal ? AbortSignal.any([AbortSignal.timeout(TIMEOUT_MS), ctx.call.signal]) : AbortSignal.timeout(TIMEOUT_MS);
  let status: number;
  try {
    const res = await postWebhook(
      hook.url,
      {
        headers: { 'content-type': 'application/json', [WEBHOOK_SIGNATURE_HEADER]: signWebhook(body, hook.signing_secret, Math.floor(at.getTime() / 1000)), 'X-Clento-Delivery': deliveryId },
        body,
        signal,
      },
      ctx.deps.webhookDestinations ?? STRICT_WEBHOOK_POLICY,
    );
    status = res.status;
  } catch (e) {
    if (activityContext()?.cancellationSignal.aborted) throw e;
    outboundWebhookDeliveries.inc({ outcome: e instanceof WebhookDestinationError ? 'blocked' : 'unreachable' });
    // Resolved (now, at delivery) to an address it must not reach: refused before anything was sent, never retried.
    if (e instanceof WebhookDestinationError) {
      throw ApplicationFailure.create({ type: FAILURE_TYPES.WebhookDestinationBlocked, message: `webhook ${hook.id} refused: ${e.message}`, nonRetryable: true, details: [{ webhookId: hook.id, reason: e.refusal.reason }] });
    }
    // The URL is not in the message: it may carry the receiver's token.
    throw ApplicationFailure.create({ type: FAILURE_TYPES.TransientError, message: `webhook ${hook.id} unreachable: ${e instanceof Error ? e.message : String(e)}`, nonRetryable: false, details: [{ webhookId: hook.id }] });
  }
  outboundWebhookDeliveries.inc({ outcome: status >= 200 && status < 300 ? 'delivered' : 'rejected' });
  if (status < 200 || status >= 300) {
    throw ApplicationFailure.create({ type: FAILURE_TYPES.TransientError, message: `webhook ${hook.id} answered ${status}`, nonRetryable: false, details: [{ webhookId: hook.id, status }] });
  }
  return status;
}
