import type { StepDefinition } from './step-definition';

// organization_webhooks.id is a uuid: anything else would fail in Postgres at run time, for every lead.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * POST a JSON event about the lead to one of the organization's webhooks, or, without `webhookId`
 * (older editor saves leave it out), to every webhook endpoint of the organization. Not a LinkedIn action.
 */
export const webhookStep: StepDefinition<'webhook'> = {
  kind: 'webhook',
  aliases: ['notify_webhook'],
  defaultLabel: 'Webhook',
  activityType: 'notifyWebhook',
  quotaKind: null,
  decidesAcceptanceBranch: false,
  validateConfig: (config, path) => {
    const id = config.webhookId;
    if (id === undefined || id === null || (typeof id === 'string' && id.trim() === '')) return [];
    if (typeof id !== 'string' || !UUID.test(id.trim())) {
      return [{ code: 'invalid_config', message: `webhookId must be a webhook id (a UUID), got ${JSON.stringify(id)}`, path: `${path}.webhookId` }];
    }
    return [];
  },
};
