/**
 * Registers the product's Unipile webhooks (messaging, users, account_status) to
 * `${baseUrl}/api/webhooks/unipile`. Unipile signs nothing: it echoes the headers registered here, so
 * `Unipile-Auth: <secret>` is how the receiver authenticates a call; `Content-Type` must be asked for.
 * Idempotent: a source already registered for that URL is left alone.
 */
import { paginate, type UnipileClient, type WebhookCreateBody } from './unipile.client';

export const PRODUCT_WEBHOOK_SOURCES = ['messaging', 'users', 'account_status'] as const;
export const WEBHOOK_PATH = '/api/webhooks/unipile';
export const WEBHOOK_AUTH_HEADER = 'Unipile-Auth';

export interface RegisteredWebhook {
  source: (typeof PRODUCT_WEBHOOK_SOURCES)[number];
  webhookId: string;
  created: boolean;
}

export async function registerProductWebhooks(client: UnipileClient, opts: { baseUrl: string; secret: string }): Promise<{ url: string; webhooks: RegisteredWebhook[] }> {
  if (!opts.secret) throw new Error('registerProductWebhooks: a webhook secret is required');
  const url = `${opts.baseUrl.replace(/\/+$/, '')}${WEBHOOK_PATH}`;
  const existing = new Map<string, string>();
  for await (const w of paginate((cursor) => client.webhook.getAll({ cursor }), { maxPages: 20 })) {
    if (w.request_url === url && w.source && w.id) existing.set(w.source, w.id);
  }
  const webhooks: RegisteredWebhook[] = [];
  for (const source of PRODUCT_WEBHOOK_SOURCES) {
    const found = existing.get(source);
    if (found) {
      webhooks.push({ source, webhookId: found, created: false });
      continue;
    }
    const body: WebhookCreateBody = {
      request_url: url,
      source,
      name: `clento-${source}`,
      format: 'json',
      headers: [
        { key: WEBHOOK_AUTH_HEADER, value: opts.secret },
        { key: 'Content-Type', value: 'application/json' },
      ],
      ...(source === 'messaging' ? { events: ['message_received'] } : source === 'users' ? { events: ['new_relation'] } : {}),
    };
    const created = await client.webhook.create(body);
    webhooks.push({ source, webhookId: created.webhook_id, created: true });
  }
  // The result goes to the CLI's output: it names ids, never the secret.
  return { url, webhooks };
}
