// The one-command local run: API + worker + Temporal dev server (with Web UI) + embedded database +
// sandbox LinkedIn, in one process. Ctrl-C stops all of it; data stays in DATA_DIR for the next start.
import { resolve } from 'node:path';
import { loadConfigOrExit, redactConfig } from '../config/config';
import { createLogger } from '../logger';
import { registerProductWebhooks } from '../linkedin/register-webhooks';
import { UnipileClient } from '../linkedin/unipile.client';
import { formatBanner, type BannerFacts } from './banner';
import { ensureLocalCredentials, ensureWebhookSecret, writeLocalEnv } from './local-bootstrap';
import { startProduct, stopOnSignals } from './product';

const dataDir = process.env.DATA_DIR || '.data';
const config = loadConfigOrExit({
  ...process.env,
  // The local runner always hosts the worker, and receives webhooks with a secret kept in DATA_DIR
  // (stable across starts, so webhooks registered earlier still authenticate).
  TEMPORAL_WORKER_ENABLED: process.env.TEMPORAL_WORKER_ENABLED ?? 'true',
  UNIPILE_WEBHOOK_SECRET: process.env.UNIPILE_WEBHOOK_SECRET || ensureWebhookSecret(dataDir),
});
const logger = createLogger({ level: config.logLevel, name: 'clento-local' });
logger.debug({ config: redactConfig(config) }, 'configuration');

try {
  const product = await startProduct(config, logger, { api: true, worker: true, embedded: true });
  stopOnSignals(product.stop, logger);
  const apiUrl = product.apiUrl!;
  let local: BannerFacts['local'];
  if (product.sandbox) {
    // The sandbox sends its webhooks (acceptances, replies, account status) back to this API; its state is
    // kept, so webhooks of an earlier start (another port with PORT=0) are replaced.
    const sandboxClient = new UnipileClient({ dsn: product.sandbox.dsn, accessToken: product.sandbox.accessToken });
    await registerProductWebhooks(sandboxClient, { baseUrl: apiUrl, secret: config.unipile.webhookSecret!, replaceOtherUrls: true });
    const creds = await ensureLocalCredentials(product.db.db, config.dataDir, product.sandbox);
    const envFile = writeLocalEnv(config.dataDir, {
      B: apiUrl,
      KEY: creds.apiKey,
      ORG: creds.organizationId,
      ACCOUNT: creds.senderAccountId,
      SANDBOX: product.sandbox.url,
      // The sandbox's control routes take the same token as its Unipile API.
      SANDBOX_TOKEN: product.sandbox.accessToken,
      SANDBOX_ACCOUNT: creds.sandboxAccountId,
    });
    local = { ...creds, credentialsFile: resolve(config.dataDir, 'local-credentials.json'), envFile: resolve(envFile) };
  }
  const s = config.unipile.sandbox;
  const acceptance =
    s.acceptAfterMs === null || s.acceptProbability === 0
      ? 'accepts invitations only when told (SANDBOX_ACCEPT_AFTER_MS=never)'
      : `accepts ${Math.round(s.acceptProbability * 100)}% of invitations after ${s.acceptAfterMs / 1000} s (SANDBOX_ACCEPT_PROBABILITY, SANDBOX_ACCEPT_AFTER_MS)`;
  const banner = formatBanner({
    apiUrl,
    dashboardUrl: `${apiUrl}/app`,
    temporalAddress: product.temporalAddress,
    temporalUiUrl: product.temporalUiUrl,
    database: product.db.describe,
    worker: product.worker ? `polling task queue ${config.temporal.taskQueue}` : 'disabled (TEMPORAL_WORKER_ENABLED=false)',
    unipile: product.sandbox
      ? { kind: 'sandbox', url: product.sandbox.url, acceptance, stateFile: resolve(config.dataDir, 'sandbox-linkedin.json') }
      : { kind: 'unipile', url: product.unipileUrl ?? '' },
    // Start-up can wait longer than /ready's 1.5 s: a busy machine must not print a false PROBLEM.
    unipileProbe: await product.probeUnipile?.({ timeoutMs: 5_000 }),
    webhooks: product.webhookRegistration,
    local,
  });
  process.stdout.write(banner);
} catch (err) {
  logger.fatal({ err }, 'could not start');
  process.stderr.write(`\nCould not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
