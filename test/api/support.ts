import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { AddressInfo } from 'node:net';
import { buildApp, type ApiDeps } from '../../src/api/app';
import { startSandboxLinkedIn, type SandboxHandle } from '../../src/linkedin/sandbox/server';
import { UnipileClient } from '../../src/linkedin/unipile.client';
import { unipileAccountDirectory } from '../../src/runtime/account-directory';
import type { CompileResult } from '../../src/domain/workflow-definition/plan';
import { createLogger } from '../../src/logger';
import type { CampaignControl, CampaignStatusView } from '../../src/services/campaign-control';
import { createCampaignService } from '../../src/services/campaign.service';
import { createOrganizationWithKey } from '../../src/services/organizations';
import type { Client } from '@temporalio/client';
import { createTestDatabase, type TestDatabase } from '../support/database';

/** A CampaignControl that records each call and answers from a script (or throws what it is told to). */
export class FakeCampaignControl implements CampaignControl {
  calls: Array<{ method: keyof CampaignControl; input: unknown }> = [];
  /** Thrown by the next call, then cleared. */
  failWith: Error | undefined = undefined;
  alreadyRunning = false;
  /** What pause/resume/stop answer as `applied` (false: Temporal could not be reached). */
  applied = true;

  view(campaignId: string, status = 'in_progress'): CampaignStatusView {
    return {
      campaignId,
      status,
      statusReason: null,
      workflowId: `campaign-${campaignId}`,
      totalLeads: 3,
      processedLeads: 1,
      successfulLeads: 1,
      failedLeads: 0,
      leadsByState: { pending: 2, completed: 1, not_started: 0 },
      workflows: { items: [], nextCursor: null, executionsUrl: `/api/campaigns/${campaignId}/executions` },
      steps: {
        'visit-1': {
          kind: 'profile_visit',
          label: 'Visit Profile',
          running: 0,
          done: 1,
          skipped: 0,
          failed: 0,
        },
      },
      startedAt: '2026-11-25T10:00:00.000Z',
      completedAt: null,
    };
  }

  private record(method: keyof CampaignControl, input: unknown): void {
    this.calls.push({ method, input });
    const failure = this.failWith;
    this.failWith = undefined;
    if (failure !== undefined) throw failure;
  }

  start(input: Parameters<CampaignControl['start']>[0]) {
    this.record('start', input);
    return Promise.resolve({ ...this.view(input.campaignId), alreadyRunning: this.alreadyRunning });
  }
  pause(input: Parameters<CampaignControl['pause']>[0]) {
    this.record('pause', input);
    return Promise.resolve({ ...this.view(input.campaignId, 'paused'), changed: true, applied: this.applied });
  }
  resume(input: Parameters<CampaignControl['resume']>[0]) {
    this.record('resume', input);
    return Promise.resolve({ ...this.view(input.campaignId), changed: true, applied: this.applied });
  }
  stop(input: Parameters<CampaignControl['stop']>[0]) {
    this.record('stop', input);
    return Promise.resolve({ ...this.view(input.campaignId, 'stopped'), changed: true, applied: this.applied });
  }
  status(input: Parameters<CampaignControl['status']>[0]) {
    this.record('status', input);
    return Promise.resolve(this.view(input.campaignId));
  }
  announceDefinition(input: Parameters<CampaignControl['announceDefinition']>[0]) {
    this.record('announceDefinition', input);
    return Promise.resolve();
  }
}

/**
 * Stands in for the real compiler: a definition is valid unless it has no nodes, or a node whose
 * data.type is "bogus" (reported with its nodeId and path), or an edge to a missing node.
 */
export function fakeCompileDefinition(json: unknown): CompileResult {
  const def = json as {
    nodes?: Array<{ id?: string; data?: { type?: string } }>;
    edges?: Array<{ id?: string; target?: string }>;
  };
  const problems: Extract<CompileResult, { ok: false }>['problems'] = [];
  const nodes = def.nodes ?? [];
  if (nodes.length === 0)
    problems.push({ code: 'no_entry_node', message: 'the graph has no steps', path: 'nodes' });
  nodes.forEach((n, i) => {
    if (n.data?.type === 'bogus')
      problems.push({
        code: 'unknown_step_kind',
        message: 'unknown step kind "bogus"',
        nodeId: n.id,
        path: `nodes[${i}].data.type`,
      });
  });
  (def.edges ?? []).forEach((e) => {
    if (!nodes.some((n) => n.id === e.target))
      problems.push({
        code: 'dangling_edge',
        message: `edge targets missing node ${e.target}`,
        edgeId: e.id,
      });
  });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, plan: { version: 1, entry: nodes[0]?.id ?? '', steps: {}, edges: [] } };
}

export const VALID_DEFINITION = {
  nodes: [
    {
      id: 'visit-1',
      type: 'action',
      position: { x: 0, y: 0 },
      data: { type: 'profile_visit', label: 'Visit Profile', isConfigured: true, config: {} },
    },
    { id: 'add-2', type: 'addStep', position: { x: 0, y: 150 }, data: {} },
  ],
  edges: [{ id: 'e1', source: 'visit-1', target: 'add-2', type: 'buttonedge', data: {} }],
  timestamp: '2026-11-25T10:00:00.000Z',
};

export interface Org {
  organizationId: string;
  apiKey: string;
  headers: { authorization: string };
}

export interface TestApi {
  app: FastifyInstance;
  db: TestDatabase['db'];
  /** Pass as `database` to a second app instance on the same database. */
  database: TestDatabase;
  control: FakeCampaignControl;
  orgA: Org;
  orgB: Org;
  /** The Unipile the API verifies account ids with (the sandbox, over HTTP). */
  sandbox: SandboxHandle;
  /** An account Unipile knows (created in the sandbox), ready to be registered; returns its id. */
  unipileAccount(id?: string): string;
  /** Listens on a free port (for callbacks from the sandbox); the hosted auth notify URL points here. */
  listen(): Promise<string>;
  /** Every log line the app wrote. */
  logs: string[];
  /** inject with orgA's key unless other headers are given. */
  call(opts: InjectOptions & { as?: Org }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** High enough that no test meets it unless it means to (the rate-limit tests set their own). */
export const TEST_RATE_LIMITS = { authenticatedPerMinute: 1_000_000, unauthenticatedPerMinute: 1_000_000 };
export const TEST_HOSTED_AUTH_SECRET = 'test-hosted-auth-secret';

type Overrides = Partial<Omit<ApiDeps, 'db' | 'logger'>>;

/** `overrides` may be a function of the test database, for deps that need it (e.g. the webhook service). */
export async function startTestApi(
  overrides: Overrides | ((db: TestDatabase['db']) => Overrides) = {},
  opts: { database?: TestDatabase } = {},
): Promise<TestApi> {
  const database = opts.database ?? (await createTestDatabase());
  const sandbox = await startSandboxLinkedIn();
  let publicBaseUrl: string | undefined;
  const logs: string[] = [];
  const logger = createLogger({
    level: 'info',
    destination: { write: (line: string) => void logs.push(line) },
  });
  const control = new FakeCampaignControl();
  const app = await buildApp({
    db: database.db,
    logger,
    campaignControl: control,
    compileDefinition: fakeCompileDefinition,
    accountDirectory: unipileAccountDirectory(new UnipileClient({ dsn: sandbox.dsn, accessToken: sandbox.accessToken })),
    hostedAuth: { secret: TEST_HOSTED_AUTH_SECRET, publicBaseUrl: () => publicBaseUrl },
    rateLimits: TEST_RATE_LIMITS,
    ...(typeof overrides === 'function' ? overrides(database.db) : overrides),
  });
  const org = async (name: string): Promise<Org> => {
    const created = await createOrganizationWithKey(database.db, { name });
    return {
      organizationId: created.organizationId,
      apiKey: created.apiKey,
      headers: { authorization: `Bearer ${created.apiKey}` },
    };
  };
  const orgA = await org('Org A');
  const orgB = await org('Org B');
  return {
    app,
    db: database.db,
    database,
    control,
    orgA,
    orgB,
    sandbox,
    unipileAccount: (id) => sandbox.control.createAccount(id ? { id } : {}).id,
    listen: async () => {
      await app.listen({ port: 0, host: '127.0.0.1' });
      publicBaseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      return publicBaseUrl;
    },
    logs,
    call: ({ as, ...opts }) => app.inject({ ...opts, headers: { ...(as ?? orgA).headers, ...opts.headers } }),
    close: async () => {
      await app.close();
      await sandbox.stop();
      if (!opts.database) await database.drop();
    },
  };
}

/** Row counts of every table the API writes: "bad input changes nothing" compares two of these. */
export async function tableCounts(db: TestDatabase['db']): Promise<Record<string, number>> {
  const tables = [
    'connected_accounts',
    'organization_webhooks',
    'lead_lists',
    'leads',
    'campaigns',
    'campaign_executions',
    'api_keys',
  ] as const;
  const counts: Record<string, number> = {};
  for (const t of tables) {
    const row = await db
      .selectFrom(t)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    counts[t] = Number(row.n);
  }
  return counts;
}

/** Creates an account, a lead list (with leads) and a draft campaign for `org` through the API. */
export async function seedCampaign(api: TestApi, org: Org, opts: { leads?: number } = {}) {
  const account = (
    await api.call({
      as: org,
      method: 'POST',
      url: '/api/accounts',
      payload: { providerAccountId: api.unipileAccount(), displayName: 'Sender' },
    })
  ).json();
  const list = (
    await api.call({ as: org, method: 'POST', url: '/api/lead-lists', payload: { name: 'Prospects' } })
  ).json();
  const leads = Array.from({ length: opts.leads ?? 2 }, (_, i) => ({
    full_name: `Lead ${i}`,
    linkedin_url: `https://www.linkedin.com/in/lead-${i}-${org.organizationId.slice(0, 8)}`,
  }));
  await api.call({ as: org, method: 'POST', url: `/api/lead-lists/${list.id}/leads`, payload: leads });
  const campaign = (
    await api.call({
      as: org,
      method: 'POST',
      url: '/api/campaigns',
      payload: {
        name: 'Campaign',
        leadListId: list.id,
        senderAccountId: account.id,
        workflowDefinition: VALID_DEFINITION,
      },
    })
  ).json();
  return { account, list, campaign };
}

/**
 * The API with the real campaign service on `client` (a test's Temporal, or one that cannot connect):
 * the service needs the app's database, which startTestApi creates, so it is plugged in right after.
 */
export async function startTestApiWithCampaignService(client: Client, taskQueue: string): Promise<TestApi> {
  const real: { service?: ReturnType<typeof createCampaignService> } = {};
  const api = await startTestApi({
    campaignControl: {
      start: (i) => real.service!.start(i),
      pause: (i) => real.service!.pause(i),
      resume: (i) => real.service!.resume(i),
      stop: (i) => real.service!.stop(i),
      status: (i) => real.service!.status(i),
      announceDefinition: (i) => real.service!.announceDefinition(i),
    },
  });
  real.service = createCampaignService({ db: api.db, client, taskQueue, logger: createLogger({ level: 'silent' }) });
  return api;
}
