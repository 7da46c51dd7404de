// The people's CLI as a subprocess (`node --import tsx src/runtime/cli.ts`, what `npm run cli --` runs)
// against a running product over HTTP with an API key: what it prints, its exit codes, --json.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/config';
import { startSandboxLinkedIn, type SandboxHandle } from '../../src/linkedin/sandbox/server';
import { startProduct, type RunningProduct } from '../../src/runtime/product';
import { createOrganizationWithKey } from '../../src/services/organizations';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { exampleDefinition, quickDefinition } from '../support/fixtures';
import { quietLogger } from '../support/stack';
import { TEMPORAL_ADDRESS, WORKFLOW_BUNDLE, installTestRuntime } from '../support/temporal';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('CLI over the HTTP API', () => {
  let db: TestDatabase;
  let sandbox: SandboxHandle;
  let product: RunningProduct;
  let base: string;
  let apiKey: string;
  let organizationId: string;
  let accountId: string;
  const dir = mkdtempSync(join(tmpdir(), 'clento-cli-'));

  const cli = (args: string[], env: Record<string, string | undefined> = {}): Promise<Run> =>
    new Promise((resolve) => {
      const { NODE_TEST_CONTEXT: _c, NODE_OPTIONS: _o, ...inherited } = process.env;
      execFile(
        process.execPath,
        ['--import', 'tsx', 'src/runtime/cli.ts', ...args],
        { cwd: ROOT, env: { ...inherited, CLENTO_API_URL: base, CLENTO_API_KEY: apiKey, ...env }, timeout: 120_000 },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as any;
    assert.ok(res.status < 300, `${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const newCampaign = async (name: string, definition: unknown, leads: number) => {
    const list = await api('POST', '/api/lead-lists', { name });
    await api('POST', `/api/lead-lists/${list.id}/leads`, {
      leads: Array.from({ length: leads }, (_, i) => ({ linkedin_url: `https://www.linkedin.com/in/${name.toLowerCase()}-${i}/`, first_name: `P${i}` })),
    });
    return api('POST', '/api/campaigns', { name, leadListId: list.id, senderAccountId: accountId, workflowDefinition: definition });
  };

  before(async () => {
    installTestRuntime();
    db = await createTestDatabase();
    sandbox = await startSandboxLinkedIn({ host: '127.0.0.1', port: 0, dailyInvitationLimit: 1_000_000 });
    const result = loadConfig({
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS,
      TEMPORAL_TASK_QUEUE: `cli-${process.pid}`,
      UNIPILE_DSN: sandbox.dsn,
      UNIPILE_ACCESS_TOKEN: sandbox.accessToken,
      PORT: '0',
      LOG_LEVEL: 'silent',
      DATA_DIR: dir,
    });
    assert.ok(result.ok);
    product = await startProduct(result.config, quietLogger, { api: true, worker: true, embedded: false, workflows: WORKFLOW_BUNDLE ? { bundlePath: WORKFLOW_BUNDLE } : undefined });
    base = product.apiUrl!;
    ({ apiKey, organizationId } = await createOrganizationWithKey(db.db, { name: 'CLI Inc' }));
    const account = await api('POST', '/api/accounts', { providerAccountId: sandbox.control.createAccount({ name: 'Sender' }).id, displayName: 'Sender' });
    accountId = account.id;
    await api('PATCH', `/api/accounts/${accountId}/settings`, {
      workingHours: { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' },
      minGapSeconds: 0,
      jitterSeconds: 0,
      warmup: { days: 0, startPercent: 100 },
      safety: { spreadOverWindow: false },
    });
  });

  after(async () => {
    await product?.stop();
    await sandbox?.stop();
    await db?.drop();
  });

  it('imports a CSV in batches with a progress bar, and reports rejected rows by their line in the file', async () => {
    const list = await api('POST', '/api/lead-lists', { name: 'Imported' });
    const file = join(dir, 'leads.csv');
    writeFileSync(
      file,
      [
        'First Name;LinkedIn URL;Company',
        'Ada;https://www.linkedin.com/in/ada-l/;"Analytical; Engines"',
        'Alan;linkedin.com/in/alan-t;Bletchley',
        'Grace;https://www.linkedin.com/in/grace-h/;Navy',
        'Nobody;not a url;-',
        'Edsger;https://www.linkedin.com/in/edsger-d/;THE',
      ].join('\n'),
    );
    const r = await cli(['import', list.id, file, '--batch', '2']);
    assert.equal(r.code, 0, r.stderr);
    const bars = r.stdout.split('\n').filter((l) => l.startsWith('importing ['));
    assert.equal(bars.length, 3, `one line per batch when not a terminal:\n${r.stdout}`);
    assert.match(bars.at(-1)!, /5\/5 100%/);
    assert.match(r.stdout, /done: 4 imported, 0 duplicates, 1 rejected; the list now holds 4 leads/);
    assert.match(r.stdout, /^5\s+\S+\s+\S+/m, 'the rejected row is line 5 of the file (header = 1)');
    const leads = await api('GET', `/api/lead-lists/${list.id}/leads`);
    assert.deepEqual(leads.items.map((l: any) => l.company).sort(), ['Analytical; Engines', 'Bletchley', 'Navy', 'THE']);
  });

  it('lists campaigns as a table and shows one campaign with its steps', async () => {
    const c = await newCampaign('Tabled', quickDefinition(), 2);
    const list = await cli(['campaigns']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^ID\s+NAME\s+STATUS\s+STARTEDAT\s+COMPLETEDAT$/m);
    assert.match(list.stdout, new RegExp(`^${c.id}\\s+Tabled\\s+draft\\s+-\\s+-$`, 'm'));
    const one = await cli(['campaign', c.id]);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /^Status\s+draft$/m);
    assert.match(one.stdout, /^Leads\s+0\/2 processed/m);
    const json = await cli(['campaigns', '--json']);
    assert.ok((JSON.parse(json.stdout) as any[]).some((x) => x.id === c.id && x.status === 'draft'));
  });

  it('watches a running campaign with a bar per step until it completes', async () => {
    const c = await newCampaign('Watched', quickDefinition(), 3);
    await api('POST', '/api/campaigns/start', { campaignId: c.id, organizationId });
    const r = await cli(['watch', c.id, '--interval', '0.2']);
    assert.equal(r.code, 0, r.stderr);
    const blocks = r.stdout.trim().split(/\n(?=\S)/);
    const last = blocks.at(-1)!;
    assert.match(last, /^completed\s+leads \[#+\] 3\/3 100%/);
    assert.match(last, /^\s+Visit\s+\[#+\] 3\/3 100%\s+running 0, skipped 0, failed 0$/m);
    assert.match(last, /^\s+Invite\s+\[#+\] 3\/3 100%/m);
    const json = await cli(['campaign', c.id, '--json']);
    assert.equal(JSON.parse(json.stdout).status.status, 'completed');
  });

  it('pauses, resumes and stops a campaign; refusals print the API error code', async () => {
    const c = await newCampaign('Controlled', exampleDefinition(), 2);
    await api('POST', '/api/campaigns/start', { campaignId: c.id, organizationId });
    const paused = await cli(['pause', c.id, '--reason', 'lunch']);
    assert.equal(paused.code, 0, paused.stderr);
    assert.match(paused.stdout, /^pause: campaign \S+ is now paused$/m);
    const resumed = await cli(['resume', c.id]);
    assert.match(resumed.stdout, /is now in_progress/);
    const stopped = await cli(['stop', c.id]);
    assert.match(stopped.stdout, /is now stopped/);
    const again = await cli(['pause', c.id]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^error \[[a-z_]+\]: /);

    const missing = await cli(['campaign', '00000000-0000-4000-8000-000000000000']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error \[campaign_not_found\]: /);
    const badKey = await cli(['campaigns'], { CLENTO_API_KEY: 'clk_wrong' });
    assert.equal(badKey.code, 1);
    assert.match(badKey.stderr, /^error \[unauthorized\]: /);
    const noKey = await cli(['campaigns'], { CLENTO_API_KEY: '' });
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /CLENTO_API_KEY/);
    const notUuid = await cli(['watch', 'abc']);
    assert.equal(notUuid.code, 2);
    assert.match(notUuid.stderr, /campaign id must be a UUID/);
  });

  it('manages API keys through /api/api-keys (the routes of the API-key work), or says clearly that the API lacks them', async () => {
    const probe = await fetch(`${base}/api/api-keys`, { headers: { authorization: `Bearer ${apiKey}` } });
    const listed = await cli(['keys']);
    if (probe.status === 404) {
      assert.equal(listed.code, 1);
      assert.match(listed.stderr, /^error \[(not_found|route_not_found|http_404)\]: /);
      return;
    }
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^ID\s+NAME\s+KEYPREFIX/m);
    const created = await cli(['keys', 'create', '--name', 'ci', '--json']);
    assert.equal(created.code, 0, created.stderr);
    const key = JSON.parse(created.stdout);
    const revoked = await cli(['keys', 'revoke', key.id]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, /revoked key/);
  });

  it('keeps the admin commands on the database', async () => {
    const r = await cli(['migrate'], { DATABASE_URL: db.url });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { applied: [] });
  });
});
