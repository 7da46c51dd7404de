/**
 * Is Unipile there, and does it take our token? One cheap read (`GET /api/v1/accounts?limit=1`) with a
 * short timeout, cached, so `/ready` and the start-up banner can say so instead of steps sitting in
 * retries. The answer names the base URL, never the token.
 */
import { UnipileError } from './errors';
import type { UnipileClient } from './unipile.client';

export interface UnipileProbeResult {
  ok: boolean;
  /** Why not, in words a user can act on. */
  detail?: string;
}

export interface UnipileProbeOptions {
  /** Per probe (default 1,500 ms: under /ready's 2 s). */
  timeoutMs?: number;
  /** How long an answer is reused (default 30 s; a failure 5 s at most, so a recovered Unipile shows soon). */
  cacheMs?: number;
}

/** The probe; `timeoutMs` overrides the default for one call (the start-up banner can afford a longer wait than /ready). */
export type UnipileProbe = (call?: { timeoutMs?: number }) => Promise<UnipileProbeResult>;

export function createUnipileProbe(client: UnipileClient, opts: UnipileProbeOptions = {}): UnipileProbe {
  const timeoutMs = opts.timeoutMs ?? 1_500;
  const cacheMs = opts.cacheMs ?? 30_000;
  let cached: { at: number; result: UnipileProbeResult } | undefined;
  let inflight: Promise<UnipileProbeResult> | undefined;
  return (call = {}) => {
    if (cached && Date.now() - cached.at < (cached.result.ok ? cacheMs : Math.min(cacheMs, 5_000))) return Promise.resolve(cached.result);
    inflight ??= probeUnipile(client, call.timeoutMs ?? timeoutMs)
      .then((result) => {
        cached = { at: Date.now(), result };
        return result;
      })
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  };
}

export async function probeUnipile(client: UnipileClient, timeoutMs: number): Promise<UnipileProbeResult> {
  try {
    await client.account.getAll({ limit: 1 }, { timeoutMs });
    return { ok: true };
  } catch (err) {
    return { ok: false, detail: describeFailure(err, client.baseUrl, timeoutMs) };
  }
}

function describeFailure(err: unknown, baseUrl: string, timeoutMs: number): string {
  if (!(err instanceof UnipileError)) return `Unipile at ${baseUrl}: ${err instanceof Error ? err.message : String(err)}`;
  if (err.kind === 'http' && (err.status === 401 || err.status === 403)) {
    return `Unipile at ${baseUrl} refused the access token (${err.status} ${err.type}): check UNIPILE_ACCESS_TOKEN`;
  }
  if (err.kind === 'http') return `Unipile at ${baseUrl} answered ${err.status} ${err.type}`;
  if (err.kind === 'timeout') return `Unipile unreachable at ${baseUrl}: no answer within ${timeoutMs} ms`;
  const https = baseUrl.startsWith('https://');
  const hint = https ? ' (a DSN without scheme means https; a local double speaking http needs UNIPILE_DSN=http://host:port)' : '';
  const cause = err.type === 'network' && err.cause instanceof Error ? ` (${err.cause.message})` : '';
  return `Unipile unreachable at ${baseUrl}: ${err.type}${cause}${hint}`;
}
