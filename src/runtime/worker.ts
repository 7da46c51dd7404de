// A worker process on the task queue; run as many as the load needs (they share nothing but Temporal and Postgres).
import { loadConfigOrExit } from '../config/config';
import { createLogger } from '../logger';
import { startProduct, stopOnSignals } from './product';

const config = loadConfigOrExit({ ...process.env, TEMPORAL_WORKER_ENABLED: 'true' });
const logger = createLogger({ level: config.logLevel, name: 'clento-worker' });
try {
  const product = await startProduct(config, logger, { api: false, worker: true, embedded: false });
  stopOnSignals(product.stop, logger);
  logger.info({ temporal: product.temporalAddress, taskQueue: config.temporal.taskQueue, metrics: `${product.metricsUrl}/metrics` }, 'worker polling');
} catch (err) {
  logger.fatal({ err }, 'could not start');
  process.exit(1);
}
