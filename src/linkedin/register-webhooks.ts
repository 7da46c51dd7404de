/**
 * Registers the product's Unipile webhooks (messaging, users, account_status) to
 * `${baseUrl}/api/webhooks/unipile`. Unipile signs nothing: it echoes the headers registered here, so
 * `Unipile-Auth: <secret>` is how the receiver authenticates a call; `Content-Type` must be asked for.
 * Idempotent: a source already registered for that URL with this secret is left alone; one registered with
 * another secret (the list shows its headers) is replaced, since its deliveries would be refused.
 * `replaceOtherUrls` (the local runner's sandbox, whose API port may change between starts) also deletes
 * the product's webhooks (named `clento-<source>`) that point at another URL.
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

export async function registerProductWebhooks(
  client: UnipileClient,
  opts: { baseUrl: string; secret: string; replaceOtherUrls?: boolean },
): Promise<{ url: string; webhooks: RegisteredWebhook[] }> {
  if (!opts.secret) throw new Error('registerProductWebhooks: a webhook secret is required');
  const url = `${opts.baseUrl.replace(/\/+$/, '')}${WEBHOOK_PATH}`;
  const existing = new Map<string, string>();
  const stale: string[] = [];
  const ours = new Set<string>(PRODUCT_WEBHOOK_SOURCES.map((s) => `clento-${s}`));
  for await (const w of paginate((cursor) => client.webhook.getAll({ cursor }), { maxPages: 20 })) {
    const id = w.id ?? w.webhook_id;
    if (!id) continue;
    const headers = Array.isArray(w.headers) ? (w.headers as Array<{ key?: unknown; value?: unknown }>) : [];
    const auth = headers.find((h) => typeof h.key === 'string' && h.key.toLowerCase() === WEBHOOK_AUTH_HEADER.toLowerCase());
    const otherSecret = auth !== undefined && auth.value !== opts.secret;
    if (w.request_url === url && w.source && !otherSecret && !existing.has(w.source)) existing.set(w.source, id);
    else if (w.request_url === url && otherSecret) stale.push(id);
    else if (opts.replaceOtherUrls && typeof w.name === 'string' && ours.has(w.name) && w.request_url !== url) stale.push(id);
  }
  for (const id of stale) await client.webhook.delete(id);
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
