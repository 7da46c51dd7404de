import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../db/connection';
import type { SandboxHandle } from '../linkedin/sandbox/server';
import { updateAccountSettings } from '../quota/quota.repository';
import { createOrganizationWithKey } from '../services/organizations';

export interface LocalCredentials {
  organizationId: string;
  apiKey: string;
  senderAccountId: string;
}

/**
 * First start of the local runner: an organization with an API key and a sandbox sender account, so
 * the API can be tried at once. The key is kept in DATA_DIR (mode 600) and shown at every start;
 * this is for the local sandbox only, never for a deployment with DATABASE_URL.
 */
export async function ensureLocalCredentials(db: Db, dataDir: string, sandbox: SandboxHandle): Promise<LocalCredentials> {
  const file = join(dataDir, 'local-credentials.json');
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as LocalCredentials;
    const org = await db.selectFrom('organizations').select('id').where('id', '=', saved.organizationId).executeTakeFirst();
    if (org) return saved;
  }
  const { organizationId, apiKey } = await createOrganizationWithKey(db, { name: 'Local' });
  const unipile = sandbox.control.createAccount({ name: 'Sandbox sender' });
  const account = await db
    .insertInto('connected_accounts')
    .values({ organization_id: organizationId, provider_account_id: unipile.id, display_name: 'Sandbox sender', capabilities: '{}' })
    .returning('id')
    .executeTakeFirstOrThrow();
  // A sandbox account may act around the clock and fast, so a local campaign visibly moves;
  // real accounts keep the safe defaults (working hours, 90 s + jitter between writes, warm-up).
  await updateAccountSettings(db, account.id, {
    workingHours: { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' },
    minGapSeconds: 5,
    jitterSeconds: 5,
    warmup: { days: 0, startPercent: 100 },
  });
  const creds = { organizationId, apiKey, senderAccountId: account.id };
  writeFileSync(file, JSON.stringify(creds, null, 2));
  chmodSync(file, 0o600);
  return creds;
}
