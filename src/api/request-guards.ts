import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import { apiError, type ErrorCode } from './error-codes';
import type { ValidationProblem } from './error-handler';
import { ErrorRef } from './schemas/common';

/**
 * Bad input stopped at the edge, the same way on every route, before a handler (or PostgreSQL) sees it:
 * JSON nested too deep, NUL bytes in any string (PostgreSQL refuses them in text and jsonb), text
 * bodies on JSON routes, over-long URLs, and requests the HTTP parser itself rejects.
 */

/** Deeper JSON than this is refused before parsing (campaign definitions nest about 6 levels). */
export const MAX_JSON_DEPTH = 64;
/** Longer request lines (path plus query) answer 414. */
export const MAX_URL_LENGTH = 8 * 1024;
/** Path parameters longer than this answer 414 (ids are 36 characters). */
export const MAX_PARAM_LENGTH = 100;
/** At most this many NUL problems are listed in one answer. */
const MAX_NUL_PROBLEMS = 20;

/** Whether a JSON text nests objects/arrays deeper than `max`: one pass, strings skipped, no recursion. */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i += 1;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      depth += 1;
      if (depth > max) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth -= 1;
  }
  return false;
}

type ParserDone = (err: Error | null, body?: unknown) => void;
type JsonParser = (request: FastifyRequest, body: string, done: ParserDone) => void;

export function tooDeepError(): Error {
  return apiError('json_too_deep', `the JSON body nests deeper than ${MAX_JSON_DEPTH} levels`);
}

/** Wraps Fastify's own JSON parser (prototype-poisoning checks, empty-body error) with the depth limit. */
export function depthLimitedJsonParser(app: FastifyInstance): JsonParser {
  const parse = app.getDefaultJsonParser('error', 'error') as unknown as JsonParser;
  return (request, body, done) => {
    if (jsonDepthExceeds(body, MAX_JSON_DEPTH)) return done(tooDeepError());
    parse(request, body, done);
  };
}

/** Every string (and object key) in `value` holding a NUL byte, as `path` problems; iterative, so depth cannot overflow. */
export function nulProblems(value: unknown, root: string): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const stack: Array<[unknown, string]> = [[value, root]];
  while (stack.length > 0 && problems.length < MAX_NUL_PROBLEMS) {
    const [current, path] = stack.pop()!;
    if (typeof current === 'string') {
      if (current.includes('\u0000')) problems.push({ path, message: 'contains a NUL byte', keyword: 'nul' });
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i -= 1) stack.push([current[i], `${path}[${i}]`]);
    } else if (current !== null && typeof current === 'object') {
      for (const [key, child] of Object.entries(current)) {
        const childPath = `${path}.${key.split('\u0000').join('\\u0000')}`;
        if (key.includes('\u0000'))
          problems.push({ path: childPath, message: 'is a property name with a NUL byte', keyword: 'nul' });
        else stack.push([child, childPath]);
      }
    }
  }
  return problems;
}

/** The media type of a request, lower-cased, without parameters. */
function mediaType(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** A text body is taken only by a route whose body schema lists that media type (the lead import's CSV). */
function acceptsText(request: FastifyRequest): boolean {
  const body = request.routeOptions.schema?.body as { content?: Record<string, unknown> } | undefined;
  return body?.content !== undefined && mediaType(request) in body.content;
}

function errorJson(code: ErrorCode, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

/**
 * Answers the requests Node's HTTP parser rejects (malformed Content-Length, headers or URL over the
 * 16 KiB header limit...) in the documented shape, instead of Fastify's default body.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const error = tooLarge
    ? apiError('headers_too_large', 'the request line and headers exceed 16 KiB')
    : apiError('bad_request', `the HTTP request is malformed (${err.code ?? 'parse error'})`);
  const body = errorJson(error.code as ErrorCode, error.message);
  socket.end(
    `HTTP/1.1 ${error.httpStatus} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
}

/** What Fastify's router rejects before any hook runs (bad percent-encoding, over-long params), in our shape. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const appError =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? apiError('uri_too_long', `a path segment is longer than ${MAX_PARAM_LENGTH} characters`)
      : error.code === 'FST_ERR_BAD_URL'
        ? apiError('bad_request', 'the URL is not valid (broken percent-encoding)')
        : undefined;
  if (!appError) {
    request.log.error({ err: error }, 'router error');
    const internal = apiError('internal_error', 'internal error; quote the x-request-id response header when reporting it');
    void reply.status(500).header('x-request-id', request.id).send({ error: { code: internal.code, message: internal.message } });
    return;
  }
  void reply
    .status(appError.httpStatus)
    .header('x-request-id', request.id)
    .send({ error: { code: appError.code, message: appError.message } });
}

export function registerRequestGuards(app: FastifyInstance): void {
  // What these guards answer is documented on every route that takes a body (OpenAPI, and so the fuzz run).
  app.addHook('onRoute', (route) => {
    const schema = route.schema as { body?: unknown; response?: Record<string, unknown> } | undefined;
    if (!schema?.body || !schema.response) return;
    route.schema = { ...schema, response: { 413: ErrorRef, 415: ErrorRef, ...schema.response } };
  });

  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, depthLimitedJsonParser(app));

  app.addHook('onRequest', (request, _reply, done) => {
    if (request.url.length > MAX_URL_LENGTH)
      return done(apiError('uri_too_long', `the URL is longer than ${MAX_URL_LENGTH} characters`));
    done();
  });

  // preValidation: after parsing, before the schema and the handler; the same check on every route.
  app.addHook('preValidation', (request, _reply, done) => {
    if (request.body !== undefined && request.body !== null && mediaType(request) !== 'application/json' && !acceptsText(request))
      return done(apiError('unsupported_media_type', 'this route accepts application/json only'));
    const problems = [
      ...nulProblems(request.params, 'params'),
      ...nulProblems(request.query, 'querystring'),
      // A CSV body is checked cell by cell by the import, which rejects only the rows holding one.
      ...(typeof request.body === 'string' ? [] : nulProblems(request.body, 'body')),
    ];
    if (problems.length === 0) return done();
    const summary = problems.map((p) => `${p.path} ${p.message}`).join('; ');
    done(apiError('validation_failed', `request validation failed: ${summary}`, problems));
  });
}
