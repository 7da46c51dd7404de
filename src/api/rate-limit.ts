import rateLimit, { type FastifyRateLimitStore } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { sql } from 'kysely';
import type { Db } from '../db/connection';
import { WEBHOOK_PREFIX } from './auth';
import { apiError } from './error-codes';

/**
 * Rate limits: per API key on authenticated routes, per client IP otherwise (refused keys included,
 * so guessing keys is limited too). @fastify/rate-limit does the HTTP side (429, Retry-After, the
 * X-RateLimit-* headers); the counters live in Postgres (`api_rate_limits`), one row per bucket and
 * window, so every API process shares them. Provider webhooks (authenticated by their secret,
 * bounded by body size) and the liveness/readiness probes are not limited.
 */

export interface RateLimits {
  /** Requests a minute per API key (named so the config printer does not take it for a secret). */
  authenticatedPerMinute: number;
  /** Requests a minute per client IP on routes without a (valid) key. */
  unauthenticatedPerMinute: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { authenticatedPerMinute: 600, unauthenticatedPerMinute: 60 };
const WINDOW_MS = 60_000;
const UNLIMITED_ROUTES = new Set(['/health', '/ready']);
/** Expired windows are swept now and then by whichever process counts; one row per client stays small. */
const SWEEP_EVERY = 1000;

/** The store interface of @fastify/rate-limit over one table: the counter is bumped by one atomic upsert. */
function postgresStore(db: Db, onSweepError: (err: unknown) => void) {
  let untilSweep = SWEEP_EVERY;
  const incr = async (bucket: string, windowMs: number): Promise<{ current: number; ttl: number }> => {
    const { rows } = await sql<{ hits: number; ttl_ms: number }>`
      insert into api_rate_limits as r (bucket, hits, window_ends_at)
      values (${bucket}, 1, now() + ${windowMs} * interval '1 millisecond')
      on conflict (bucket) do update set
        hits = case when r.window_ends_at <= now() then 1 else r.hits + 1 end,
        window_ends_at = case when r.window_ends_at <= now() then excluded.window_ends_at else r.window_ends_at end
      returning hits, greatest(0, ceil(extract(epoch from (window_ends_at - now())) * 1000))::integer as ttl_ms`.execute(db);
    const row = rows[0];
    if (!row) throw new Error('rate limit upsert returned no row');
    if (--untilSweep <= 0) {
      untilSweep = SWEEP_EVERY;
      sql`delete from api_rate_limits where window_ends_at < now() - interval '10 minutes'`.execute(db).catch(onSweepError);
    }
    return { current: Number(row.hits), ttl: Number(row.ttl_ms) };
  };
  class PostgresRateLimitStore implements FastifyRateLimitStore {
    incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
      incr(key, timeWindow).then(
        (result) => callback(null, result),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    }
    child(): FastifyRateLimitStore {
      return new PostgresRateLimitStore();
    }
  }
  return PostgresRateLimitStore;
}

const isExempt = (request: FastifyRequest): boolean => {
  const url = request.routeOptions.url;
  return url !== undefined && (url.startsWith(WEBHOOK_PREFIX) || UNLIMITED_ROUTES.has(url));
};

/**
 * Registers the plugin and returns the onRequest hook that counts a request; the auth hooks run it
 * between identifying the key and refusing a bad one (see registerAuth).
 */
export async function registerRateLimit(app: FastifyInstance, db: Db, limits: RateLimits): Promise<onRequestAsyncHookHandler> {
  await app.register(rateLimit, {
    global: false,
    store: postgresStore(db, (err) => app.log.warn({ err }, 'rate limit sweep failed')),
    timeWindow: WINDOW_MS,
    keyGenerator: (request) => (request.apiKey ? `key:${request.apiKey.id}` : `ip:${request.ip}`),
    max: (request) => (request.apiKey ? limits.authenticatedPerMinute : limits.unauthenticatedPerMinute),
    allowList: (request) => isExempt(request),
    // The database is the store: when it is down the request fails on its own merits, not with a 429.
    skipOnError: true,
    errorResponseBuilder: (request, context) =>
      apiError('rate_limited', `rate limit of ${context.max} requests a minute reached for this ${request.apiKey ? 'API key' : 'client'}; retry in ${context.after}`, {
        limit: context.max,
        retryAfterSeconds: Math.ceil(context.ttl / 1000),
      }),
  });
  return app.rateLimit();
}
