// Admin commands. Each prints JSON on stdout (machine-readable) and errors on stderr.
//   create-org <name>                 create an organization and its first API key
//   create-api-key <organizationId>   another key for an organization (admin scope)
//   list-api-keys <organizationId>    the organization's keys (never their secrets)
//   revoke-api-key <organizationId> <keyId>
//   migrate                           apply database migrations
//   register-webhooks <publicBaseUrl> register the product's webhooks with Unipile (idempotent)
import { loadConfigOrExit } from '../config/config';
import { openDatabase } from '../db/connection';
import { migrateToLatest } from '../db/migrate';
import { UnipileClient } from '../linkedin/unipile.client';
import { registerProductWebhooks } from '../linkedin/register-webhooks';
import { listApiKeys } from '../db/repositories/api-key.repository';
import { createApiKey, createOrganizationWithKey, revokeApiKey } from '../services/organizations';

const USAGE =
  'usage: npm run cli -- <create-org NAME | create-api-key ORG_ID | list-api-keys ORG_ID | revoke-api-key ORG_ID KEY_ID | migrate | register-webhooks PUBLIC_BASE_URL>';

async function main(argv: string[]): Promise<unknown> {
  const [command, arg, arg2] = argv;
  const config = loadConfigOrExit();
  if (command === 'register-webhooks') {
    if (!arg) throw new Error(USAGE);
    if (!config.unipile.dsn || !config.unipile.accessToken || !config.unipile.webhookSecret) {
      throw new Error('register-webhooks needs UNIPILE_DSN, UNIPILE_ACCESS_TOKEN and UNIPILE_WEBHOOK_SECRET');
    }
    const client = new UnipileClient({ dsn: config.unipile.dsn, accessToken: config.unipile.accessToken });
    return registerProductWebhooks(client, { baseUrl: arg, secret: config.unipile.webhookSecret });
  }
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const applied = await migrateToLatest(db.db);
    switch (command) {
      case 'migrate':
        return { applied };
      case 'create-org':
        if (!arg) throw new Error(USAGE);
        return await createOrganizationWithKey(db.db, { name: arg });
      case 'create-api-key':
        if (!arg) throw new Error(USAGE);
        return { organizationId: arg, ...(await createApiKey(db.db, arg)) };
      case 'list-api-keys':
        if (!arg) throw new Error(USAGE);
        return { items: await listApiKeys(db.db, arg) };
      case 'revoke-api-key':
        if (!arg || !arg2) throw new Error(USAGE);
        return { revoked: await revokeApiKey(db.db, arg, arg2) };
      default:
        throw new Error(USAGE);
    }
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
