import { createServer } from 'node:net';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { setSdkMetricsAddress } from './metrics';

let installed: Promise<{ sdkMetrics: boolean }> | undefined;

/**
 * The Temporal SDK's process-global runtime: its logger at our level (WARN at most chatty) and its
 * worker metrics (task latencies, slots, sticky cache, polls) on a Prometheus exporter bound to a free
 * loopback port, which our /metrics reads and appends. Must run before any connection or worker;
 * a process that installed its own runtime first (the tests) keeps it, without SDK metrics.
 */
export function installTemporalRuntime(opts: { logLevel: string }): Promise<{ sdkMetrics: boolean }> {
  installed ??= install(opts.logLevel);
  return installed;
}

async function install(logLevel: string): Promise<{ sdkMetrics: boolean }> {
  const sdkLevel = logLevel === 'trace' ? 'TRACE' : logLevel === 'debug' ? 'DEBUG' : 'WARN';
  const bindAddress = `127.0.0.1:${await freePort()}`;
  try {
    Runtime.install({
      logger: new DefaultLogger(sdkLevel),
      telemetryOptions: { metrics: { prometheus: { bindAddress, countersTotalSuffix: true, useSecondsForDurations: true } } },
    });
  } catch {
    // Already installed by the embedding process (tests): keep theirs.
    return { sdkMetrics: false };
  }
  setSdkMetricsAddress(bindAddress);
  return { sdkMetrics: true };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
