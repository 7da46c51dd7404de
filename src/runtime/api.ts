// The API process. With TEMPORAL_WORKER_ENABLED=true (the default) it also runs a worker in-process.
import { loadConfigOrExit } from '../config/config';
import { createLogger } from '../logger';
import { startProduct, stopOnSignals } from './product';

const config = loadConfigOrExit();
const logger = createLogger({ level: config.logLevel, name: 'clento-api' });
try {
  const product = await startProduct(config, logger, { api: true, worker: config.temporal.workerEnabled, embedded: false });
  stopOnSignals(product.stop, logger);
  logger.info({ url: product.apiUrl, temporal: product.temporalAddress, worker: Boolean(product.worker) }, 'api listening');
} catch (err) {
  logger.fatal({ err }, 'could not start');
  process.exit(1);
}
