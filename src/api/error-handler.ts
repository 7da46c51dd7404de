import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors';
import { apiError } from './error-codes';

/**
 * The one place an error becomes an HTTP answer: `{ error: { code, message, details? } }`.
 * AppErrors carry their own code and status; Fastify's own errors (validation, body parsing, limits)
 * are mapped to stable codes; anything else is a 500 whose message and stack stay in the log.
 */

interface AjvIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

export interface ValidationProblem {
  /** Where the problem is, e.g. `body.leadsPerDay`, `querystring.limit`, `params.id`, `body.schedule.days[2]`. */
  path: string;
  message: string;
  keyword: string;
}

function basePath(context: string | undefined, instancePath: string): string {
  let path = context ?? 'body';
  for (const segment of instancePath.split('/').slice(1)) {
    const key = segment.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(key) ? `[${key}]` : `.${key}`;
  }
  return path;
}

const names = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : [];

/** One issue from the validator (TypeBox, or Ajv's shape) as one or more problems, one per property. */
function problemsOf(context: string | undefined, issue: AjvIssue): ValidationProblem[] {
  const path = basePath(context, issue.instancePath);
  const { keyword, params } = issue;
  if (keyword === 'required') {
    return names(params.requiredProperties ?? params.missingProperty).map((p) => ({
      path: `${path}.${p}`,
      message: 'is required',
      keyword,
    }));
  }
  if (keyword === 'additionalProperties') {
    return names(params.additionalProperties ?? params.additionalProperty).map((p) => ({
      path: `${path}.${p}`,
      message: 'is not a known property',
      keyword,
    }));
  }
  // TypeBox also reports each unknown property as `schema is false` at its own path: same problem.
  if (keyword === 'boolean')
    return [{ path, message: 'is not a known property', keyword: 'additionalProperties' }];
  return [{ path, message: issue.message ?? keyword, keyword }];
}

export function validationProblems(error: FastifyError): ValidationProblem[] {
  const issues = (error.validation ?? []) as unknown as AjvIssue[];
  const byPath = new Map<string, ValidationProblem[]>();
  for (const problem of issues.flatMap((issue) => problemsOf(error.validationContext, issue))) {
    const group = byPath.get(problem.path) ?? [];
    if (!group.some((p) => p.message === problem.message)) group.push(problem);
    byPath.set(problem.path, group);
  }
  // A value matching none of a union's branches: one problem saying what each branch wanted.
  return [...byPath.values()].flatMap((group) => {
    const union = group.find((p) => p.keyword === 'anyOf');
    if (!union) return group;
    const branches = group.filter((p) => p !== union).map((p) => p.message);
    return [
      {
        path: union.path,
        keyword: 'anyOf',
        message: branches.length > 0 ? branches.join(', or ') : union.message,
      },
    ];
  });
}

function toAppError(error: FastifyError): AppError | undefined {
  if (error instanceof AppError) return error;
  if (error.validation) {
    const problems = validationProblems(error);
    const summary = problems.map((p) => `${p.path} ${p.message}`).join('; ');
    return apiError('validation_failed', `request validation failed: ${summary}`, problems);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return apiError(
        'malformed_json',
        error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
          ? 'the JSON body is empty'
          : 'the body is not valid JSON',
      );
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return apiError('payload_too_large', 'the request body is larger than this route accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return apiError(
        'unsupported_media_type',
        'unsupported Content-Type; this route accepts application/json (lead imports also text/csv)',
      );
    default:
      break;
  }
  // Body parsers report a JSON syntax error as a plain SyntaxError with status 400.
  if (error instanceof SyntaxError && error.statusCode === 400)
    return apiError('malformed_json', 'the body is not valid JSON');
  if (typeof error.statusCode === 'number' && error.statusCode === 413)
    return apiError('payload_too_large', 'the request body is too large');
  if (typeof error.statusCode === 'number' && error.statusCode === 415)
    return apiError('unsupported_media_type', 'unsupported Content-Type');
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    // Fastify's own client errors (bad Content-Length, aborted body...): their messages are safe to show.
    return apiError('bad_request', error.message);
  }
  return undefined;
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const appError = toAppError(error);
    if (!appError) {
      request.log.error({ err: error }, 'unhandled error');
      const internal = apiError(
        'internal_error',
        'internal error; quote the x-request-id response header when reporting it',
      );
      return reply.status(500).send({ error: { code: internal.code, message: internal.message } });
    }
    if (appError.httpStatus >= 500) request.log.error({ err: appError }, appError.message);
    else request.log.info({ code: appError.code, status: appError.httpStatus }, appError.message);
    const body: { code: string; message: string; details?: unknown } = {
      code: appError.code,
      message: appError.message,
    };
    if (appError.details !== undefined) body.details = appError.details;
    return reply.status(appError.httpStatus).send({ error: body });
  });

  app.setNotFoundHandler((request, reply) => {
    const error = apiError(
      'route_not_found',
      `no route ${request.method} ${request.url.split('?')[0] ?? ''}`,
    );
    return reply.status(404).send({ error: { code: error.code, message: error.message } });
  });
}
