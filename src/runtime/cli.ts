// The command line. Two kinds of commands:
//
// For people running campaigns, over the HTTP API with an API key (CLENTO_API_URL / CLENTO_API_KEY or
// --url / --key), so they work against any deployment; readable tables and progress bars, `--json` for scripts:
//   campaigns                          list campaigns
//   campaign <id>                      a campaign's status, per step
//   watch <id>                         a live progress bar per step until the campaign ends (Ctrl-C leaves)
//   pause|resume|stop <id> [--reason]  control a campaign
//   import <listId> <leads.csv>        upload leads in batches (--batch 500) with a progress bar
//   keys [list] | keys create [--name N] [--expires-at ISO] | keys revoke <id> | keys rotate <id>
//
// Admin commands, on the database directly (DATABASE_URL); each prints JSON:
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

import { CliError, createApiClient } from './cli/api-client';
import { control, importLeads, keys, listCampaigns, showCampaign, watchCampaign, type CommandContext } from './cli/commands';

const USAGE = [
  'usage: npm run cli -- <command> [--json] [--url URL] [--key KEY]',
  '  campaigns | campaign ID | watch ID | pause ID | resume ID | stop ID | import LIST_ID FILE.csv | keys [list|create|revoke ID|rotate ID]',
  '  admin (database): create-org NAME | create-api-key ORG_ID | list-api-keys ORG_ID | revoke-api-key ORG_ID KEY_ID | migrate | register-webhooks PUBLIC_BASE_URL',
].join('\n');

const ADMIN_COMMANDS = new Set(['create-org', 'create-api-key', 'list-api-keys', 'revoke-api-key', 'migrate', 'register-webhooks']);

/** `--name value`, `--name=value` and bare `--flag`; everything else is positional. */
function parseArgs(argv: string[]): { positional: string[]; flags: Record<string, string | true> } {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  const BOOLEAN = new Set(['json', 'help']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (inline !== undefined) flags[name] = inline;
    else if (BOOLEAN.has(name) || argv[i + 1] === undefined || argv[i + 1]!.startsWith('--')) flags[name] = true;
    else flags[name] = argv[++i]!;
  }
  return { positional, flags };
}

async function runApiCommand(command: string, args: string[], flags: Record<string, string | true>): Promise<void> {
  const url = typeof flags.url === 'string' ? flags.url : process.env.CLENTO_API_URL;
  const key = typeof flags.key === 'string' ? flags.key : process.env.CLENTO_API_KEY;
  if (!url) throw new CliError('set CLENTO_API_URL (or --url) to the API, e.g. http://127.0.0.1:3000', 'usage');
  if (!key) throw new CliError('set CLENTO_API_KEY (or --key) to an API key (clk_...)', 'usage');
  const ctx: CommandContext = {
    api: createApiClient({ baseUrl: url, apiKey: key }),
    json: flags.json === true,
    out: process.stdout,
    intervalMs: Math.max(200, Number(flags.interval ?? 2) * 1000),
    flags,
  };
  let result: unknown;
  switch (command) {
    case 'campaigns':
      result = await listCampaigns(ctx);
      break;
    case 'campaign':
      result = await showCampaign(ctx, args[0]);
      break;
    case 'watch':
      process.once('SIGINT', () => {
        process.stdout.write('\n');
        process.exit(130);
      });
      // Each poll is printed as it comes with --json (one JSON line per poll).
      await watchCampaign(ctx, args[0]);
      return;
    case 'pause':
    case 'resume':
    case 'stop':
      result = await control(ctx, command, args[0]);
      break;
    case 'import':
      result = await importLeads(ctx, args[0], args[1]);
      break;
    case 'keys':
      result = await keys(ctx, args[0], args[1]);
      break;
    default:
      throw new CliError(`unknown command "${command}"\n${USAGE}`, 'usage');
  }
  if (ctx.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

async function main(argv: string[]): Promise<void> {
  const { positional, flags } = parseArgs(argv);
  const [command, ...args] = positional;
  if (!command || flags.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!ADMIN_COMMANDS.has(command)) return runApiCommand(command, args, flags);
  process.stdout.write(`${JSON.stringify(await admin(command, args[0], args[1]), null, 2)}\n`);
}

async function admin(command: string, arg: string | undefined, arg2: string | undefined): Promise<unknown> {
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
  () => undefined,
  (err: unknown) => {
    // The API's error code first, so scripts can match on it: `error [campaign_not_found]: campaign ... not found`.
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(err instanceof CliError ? `error [${err.code}]: ${message}\n` : `${message}\n`);
    process.exit(err instanceof CliError && err.code === 'usage' ? 2 : 1);
  },
);
