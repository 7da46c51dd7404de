/**
 * Workflow interceptors for OpenTelemetry (bundled with the workflows: temporal/worker.ts lists this
 * module), gated per execution so that histories recorded before tracing existed replay unchanged.
 *
 * Why a gate: OpenTelemetry's outbound interceptor awaits before it schedules an activity (to add the
 * trace header), which can reorder the commands of one activation (an activity and a timer issued
 * together). A workflow started without a trace header (every execution started before this version, and
 * every one started while tracing is off) therefore runs with no tracing interceptor at all, exactly as
 * it would without them; one started with the header (the Temporal client adds it when tracing is on,
 * and a traced workflow passes it to its children and to its continue-as-new run) runs with them, on its
 * first execution and on every replay, even after tracing is switched off. The decision rests on the
 * start input recorded in the history: deterministic, and no tracing cost when tracing is off.
 */
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type {
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptors,
  WorkflowInternalsInterceptor,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

/** The header OpenTelemetry's Temporal interceptors carry the trace context in. */
export const TRACE_HEADER = '_tracer-data';

type Inbound = Required<Pick<WorkflowInboundCallsInterceptor, 'execute' | 'handleSignal' | 'handleUpdate' | 'validateUpdate' | 'handleQuery'>>;
type Outbound = Required<
  Pick<
    WorkflowOutboundCallsInterceptor,
    'scheduleActivity' | 'scheduleLocalActivity' | 'startNexusOperation' | 'startChildWorkflowExecution' | 'continueAsNew' | 'signalWorkflow' | 'getLogAttributes' | 'getMetricTags'
  >
>;

export const interceptors = (): WorkflowInterceptors => {
  // Per execution (the factory runs once per workflow), never module state: workflows share the isolate.
  // OpenTelemetry's interceptors are only made for a traced execution: an untraced one never touches them.
  let otel: { in: OpenTelemetryInboundInterceptor; out: OpenTelemetryOutboundInterceptor; internals: OpenTelemetryInternalsInterceptor } | undefined;
  const inbound: Inbound = {
    execute: (input, next) => {
      if (TRACE_HEADER in input.headers) otel = { in: new OpenTelemetryInboundInterceptor(), out: new OpenTelemetryOutboundInterceptor(), internals: new OpenTelemetryInternalsInterceptor() };
      return otel ? otel.in.execute(input, next) : next(input);
    },
    handleSignal: (input, next) => (otel ? otel.in.handleSignal(input, next) : next(input)),
    handleUpdate: (input, next) => (otel ? otel.in.handleUpdate(input, next) : next(input)),
    validateUpdate: (input, next) => (otel ? otel.in.validateUpdate(input, next) : next(input)),
    handleQuery: (input, next) => (otel ? otel.in.handleQuery(input, next) : next(input)),
  };
  // Each outbound method: OpenTelemetry's when traced, else straight to `next` (the casts only bridge the per-method signatures).
  const gate = <K extends keyof Outbound>(method: K): Outbound[K] =>
    ((input: unknown, next: (input: unknown) => unknown) =>
      otel ? (otel.out[method] as unknown as (input: unknown, next: unknown) => unknown).call(otel.out, input, next) : next(input)) as unknown as Outbound[K];
  const outbound: Outbound = {
    scheduleActivity: gate('scheduleActivity'),
    scheduleLocalActivity: gate('scheduleLocalActivity'),
    startNexusOperation: gate('startNexusOperation'),
    startChildWorkflowExecution: gate('startChildWorkflowExecution'),
    continueAsNew: gate('continueAsNew'),
    signalWorkflow: gate('signalWorkflow'),
    getLogAttributes: gate('getLogAttributes'),
    getMetricTags: gate('getMetricTags'),
  };
  const internals: WorkflowInternalsInterceptor = {
    dispose: (input, next) => {
      // OpenTelemetry's returns a promise only because it is declared async; it calls `next` synchronously.
      if (otel) void otel.internals.dispose(input, next);
      else next(input);
    },
  };
  return { inbound: [inbound], outbound: [outbound], internals: [internals] };
};
