import type { Selectable } from 'kysely';
import type { Db } from '../connection';
import type { OrganizationWebhooksTable } from '../schema';

/** Webhook endpoints an organization configures for the campaign `webhook` step. */

export type OrganizationWebhook = Selectable<OrganizationWebhooksTable>;
export type OrganizationWebhookSummary = Omit<OrganizationWebhook, 'signing_secret'>;

const PUBLIC_COLUMNS = ['id', 'organization_id', 'name', 'url', 'created_at'] as const;

export async function insertWebhook(
  db: Db,
  input: { organizationId: string; name?: string; url: string; signingSecret: string },
): Promise<OrganizationWebhook> {
  return db
    .insertInto('organization_webhooks')
    .values({
      organization_id: input.organizationId,
      url: input.url,
      signing_secret: input.signingSecret,
      ...(input.name ? { name: input.name } : {}),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Listings never carry the signing secret: it is shown once, at creation. */
export async function listWebhooks(
  db: Db,
  organizationId: string,
  page: { limit: number; cursor?: string },
): Promise<OrganizationWebhookSummary[]> {
  let query = db
    .selectFrom('organization_webhooks')
    .select(PUBLIC_COLUMNS)
    .where('organization_id', '=', organizationId);
  if (page.cursor) query = query.where('id', '>', page.cursor);
  return query
    .orderBy('id')
    .limit(page.limit + 1)
    .execute();
}

export async function findWebhook(
  db: Db,
  organizationId: string,
  id: string,
): Promise<OrganizationWebhookSummary | undefined> {
  return db
    .selectFrom('organization_webhooks')
    .select(PUBLIC_COLUMNS)
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function deleteWebhook(db: Db, organizationId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('organization_webhooks')
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}
