import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Db } from '../db/connection';
import type { SandboxHandle } from '../linkedin/sandbox/server';
import { updateAccountSettings } from '../quota/quota.repository';
import { createOrganizationWithKey } from '../services/organizations';

export interface LocalCredentials {
  organizationId: string;
  apiKey: string;
  senderAccountId: string;
  /** The sender's account id in the sandbox (Unipile's `account_id`): what the sandbox's control routes take. */
  sandboxAccountId: string;
}

/**
 * First start of the local runner: an organization with an API key and a sandbox sender account, so
 * the API can be tried at once. The key is kept in DATA_DIR (mode 600) and shown at every start;
 * this is for the local sandbox only, never for a deployment with DATABASE_URL.
 */
export async function ensureLocalCredentials(db: Db, dataDir: string, sandbox: SandboxHandle): Promise<LocalCredentials> {
  const file = join(dataDir, 'local-credentials.json');
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Omit<LocalCredentials, 'sandboxAccountId'>;
    const account = await db
      .selectFrom('connected_accounts')
      .select('provider_account_id')
      .where('id', '=', saved.senderAccountId)
      .where('organization_id', '=', saved.organizationId)
      .executeTakeFirst();
    if (account) return { ...saved, sandboxAccountId: account.provider_account_id };
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
    // Spacing only: spread over a 24 h window, a demo's few actions would sit hours apart.
    safety: { spreadOverWindow: false },
  });
  const creds = { organizationId, apiKey, senderAccountId: account.id };
  writeFileSync(file, JSON.stringify(creds, null, 2));
  chmodSync(file, 0o600);
  return { ...creds, sandboxAccountId: unipile.id };
}

/**
 * The secret the local runner's webhooks carry (`Unipile-Auth`): generated on first start and kept in
 * DATA_DIR (mode 600), so webhooks registered on an earlier start still authenticate.
 */
export function ensureWebhookSecret(dataDir: string): string {
  const file = join(dataDir, 'unipile-webhook-secret');
  if (existsSync(file)) {
    const saved = readFileSync(file, 'utf8').trim();
    if (saved) return saved;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(24).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/**
 * What a shell needs to talk to the running local product: `source $DATA_DIR/local.env` sets B (base URL,
 * with the port actually used), KEY, ORG, ACCOUNT (the sender account) and SANDBOX (the sandbox's URL).
 * Written at every start (mode 600: it holds the local key).
 */
export function writeLocalEnv(dataDir: string, values: { B: string; KEY: string; ORG: string; ACCOUNT: string; SANDBOX: string; SANDBOX_TOKEN: string; SANDBOX_ACCOUNT: string }): string {
  const file = join(dataDir, 'local.env');
  const lines = Object.entries(values).map(([k, v]) => `${k}='${v.replace(/'/g, `'\\''`)}'`);
  writeFileSync(file, `# Written by the local runner at start (npm run dev). Use: source ${resolve(file)}\n${lines.join('\n')}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}
