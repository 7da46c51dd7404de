// The one-command local run: API + worker + Temporal dev server (with Web UI) + embedded database +
// sandbox LinkedIn, in one process. Ctrl-C stops all of it; data stays in DATA_DIR for the next start.
import { randomBytes } from 'node:crypto';
import { loadConfigOrExit, redactConfig } from '../config/config';
import { createLogger } from '../logger';
import { registerProductWebhooks } from '../linkedin/register-webhooks';
import { UnipileClient } from '../linkedin/unipile.client';
import { ensureLocalCredentials } from './local-bootstrap';
import { startProduct, stopOnSignals } from './product';

const config = loadConfigOrExit({
  ...process.env,
  // The local runner always hosts the worker, and receives the sandbox's webhooks with a fresh secret.
  TEMPORAL_WORKER_ENABLED: process.env.TEMPORAL_WORKER_ENABLED ?? 'true',
  UNIPILE_WEBHOOK_SECRET: process.env.UNIPILE_WEBHOOK_SECRET ?? randomBytes(24).toString('hex'),
});
const logger = createLogger({ level: config.logLevel, name: 'clento-local' });
logger.debug({ config: redactConfig(config) }, 'configuration');

try {
  const product = await startProduct(config, logger, { api: true, worker: true, embedded: true });
  stopOnSignals(product.stop, logger);
  let credentials = '';
  if (product.sandbox) {
    // The sandbox sends its webhooks (acceptances, replies, account status) back to this API.
    const sandboxClient = new UnipileClient({ dsn: product.sandbox.dsn, accessToken: product.sandbox.accessToken });
    await registerProductWebhooks(sandboxClient, { baseUrl: product.apiUrl!, secret: config.unipile.webhookSecret! });
    const creds = await ensureLocalCredentials(product.db.db, config.dataDir, product.sandbox);
    credentials = [
      `  Organization     ${creds.organizationId}`,
      `  API key          ${creds.apiKey}   (sandbox only; kept in ${config.dataDir}/local-credentials.json)`,
      `  Sender account   ${creds.senderAccountId}   (a sandbox LinkedIn account)`,
    ].join('\n');
  }
  const lines = [
    '',
    'Clento outreach is running:',
    `  API              ${product.apiUrl}   (OpenAPI docs at ${product.apiUrl}/docs)`,
    `  Dashboard        ${product.apiUrl}/app   (sign in with the API key below)`,
    `  Temporal         ${product.temporalAddress}${product.temporalUiUrl ? `   Web UI: ${product.temporalUiUrl}` : ''}`,
    `  Database         ${product.db.describe}`,
    `  LinkedIn         ${product.sandbox ? `sandbox Unipile API at ${product.sandbox.url}` : `Unipile at ${product.unipileUrl}`}`,
    `  Worker           ${product.worker ? `polling task queue ${config.temporal.taskQueue}` : 'disabled (TEMPORAL_WORKER_ENABLED=false)'}`,
    credentials,
    '',
    'Try: curl -H "Authorization: Bearer <API key>" ' + `${product.apiUrl}/api/accounts`,
    'Press Ctrl-C to stop.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
} catch (err) {
  logger.fatal({ err }, 'could not start');
  process.stderr.write(`\nCould not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
