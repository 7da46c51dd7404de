import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/logger';
import { startProduct, type RunningProduct } from '../../src/runtime/product';
import { createOrganizationWithKey } from '../../src/services/organizations';
import { VALID_DEFINITION } from '../api/support';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { TEMPORAL_ADDRESS, WORKFLOW_BUNDLE, installTestRuntime } from '../support/temporal';

/**
 * Issue 8: a property-based fuzz run of the whole HTTP API on every `npm test`. The real product (API and
 * worker on the suite's Temporal, a fresh PostgreSQL database, sandbox LinkedIn) serves its OpenAPI
 * document; schemathesis runs every operation with a valid key, half the ids drawn from seeded data, and
 * fails on any 5xx, undocumented status or response that does not match its schema.
 * FUZZ_MAX_EXAMPLES (per operation) and FUZZ_WORKERS tune it; the defaults keep it to ~2-3 minutes.
 */

const SCHEMATHESIS = join(process.cwd(), '.venv', 'bin', 'schemathesis');
const MAX_EXAMPLES = Number(process.env.FUZZ_MAX_EXAMPLES ?? 30);
/** On a machine too loaded to finish in time, the run stops here and what it did so far is judged. */
const TIME_BUDGET_MS = Number(process.env.FUZZ_TIME_BUDGET_SECONDS ?? 300) * 1_000;
/**
 * One worker thread by default: on CPython 3.11 two threads parsing Python source at once (Hypothesis
 * describing a lambda) can fail with "AST constructor recursion depth mismatch", which ends the run.
 */
const WORKERS = Number(process.env.FUZZ_WORKERS ?? 1);
const WEBHOOK_SECRET = `fuzz-${randomBytes(8).toString('hex')}`;

function run(
  cmd: string,
  args: string[],
  cwd: string,
  budgetMs: number,
): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
    }, budgetMs);
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, timedOut });
    });
  });
}

/** The summary block schemathesis prints at the end (from "SUMMARY" on), or the last lines. */
function summaryOf(output: string): string {
  const at = output.lastIndexOf('SUMMARY');
  return (at >= 0 ? output.slice(at) : output.split('\n').slice(-30).join('\n')).trim();
}

interface Tally {
  operations: Set<string>;
  requests: number;
  serverErrors: Map<string, number>;
  /** Failed checks, by operation and check name. */
  failedChecks: Map<string, number>;
}

/** Requests made and 5xx answers per operation, from schemathesis' NDJSON event stream. */
function tallyOf(ndjsonPath: string): Tally {
  const tally: Tally = { operations: new Set(), requests: 0, serverErrors: new Map(), failedChecks: new Map() };
  if (!existsSync(ndjsonPath)) return tally;
  for (const line of readFileSync(ndjsonPath, 'utf8').split('\n')) {
    if (!line.includes('"ScenarioFinished"')) continue;
    let recorder: Recorder;
    try {
      recorder = (JSON.parse(line) as { ScenarioFinished: { recorder: Recorder } }).ScenarioFinished.recorder;
    } catch {
      continue; // the last line of a run stopped at its time budget
    }
    tally.operations.add(recorder.label);
    for (const interaction of Object.values(recorder.interactions ?? {})) {
      tally.requests += 1;
      const status = interaction.response?.status_code ?? 0;
      if (status >= 500) {
        const key = `${recorder.label} -> ${status}`;
        tally.serverErrors.set(key, (tally.serverErrors.get(key) ?? 0) + 1);
      }
    }
    for (const checks of Object.values(recorder.checks ?? {})) {
      for (const check of checks.filter((c) => c.status === 'failure')) {
        const key = `${recorder.label}: ${check.name}`;
        tally.failedChecks.set(key, (tally.failedChecks.get(key) ?? 0) + 1);
      }
    }
  }
  return tally;
}
type Recorder = {
  label: string;
  interactions?: Record<string, { response?: { status_code: number } }>;
  checks?: Record<string, Array<{ name: string; status: string }>>;
};

/** The errors and failures blocks (each failure with its curl reproduction), when there are any. */
function failuresOf(output: string): string {
  const starts = ['ERRORS', 'FAILURES'].map((h) => output.indexOf(`${h} ===`)).filter((i) => i >= 0);
  if (starts.length === 0) return '';
  const end = ['WARNINGS ===', 'SUMMARY ==='].map((h) => output.lastIndexOf(h)).find((i) => i >= 0);
  return output.slice(Math.min(...starts), end).trim();
}

/**
 * True when the run's only problems are errors of schemathesis itself: the summary's "Errors:" block lists
 * only "Runtime Error" (a Python exception in the tool, printed with its traceback), no network error, no
 * unresponsive operation, no failure.
 */
function onlyToolErrors(output: string): boolean {
  const summary = summaryOf(output);
  const block = /^Errors:\n((?:[ \t]+.+\n?)+)/m.exec(summary)?.[1] ?? '';
  const titles = [...block.matchAll(/^\s*\S+\s+(.+): \d+$/gm)].map((m) => m[1]!.trim());
  return titles.length > 0 && titles.every((t) => t === 'Runtime Error') && !/^Failures:/m.test(summary) && failuresOf(output).includes('Traceback');
}

void describe('API fuzz run (schemathesis)', () => {
  let db: TestDatabase;
  let product: RunningProduct;
  let apiKey: string;
  const seeded = { accounts: [], lists: [], campaigns: [], endpoints: [], leads: [], organizations: [] } as Record<
    'accounts' | 'lists' | 'campaigns' | 'endpoints' | 'leads' | 'organizations',
    string[]
  >;
  const serverErrors: string[] = [];
  let dir: string;

  before(async () => {
    assert.ok(existsSync(SCHEMATHESIS), `${SCHEMATHESIS} is missing: run scripts/setup.sh`);
    installTestRuntime();
    db = await createTestDatabase();
    const loaded = loadConfig({
      PORT: '0',
      LOG_LEVEL: 'error',
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS,
      TEMPORAL_TASK_QUEUE: `fuzz-${randomBytes(4).toString('hex')}`,
      TEMPORAL_WORKFLOW_BUNDLE: WORKFLOW_BUNDLE,
      SANDBOX_LINKEDIN_PORT: '0',
      UNIPILE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      // Rate limits (when configured) must not turn the fuzz run into a 429 run.
      API_RATE_LIMIT_PER_MINUTE: '100000000',
      API_RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: '100000000',
    });
    assert.ok(loaded.ok, JSON.stringify(loaded));
    // Every 5xx the API logs, with its request id, to show next to a failure.
    const logger = createLogger({
      level: 'error',
      destination: { write: (line: string) => void (serverErrors.length < 50 && serverErrors.push(line.slice(0, 2_000))) },
    });
    product = await startProduct(loaded.config, logger, { api: true, worker: true, embedded: true });

    // Seed data, so operations get real ids to hit: an account, a lead list with leads, a campaign, an endpoint.
    const org = await createOrganizationWithKey(db.db, { name: 'Fuzz' });
    apiKey = org.apiKey;
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${product.apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = (await res.json()) as Record<string, unknown>;
      assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const unipileAccount = product.sandbox!.control.createAccount({ name: 'Fuzz sender' });
    const account = await call('POST', '/api/accounts', { providerAccountId: unipileAccount.id, displayName: 'Fuzz sender' });
    const list = await call('POST', '/api/lead-lists', { name: 'Fuzz prospects' });
    await call('POST', `/api/lead-lists/${String(list.id)}/leads`, [
      { full_name: 'Ada Fuzz', linkedin_url: 'https://www.linkedin.com/in/ada-fuzz' },
      { full_name: 'Bob Fuzz', linkedin_url: 'https://www.linkedin.com/in/bob-fuzz' },
    ]);
    const leads = await call('GET', `/api/lead-lists/${String(list.id)}/leads`);
    const campaign = await call('POST', '/api/campaigns', {
      name: 'Fuzz campaign',
      leadListId: list.id,
      senderAccountId: account.id,
      workflowDefinition: VALID_DEFINITION,
    });
    // One campaign running (executions, control calls against real workflows), one left as a draft.
    await call('POST', '/api/campaigns/start', { campaignId: campaign.id, organizationId: org.organizationId });
    const draft = await call('POST', '/api/campaigns', {
      name: 'Fuzz draft',
      leadListId: list.id,
      senderAccountId: account.id,
      workflowDefinition: VALID_DEFINITION,
    });
    const endpoint = await call('POST', '/api/webhook-endpoints', { url: 'https://example.com/hook' });
    seeded.accounts.push(String(account.id));
    seeded.lists.push(String(list.id));
    seeded.campaigns.push(String(campaign.id), String(draft.id));
    seeded.endpoints.push(String(endpoint.id));
    seeded.leads.push(...(leads.items as Array<{ id: string }>).map((l) => l.id));
    seeded.organizations.push(org.organizationId);
    dir = mkdtempSync(join(tmpdir(), 'clento-fuzz-'));
  });

  after(async () => {
    await product?.stop();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  void it('finds no 5xx, no undocumented status and no response off its schema, on every operation', async () => {
    // Half the ids an operation gets are seeded ones of the right kind (the rest are generated), so
    // requests reach the handlers' logic and not only their 404s.
    const bindings: Array<[pathRegex: string, parameters: Record<string, keyof typeof seeded>]> = [
      ['^/api/accounts/\\{id\\}', { 'path.id': 'accounts' }],
      ['^/api/lead-lists/\\{id\\}', { 'path.id': 'lists' }],
      ['^/api/leads/\\{id\\}', { 'path.id': 'leads' }],
      ['^/api/webhook-endpoints/\\{id\\}', { 'path.id': 'endpoints' }],
      ['^/api/campaigns/\\{id\\}', { 'path.id': 'campaigns', 'path.leadId': 'leads' }],
      ['^/api/campaigns/(start|pause|resume|stop|status)$', { 'body.campaignId': 'campaigns', 'query.campaignId': 'campaigns', 'body.organizationId': 'organizations' }],
      ['^/api/campaigns$', { 'body.leadListId': 'lists', 'body.senderAccountId': 'accounts' }],
    ];
    const config = [
      `workers = ${WORKERS}`,
      // Measuring (e.g. counting 5xx on an old commit): FUZZ_CONTINUE_ON_FAILURE=1 keeps testing past a failure.
      `continue-on-failure = ${process.env.FUZZ_CONTINUE_ON_FAILURE === '1'}`,
      '[generation]',
      `max-examples = ${MAX_EXAMPLES}`,
      'allow-x00 = true',
      '[checks]',
      'enabled = false',
      'not_a_server_error.enabled = true',
      'status_code_conformance.enabled = true',
      'response_schema_conformance.enabled = true',
      '[phases]',
      'stateful.enabled = false',
      ...Object.entries(seeded).flatMap(([name, values]) => [`[dictionaries.${name}]`, `values = ${JSON.stringify(values)}`]),
      ...bindings.flatMap(([regex, parameters]) => [
        '[[operations]]',
        `include-path-regex = '${regex}'`,
        `parameters = { ${Object.entries(parameters)
          .map(([key, dictionary]) => `"${key}" = { dictionary = "${dictionary}", probability = 0.5 }`)
          .join(', ')} }`,
      ]),
    ].join('\n');
    writeFileSync(join(dir, 'schemathesis.toml'), config);

    // Kept after the run: the full output and the event stream (every request and answer).
    const saved = resolve(process.env.TEST_DATA_DIR ?? '.data/test', 'schemathesis-output.txt');
    const events = join(dirname(saved), 'schemathesis-events.ndjson');
    mkdirSync(dirname(saved), { recursive: true });
    // Revoking or rotating an API key may hit the run's own key (schemathesis learns ids from the
    // listings), after which every request answers 401: those two operations run last, on their own.
    const KEY_CHANGES = '^/api/api-keys/\\{id\\}';
    const parts = [
      { label: 'every operation but key revocation and rotation', filter: ['--exclude-path-regex', KEY_CHANGES], events },
      { label: 'key revocation and rotation', filter: ['--include-path-regex', KEY_CHANGES], events: `${events}.keys` },
    ];
    const fuzz = (part: (typeof parts)[number]) =>
      run(
        SCHEMATHESIS,
        [
          '--config-file',
          join(dir, 'schemathesis.toml'),
          '--no-color',
          'run',
          `${product.apiUrl}/docs/json`,
          ...part.filter,
          '--header',
          `Authorization: Bearer ${apiKey}`,
          '--header',
          `Unipile-Auth: ${WEBHOOK_SECRET}`,
          '--report',
          'ndjson',
          '--report-ndjson-path',
          part.events,
          '--request-timeout',
          '15',
          '--output-truncate',
          'true',
        ],
        dir,
        TIME_BUDGET_MS,
      );
    const clean = (t: Tally) => t.failedChecks.size === 0 && t.serverErrors.size === 0;
    const outputs: string[] = [];
    for (const part of parts) {
      const started = performance.now();
      let { code, output, timedOut } = await fuzz(part);
      // Schemathesis may still fail on itself (an internal error in its own code, with a traceback): exit 1,
      // nothing found in the API. Such a run is made once more (new random seed); a second tool error, or
      // anything the API did, fails.
      if (code !== 0 && !timedOut && onlyToolErrors(output) && clean(tallyOf(part.events))) {
        console.log(`schemathesis failed on itself; running it once more. Its error:\n${failuresOf(output).slice(0, 4_000)}`);
        ({ code, output, timedOut } = await fuzz(part));
      }
      const seconds = ((performance.now() - started) / 1_000).toFixed(0);
      outputs.push(output);
      writeFileSync(saved, outputs.join('\n\n'));
      const summary = summaryOf(output);
      // The suite log gets the summary only; a failure adds each failing case with its curl reproduction.
      const tally = tallyOf(part.events);
      const fiveHundreds = [...tally.serverErrors.values()].reduce((a, b) => a + b, 0);
      const failed = [...tally.failedChecks.values()].reduce((a, b) => a + b, 0);
      console.log(
        `schemathesis (${part.label}): ${tally.operations.size} operations, ${tally.requests} requests, ${fiveHundreds} answered 5xx, ` +
          `${failed} failed checks, ${seconds} s, exit ${code}${timedOut ? ` (stopped at the ${TIME_BUDGET_MS / 1_000} s budget)` : ''} ` +
          `(full output: ${saved}):\n${summary}`,
      );
      if (fiveHundreds > 0) console.log(`5xx by operation: ${JSON.stringify(Object.fromEntries(tally.serverErrors))}`);
      const problems = `\n\nAPI error log:\n${serverErrors.join('').slice(0, 6_000)}\n\n${summary}`;
      if (timedOut) {
        // Too slow a machine to finish: judge the requests made so far (the event stream records each check).
        assert.equal(failed, 0, `failed checks: ${JSON.stringify(Object.fromEntries(tally.failedChecks))}${problems}`);
      } else if (code !== 0) {
        const failures = failuresOf(output) || output.slice(-8_000);
        assert.fail(`schemathesis found problems (exit ${code}):\n${failures.slice(0, 20_000)}${problems}`);
      }
      assert.equal(fiveHundreds, 0, 'no answer is a 5xx');
      assert.equal(serverErrors.length, 0, `the API logged errors:\n${serverErrors.join('')}`);
      if (part === parts[0]) {
        assert.ok(tally.operations.size >= 30, `only ${tally.operations.size} operations were fuzzed`);
        // Every operation was fuzzed with a working key: it must still work.
        const me = await fetch(`${product.apiUrl}/api/me`, { headers: { authorization: `Bearer ${apiKey}` } });
        assert.equal(me.status, 200, 'the fuzz run\'s API key still works');
      }
    }
  });
});

