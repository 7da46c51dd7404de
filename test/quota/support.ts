import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import type { Database } from '../../src/db/schema';

/** An organization and a connected LinkedIn account; `createdAt` drives the warm-up ramp. */
export async function createAccount(db: Kysely<Database>, opts: { createdAt?: Date } = {}): Promise<string> {
  const org = await db.insertInto('organizations').values({ name: 'Acme' }).returning('id').executeTakeFirstOrThrow();
  const account = await db
    .insertInto('connected_accounts')
    .values({
      organization_id: org.id,
      provider_account_id: `li-${Math.random().toString(36).slice(2)}`,
      display_name: 'Sender',
      status_reason: null,
      capabilities: '{}',
      ...(opts.createdAt && { created_at: opts.createdAt }),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return account.id;
}

/** A local wall-clock time in a zone, as a Date: local('Europe/Paris', '2026-11-23T09:00'). */
export function local(zone: string, iso: string): Date {
  const dt = DateTime.fromISO(iso, { zone });
  if (!dt.isValid) throw new Error(`bad local time ${iso} in ${zone}`);
  return dt.toJSDate();
}

export function inZone(zone: string, at: Date): DateTime {
  return DateTime.fromJSDate(at, { zone });
}

