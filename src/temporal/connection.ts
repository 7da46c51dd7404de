import { Client, Connection } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { tracing } from '../telemetry/tracing';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config/config';

/**
 * One way to reach Temporal from config: a local dev server or self-hosted cluster (plain address),
 * Temporal Cloud with mTLS (TEMPORAL_CLIENT_CERT/KEY) or with an API key (TEMPORAL_API_KEY).
 */
export interface TemporalTarget {
  address: string;
  namespace: string;
  tls?: { cert: string; key: string };
  apiKey?: string;
}

export function targetFromConfig(config: Config, address: string): TemporalTarget {
  return {
    address,
    namespace: config.temporal.namespace,
    tls: config.temporal.tls ? { ...config.temporal.tls } : undefined,
    apiKey: config.temporal.apiKey,
  };
}

function connectionOptions(target: TemporalTarget) {
  if (target.tls) {
    return { address: target.address, tls: { clientCertPair: { crt: Buffer.from(target.tls.cert), key: Buffer.from(target.tls.key) } } };
  }
  if (target.apiKey) return { address: target.address, tls: true, apiKey: target.apiKey };
  return { address: target.address };
}

export async function connectClient(target: TemporalTarget): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ ...connectionOptions(target), connectTimeout: '10s' });
  // With tracing on, starts and signals carry the caller's trace context; the trace header on a start is also
  // what turns the workflow's own tracing interceptors on (workflows/tracing.interceptors.ts). Off: no header,
  // and workflows run exactly as without tracing.
  const interceptors = tracing().enabled ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : undefined;
  return { client: new Client({ connection, namespace: target.namespace, interceptors }), connection };
}

export function connectWorkerConnection(target: TemporalTarget): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(target));
}
