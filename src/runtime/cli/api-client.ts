/**
 * The people's CLI talks to a deployment's HTTP API with an API key, never to its database: it works
 * against any deployment. Errors carry the API's stable error code (docs/errors.md).
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface ApiClient {
  baseUrl: string;
  call<T = unknown>(method: string, path: string, opts?: { json?: unknown; text?: string; contentType?: string }): Promise<T>;
}

export function createApiClient(opts: { baseUrl: string; apiKey: string; fetch?: typeof fetch }): ApiClient {
  const doFetch = opts.fetch ?? globalThis.fetch;
  const baseUrl = opts.baseUrl.replace(/\/+$/, '');
  return {
    baseUrl,
    async call<T>(method: string, path: string, o: { json?: unknown; text?: string; contentType?: string } = {}): Promise<T> {
      const headers: Record<string, string> = { authorization: `Bearer ${opts.apiKey}`, accept: 'application/json' };
      let body: string | undefined;
      if (o.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(o.json);
      } else if (o.text !== undefined) {
        headers['content-type'] = o.contentType ?? 'text/plain';
        body = o.text;
      }
      let res: Response;
      try {
        res = await doFetch(`${baseUrl}${path}`, { method, headers, body, signal: AbortSignal.timeout(60_000) });
      } catch (err) {
        const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
        throw new CliError(`cannot reach the API at ${baseUrl}${cause}`, 'unreachable');
      }
      const text = await res.text();
      const parsed = text ? safeJson(text) : undefined;
      if (!res.ok) {
        const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
        throw new CliError(error?.message ?? `${method} ${path} answered ${res.status}`, error?.code ?? `http_${res.status}`, res.status);
      }
      return parsed as T;
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
