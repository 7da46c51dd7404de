import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Type, type Static } from '@fastify/type-provider-typebox';
import { findCampaign } from '../../db/repositories/campaign.repository';
import { readCounters, readCounterVersion } from '../../db/repositories/campaign-counter.repository';
import { findAccount } from '../../db/repositories/connected-account.repository';
import type { Db } from '../../db/connection';
import { histogramPercentile } from '../../domain/lead-analytics';
import type { CompileResult } from '../../domain/workflow-definition/plan';
import { configuredLimits, QUOTA_KINDS } from '../../quota/limits';
import { getAccountSettings } from '../../quota/quota.repository';
import type { QuotaTables } from '../../quota/quota.schema';
import type { ApiApp, ApiDeps } from '../app';
import { organizationOf } from '../auth';
import { apiError, notFound } from '../error-codes';
import { IdParams, Timestamp, iso, responses } from '../schemas/common';

/**
 * Campaign analytics from the counters the progress recorder keeps (O(1) in the number of leads),
 * an account's daily activity against its limits, and a live stream of a campaign's counters.
 * The stream is authenticated by a short-lived token from an authenticated call: a browser's
 * EventSource cannot send an Authorization header, and the API key never goes into a URL.
 */

export const STREAM_PREFIX = '/api/streams/';
const STREAM_TOKEN_TTL_MS = 5 * 60_000;
const STREAM_POLL_MS = 1_000;
const STREAM_HEARTBEAT_MS = 15_000;

const CountMap = Type.Record(Type.String(), Type.Integer());
const Rate = Type.Object({
  numerator: Type.Integer(),
  denominator: Type.Integer(),
  rate: Type.Union([Type.Number(), Type.Null()], { description: 'numerator / denominator; null when the base is 0' }),
  base: Type.String({ description: 'What the rate divides, in words' }),
});
const Timing = Type.Object({
  count: Type.Integer(),
  medianMs: Type.Union([Type.Integer(), Type.Null()]),
  p90Ms: Type.Union([Type.Integer(), Type.Null()]),
});

const Analytics = Type.Object({
  campaignId: Type.String({ format: 'uuid' }),
  version: Type.Integer({ description: 'Changes whenever a counter does (the live stream sends it too)' }),
  timeZone: Type.String({ description: "The sender account's time zone: the daily series' days" }),
  leads: Type.Object({ total: Type.Integer({ description: 'Leads in the campaign\'s list' }), byStatus: CountMap }),
  nodes: Type.Array(
    Type.Object({
      id: Type.String(),
      kind: Type.String(),
      label: Type.String(),
      reached: Type.Integer(),
      running: Type.Integer(),
      done: Type.Integer(),
      failed: Type.Integer(),
      skipped: Type.Integer(),
      skippedByReason: CountMap,
      waiting: Type.Integer(),
      waitingByReason: Type.Record(Type.String(), Type.Integer(), {
        description: 'edge_delay, acceptance_window, quota:<reason code>, rate_limited, retry_wait, paused',
      }),
    }),
  ),
  edges: Type.Array(
    Type.Object({
      id: Type.String(),
      from: Type.String(),
      to: Type.String(),
      branch: Type.Union([Type.Literal('accepted'), Type.Literal('not-accepted'), Type.Null()]),
      leads: Type.Integer({ description: 'Leads that went along this edge' }),
    }),
  ),
  rates: Type.Object({ acceptance: Rate, reply: Rate }),
  timings: Type.Object({
    timeToAccept: Timing,
    timeToReply: Timing,
    note: Type.String(),
  }),
  daily: Type.Array(
    Type.Object({
      date: Type.String({ format: 'date' }),
      kind: Type.String({ description: 'Step kind' }),
      outcome: Type.Union([Type.Literal('done'), Type.Literal('skipped'), Type.Literal('failed')]),
      count: Type.Integer(),
    }),
  ),
});

const Activity = Type.Object({
  accountId: Type.String({ format: 'uuid' }),
  timezone: Type.String(),
  limits: Type.Record(Type.String(), Type.Object({ daily: Type.Integer(), weekly: Type.Union([Type.Integer(), Type.Null()]) }), {
    description: 'Configured limits per quota kind (before warm-up)',
  }),
  days: Type.Array(
    Type.Object({
      date: Type.String({ format: 'date' }),
      perKind: CountMap,
    }),
    { description: 'The last 30 days in the account\'s time zone, oldest first, every day present' },
  ),
});

const StreamToken = Type.Object({
  token: Type.String(),
  expiresAt: Timestamp,
  url: Type.String({ description: 'Open with EventSource; events `counters` carry the analytics body' }),
});
const StreamQuery = Type.Object({ token: Type.String({ maxLength: 512 }) }, { additionalProperties: false });

function rate(numerator: number, denominator: number, base: string): Static<typeof Rate> {
  return { numerator, denominator, rate: denominator > 0 ? numerator / denominator : null, base };
}

function timing(counters: Map<string, number>, prefix: string): Static<typeof Timing> {
  const buckets = new Map<number, number>();
  for (const [k, v] of counters) if (k.startsWith(prefix) && v > 0) buckets.set(Number(k.slice(prefix.length)), v);
  const count = [...buckets.values()].reduce((a, b) => a + b, 0);
  return { count, medianMs: histogramPercentile(buckets, 0.5), p90Ms: histogramPercentile(buckets, 0.9) };
}

async function campaignAnalytics(
  db: Db,
  compile: (json: unknown) => CompileResult,
  organizationId: string,
  campaignId: string,
): Promise<Static<typeof Analytics>> {
  const campaign = await findCampaign(db, organizationId, campaignId);
  if (!campaign) throw notFound('campaign', campaignId);
  const [counters, list, settings] = await Promise.all([
    readCounters(db, campaignId),
    campaign.prospect_list
      ? db.selectFrom('lead_lists').select('total_leads').where('id', '=', campaign.prospect_list).executeTakeFirst()
      : undefined,
    campaign.sender_account
      ? db.withTables<QuotaTables>().selectFrom('account_settings').select('timezone').where('account_id', '=', campaign.sender_account).executeTakeFirst()
      : undefined,
  ]);
  const get = (k: string) => counters.get(k) ?? 0;
  const withPrefix = (prefix: string) => {
    const out: Record<string, number> = {};
    for (const [k, v] of counters) if (k.startsWith(prefix) && v !== 0) out[k.slice(prefix.length)] = v;
    return out;
  };
  const sum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);
  const compiled = compile(campaign.workflow_definition);
  const plan = compiled.ok ? compiled.plan : { steps: {}, edges: [] };
  const nodes = Object.values(plan.steps).map((step) => {
    const skippedByReason = withPrefix(`node:${step.id}:skipped:`);
    const waitingByReason = withPrefix(`node:${step.id}:waiting:`);
    return {
      id: step.id,
      kind: step.kind,
      label: step.label,
      reached: get(`node:${step.id}:reached`),
      running: get(`node:${step.id}:running`),
      done: get(`node:${step.id}:done`),
      failed: get(`node:${step.id}:failed`),
      skipped: sum(skippedByReason),
      skippedByReason,
      waiting: sum(waitingByReason),
      waitingByReason,
    };
  });
  const daily: Static<typeof Analytics>['daily'] = [];
  for (const [k, v] of counters) {
    if (!k.startsWith('day:') || v === 0) continue;
    const [, date, kind, outcome] = k.split(':');
    if (date && kind && (outcome === 'done' || outcome === 'skipped' || outcome === 'failed')) daily.push({ date, kind, outcome, count: v });
  }
  daily.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.kind.localeCompare(b.kind)));
  return {
    campaignId,
    version: get('version'),
    timeZone: settings?.timezone ?? 'UTC',
    leads: { total: list?.total_leads ?? 0, byStatus: withPrefix('leads:') },
    nodes,
    edges: plan.edges.map((e) => ({ id: e.id, from: e.from, to: e.to, branch: e.branch ?? null, leads: get(`edge:${e.id}`) })),
    rates: {
      acceptance: rate(get('rate:accepted'), get('rate:invited'), 'accepted / invitations sent'),
      reply: rate(get('rate:replied'), get('rate:contacted'), 'replied / leads contacted (invitation, message, InMail or comment sent)'),
    },
    timings: {
      timeToAccept: timing(counters, 'hist:accept:'),
      timeToReply: timing(counters, 'hist:reply:'),
      note: 'From log-scale buckets (4 per doubling): each figure is within 19% of the exact value. Accept: invitation sent to accepted; reply: first contact to reply.',
    },
    daily,
  };
}

/** A token naming one campaign of one organization until an instant, signed with a per-process secret. */
function createStreamTokens() {
  const secret = randomBytes(32);
  const sign = (body: string) => createHmac('sha256', secret).update(body).digest('base64url');
  return {
    issue(organizationId: string, campaignId: string, now: number) {
      const expires = now + STREAM_TOKEN_TTL_MS;
      const body = `${organizationId}.${campaignId}.${expires}`;
      return { token: `${Buffer.from(body).toString('base64url')}.${sign(body)}`, expiresAt: new Date(expires) };
    },
    /** The organization the token was issued to, if it is genuine, unexpired and for this campaign. */
    verify(token: string, campaignId: string, now: number): string | null {
      const [encoded, mac] = token.split('.');
      if (!encoded || !mac) return null;
      const body = Buffer.from(encoded, 'base64url').toString();
      const expected = Buffer.from(sign(body));
      const given = Buffer.from(mac);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
      const [organizationId, forCampaign, expires] = body.split('.');
      if (!organizationId || forCampaign !== campaignId || !(Number(expires) > now)) return null;
      return organizationId;
    },
  };
}

function lastDays(today: string, n: number): string[] {
  const end = Date.parse(`${today}T00:00:00Z`);
  return Array.from({ length: n }, (_, i) => new Date(end - (n - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

export function registerAnalyticsRoutes(app: ApiApp, deps: Pick<ApiDeps, 'db' | 'compileDefinition'>): void {
  const { db } = deps;
  const tokens = createStreamTokens();
  // Open streams end when the app closes (a server waits for open connections otherwise).
  const openStreams = new Set<() => void>();
  app.addHook('preClose', (done) => {
    for (const end of openStreams) end();
    done();
  });

  app.get(
    '/api/campaigns/:id/analytics',
    {
      schema: {
        tags: ['analytics'],
        summary: 'Counts per step node and edge, rates with their bases, time to accept and reply, daily actions (O(1) in leads)',
        params: IdParams,
        response: responses({ 200: Analytics }, 404),
      },
    },
    async (request) => campaignAnalytics(db, deps.compileDefinition, organizationOf(request), request.params.id),
  );

  app.post(
    '/api/campaigns/:id/stream-token',
    {
      schema: {
        tags: ['analytics'],
        summary: 'A 5-minute token to open the live counters stream (EventSource cannot send the API key)',
        params: IdParams,
        response: responses({ 200: StreamToken }, 404),
      },
    },
    async (request) => {
      const organizationId = organizationOf(request);
      if (!(await findCampaign(db, organizationId, request.params.id))) throw notFound('campaign', request.params.id);
      const { token, expiresAt } = tokens.issue(organizationId, request.params.id, Date.now());
      return { token, expiresAt: iso(expiresAt), url: `${STREAM_PREFIX}campaigns/${request.params.id}?token=${encodeURIComponent(token)}` };
    },
  );

  app.get(
    `${STREAM_PREFIX}campaigns/:id`,
    {
      schema: {
        tags: ['analytics'],
        summary:
          'Server-sent events: `counters` (the analytics body) at once and within a second of every change; a comment every 15 s. Authenticated by ?token= from POST /api/campaigns/:id/stream-token',
        params: IdParams,
        querystring: StreamQuery,
        response: responses({ 200: Type.String({ description: 'text/event-stream' }) }, 404),
      },
    },
    async (request, reply) => {
      const organizationId = tokens.verify(request.query.token, request.params.id, Date.now());
      if (!organizationId) throw apiError('invalid_stream_token', 'the stream token is invalid, expired or for another campaign');
      const campaignId = request.params.id;
      const first = await campaignAnalytics(db, deps.compileDefinition, organizationId, campaignId);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-request-id': request.id,
      });
      const send = (body: unknown) => res.write(`event: counters\ndata: ${JSON.stringify(body)}\n\n`);
      send(first);
      let version = first.version;
      let busy = false;
      let lastWrite = Date.now();
      // One indexed single-row read a second; the whole body only when something changed.
      const timer = setInterval(() => {
        if (busy) return;
        busy = true;
        void (async () => {
          try {
            const now = await readCounterVersion(db, campaignId);
            if (now !== version) {
              const body = await campaignAnalytics(db, deps.compileDefinition, organizationId, campaignId);
              version = body.version;
              send(body);
              lastWrite = Date.now();
            } else if (Date.now() - lastWrite > STREAM_HEARTBEAT_MS) {
              res.write(': keep-alive\n\n');
              lastWrite = Date.now();
            }
          } catch (err) {
            request.log.warn({ err }, 'analytics stream read failed; closing it');
            end();
          } finally {
            busy = false;
          }
        })();
      }, STREAM_POLL_MS);
      const end = () => {
        clearInterval(timer);
        openStreams.delete(end);
        res.end();
      };
      openStreams.add(end);
      res.on('close', end);
    },
  );

  app.get(
    '/api/accounts/:id/activity',
    {
      schema: {
        tags: ['analytics'],
        summary: "Actions granted per day and quota kind over the last 30 days (the account's time zone), with its limits",
        params: IdParams,
        response: responses({ 200: Activity }, 404),
      },
    },
    async (request) => {
      const organizationId = organizationOf(request);
      if (!(await findAccount(db, organizationId, request.params.id))) throw notFound('account', request.params.id);
      const settings = await getAccountSettings(db, request.params.id);
      const today = new Intl.DateTimeFormat('en-CA', { timeZone: settings.timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
      const days = lastDays(today, 30);
      const rows = await db
        .withTables<QuotaTables>()
        .selectFrom('account_action_grants')
        .select((eb) => [eb.fn<string>('to_char', ['local_day', eb.val('YYYY-MM-DD')]).as('day'), 'kind', eb.fn.countAll<string>().as('n')])
        .where('account_id', '=', request.params.id)
        .where('local_day', '>=', days[0]!)
        .groupBy(['local_day', 'kind'])
        .execute();
      const byDay = new Map(days.map((d) => [d, Object.fromEntries(QUOTA_KINDS.map((k) => [k, 0])) as Record<string, number>]));
      for (const r of rows) {
        const day = byDay.get(r.day);
        if (day) day[r.kind] = Number(r.n);
      }
      return {
        accountId: request.params.id,
        timezone: settings.timezone,
        limits: configuredLimits(settings.limits),
        days: days.map((date) => ({ date, perKind: byDay.get(date)! })),
      };
    },
  );
}
