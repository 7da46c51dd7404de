import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  makeWorkflowExporter,
} from '@temporalio/interceptors-opentelemetry';
import { Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tracing } from '../telemetry/tracing';
import type { Config } from '../config/config';
import type { Logger } from '../logger';

/** The workflow code the worker runs: a bundle built once (tests, CI) or the source folder. */
export type WorkflowSource = { bundle: WorkflowBundleWithSourceMap } | { bundlePath: string } | { workflowsPath: string };

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
/**
 * Modules bundled with the workflows whose `interceptors` export runs in the sandbox: OpenTelemetry's,
 * gated per execution on the trace header (see workflows/tracing.interceptors.ts: histories recorded
 * before tracing existed replay without them).
 */
export const WORKFLOW_INTERCEPTOR_MODULES: readonly string[] = [fileURLToPath(new URL('../workflows/tracing.interceptors.ts', import.meta.url))];
/** The bundle `npm run build` writes next to the compiled entry points (dist/workflow-bundle.js); absent when running from source. */
const PREBUILT_BUNDLE = fileURLToPath(new URL('./workflow-bundle.js', import.meta.url));

/** Default workflow code: the prebuilt bundle of a production build, else the sources (bundled at start). */
export function defaultWorkflowSource(): WorkflowSource {
  return existsSync(PREBUILT_BUNDLE) ? { bundlePath: PREBUILT_BUNDLE } : { workflowsPath: WORKFLOWS_PATH };
}

export async function createWorker(opts: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: object;
  workflows?: WorkflowSource;
  tuning?: Partial<Config['worker']>;
  logger?: Logger;
}): Promise<Worker> {
  const source = opts.workflows ?? defaultWorkflowSource();
  const workflowOption =
    'bundle' in source
      ? { workflowBundle: source.bundle }
      : 'bundlePath' in source
        ? { workflowBundle: { codePath: source.bundlePath } }
        : { workflowsPath: source.workflowsPath, interceptors: { workflowModules: [...WORKFLOW_INTERCEPTOR_MODULES] } };
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: opts.activities,
    ...workflowOption,
    // Always installed (the bundle carries the workflow side); with tracing off spans go nowhere.
    interceptors: {
      ...('interceptors' in workflowOption ? workflowOption.interceptors : {}),
      activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })],
    },
    sinks: { exporter: makeWorkflowExporter(tracing().spanProcessor, tracing().resource) },
    maxConcurrentActivityTaskExecutions: opts.tuning?.maxConcurrentActivityTaskExecutions ?? 100,
    maxConcurrentWorkflowTaskExecutions: opts.tuning?.maxConcurrentWorkflowTaskExecutions ?? 50,
    maxActivitiesPerSecond: opts.tuning?.maxActivitiesPerSecond ?? 200,
    // In-flight activities get this long to finish on shutdown before they are cancelled.
    shutdownGraceTime: `${opts.tuning?.shutdownGraceSeconds ?? 30} seconds`,
  });
}
