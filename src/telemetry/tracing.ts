/**
 * OpenTelemetry traces, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (or a test passes its own span
 * processor). One trace runs from the HTTP request that starts a campaign (Fastify's instrumentation),
 * through the Temporal client, the orchestrator and lead workflows and their activities (Temporal's
 * interceptors: the context travels in workflow and activity headers), to each Unipile call (client
 * spans in linkedin/unipile.client.ts). Workflow spans are made in the sandbox and leave it through
 * the `exporter` sink (makeWorkflowExporter).
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export interface Tracing {
  enabled: boolean;
  /** Where workflow spans go (the worker's sink); a no-op when tracing is off. */
  spanProcessor: SpanProcessor;
  resource: Resource;
  shutdown(): Promise<void>;
}

const OFF: Tracing = {
  enabled: false,
  spanProcessor: new NoopSpanProcessor(),
  resource: new Resource({ 'service.name': 'clento-outreach' }),
  shutdown: () => Promise.resolve(),
};
let current: Tracing = OFF;

/** What this process traces to (OFF until setupTracing ran with an endpoint or a processor). */
export function tracing(): Tracing {
  return current;
}

/**
 * Registers the global tracer provider (async-context propagation, W3C trace context) once per process.
 * `spanProcessor` replaces the OTLP exporter (tests pass an in-memory one).
 */
export function setupTracing(opts: { otlpEndpoint?: string; serviceName?: string; spanProcessor?: SpanProcessor }): Tracing {
  if (current.enabled) return current;
  if (!opts.otlpEndpoint && !opts.spanProcessor) return current;
  const resource = new Resource({ 'service.name': opts.serviceName ?? 'clento-outreach' });
  const spanProcessor =
    opts.spanProcessor ?? new BatchSpanProcessor(new OTLPTraceExporter({ url: `${opts.otlpEndpoint!.replace(/\/+$/, '')}/v1/traces` }));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  current = { enabled: true, spanProcessor, resource, shutdown: () => provider.shutdown() };
  return current;
}
