/**
 * The README's "A first campaign" block, run literally: the local runner (src/runtime/local.ts: embedded
 * PGlite, its own Temporal dev server, the sandbox LinkedIn) on free ports in a temp DATA_DIR, then the
 * shell block between `<!-- walkthrough:begin -->` and `<!-- walkthrough:end -->` with bash. What a user
 * pastes is what runs here. Also checks what the runner prints (banner) and what it keeps across a restart.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The README's walkthrough block, exactly as written. */
export function walkthroughBlock(readme: string): string {
  const m = /<!-- walkthrough:begin -->\s*```sh\n([\s\S]*?)```\s*<!-- walkthrough:end -->/.exec(readme);
  if (!m) throw new Error('README.md has no walkthrough block');
  return m[1]!;
}

interface Runner {
  child: ChildProcess;
  banner: string;
  exited: Promise<number | null>;
}

async function startRunner(env: NodeJS.ProcessEnv): Promise<Runner> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/runtime/local.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const deadline = Date.now() + 420_000; // a loaded CI machine: the runner usually starts in 20-40 s
  while (!out.includes('Press Ctrl-C to stop.')) {
    const done = await Promise.race([exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 200))]);
    if (done) throw new Error(`the local runner exited before its banner:\n${out}\n${err.slice(-3000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`no banner after 420 s:\n${out}\n${err.slice(-3000)}`);
    }
  }
  return { child, banner: out, exited };
}

async function stopRunner(r: Runner | undefined): Promise<void> {
  if (!r || r.child.exitCode !== null) return;
  r.child.kill('SIGINT');
  const t = setTimeout(() => r.child.kill('SIGKILL'), 60_000);
  await r.exited;
  clearTimeout(t);
}

function runBash(script: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(t);
      resolve({ code, out, err });
    });
  });
}

const field = (banner: string, label: string): string => {
  const m = new RegExp(`^  ${label}\\s+(\\S+)`, 'm').exec(banner);
  assert.ok(m, `the banner has no "${label}" line:\n${banner}`);
  return m[1]!;
};

void describe('README walkthrough on the embedded stack', { timeout: 2_400_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'clento-walkthrough-'));
  let env: NodeJS.ProcessEnv;
  let runner: Runner | undefined;

  before(async () => {
    const { DATABASE_URL, TEMPORAL_ADDRESS, UNIPILE_DSN, UNIPILE_ACCESS_TOKEN, UNIPILE_WEBHOOK_SECRET, PUBLIC_BASE_URL, ...rest } = process.env;
    void [DATABASE_URL, TEMPORAL_ADDRESS, UNIPILE_DSN, UNIPILE_ACCESS_TOKEN, UNIPILE_WEBHOOK_SECRET, PUBLIC_BASE_URL];
    env = {
      ...rest,
      DATA_DIR: dataDir,
      PORT: '0',
      SANDBOX_LINKEDIN_PORT: '0',
      TEMPORAL_DEV_SERVER_PORT: String(await freePort()),
      TEMPORAL_DEV_UI_PORT: String(await freePort()),
      TEMPORAL_TASK_QUEUE: `walkthrough-${process.pid}`,
      LOG_LEVEL: 'warn',
      // The suite's prebuilt workflow bundle, when there is one: the runner then starts without bundling.
      ...(process.env.TEST_WORKFLOW_BUNDLE ? { TEMPORAL_WORKFLOW_BUNDLE: process.env.TEST_WORKFLOW_BUNDLE } : {}),
    };
    runner = await startRunner(env);
  }, { timeout: 600_000 });
  after(async () => {
    await stopRunner(runner);
    rmSync(dataDir, { recursive: true, force: true });
  });

  void it('the banner prints the base URL with the port actually used, docs, Temporal Web UI, sandbox controls, organization, API key, sender account', () => {
    const b = runner!.banner;
    const api = field(b, 'API');
    assert.match(api, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(api, 'http://127.0.0.1:0');
    assert.equal(field(b, 'API docs'), `${api}/docs`);
    assert.match(field(b, 'Temporal Web UI'), new RegExp(`^http://127\\.0\\.0\\.1:${env.TEMPORAL_DEV_UI_PORT}$`));
    assert.match(field(b, 'Sandbox controls'), /^http:\/\/127\.0\.0\.1:\d+\/_sandbox\/\.\.\.$/);
    assert.match(field(b, 'Organization'), /^[0-9a-f-]{36}$/);
    assert.match(field(b, 'API key'), /^clk_/);
    assert.match(b, /kept in .*local-credentials\.json and printed at every start/);
    assert.match(field(b, 'Sender account'), /^[0-9a-f-]{36}$/);
    assert.doesNotMatch(b, /PROBLEM/);
    const localEnv = readFileSync(join(dataDir, 'local.env'), 'utf8');
    assert.match(localEnv, new RegExp(`^B='${api}'$`, 'm'));
    assert.match(localEnv, new RegExp(`^KEY='${field(b, 'API key')}'$`, 'm'));
  });

  void it('the README block runs as written: the campaign completes, Ada and Alan get the follow-up, Grace (not accepted) gets a withdrawal', { timeout: 900_000 }, async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const started = Date.now();
    // The block itself gives up after 60 status polls (10 min); 12 min leaves it time to print its last lines.
    const run = await runBash(walkthroughBlock(readme), env, 720_000);
    const seconds = Math.round((Date.now() - started) / 1000);
    assert.equal(run.code, 0, `the walkthrough failed after ${seconds} s:\n${run.out.slice(-4000)}\n${run.err.slice(-2000)}`);
    const lines = run.out.split('\n').filter((l) => l.startsWith('{'));
    const statuses = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((j) => 'leadsByState' in j);
    const last = statuses.at(-1) as { status: string; totalLeads: number; leadsByState: Record<string, number>; steps: Record<string, { done: number }> };
    assert.equal(last.status, 'completed', run.out.slice(-3000));
    assert.equal(last.totalLeads, 3);
    assert.equal(last.leadsByState.completed, 3);
    assert.deepEqual(
      Object.fromEntries(Object.entries(last.steps).map(([id, s]) => [id, s.done])),
      { 'visit-1': 3, 'invite-2': 3, 'followup-3': 2, 'withdraw-4': 1 },
    );
    const executions = JSON.parse(lines.at(-2)!) as { items: Array<{ lead: { fullName: string }; status: string }> };
    assert.deepEqual(executions.items.map((e) => [e.lead.fullName, e.status]).sort(), [
      ['Ada Lovelace', 'completed'],
      ['Alan Turing', 'completed'],
      ['Grace Hopper', 'completed'],
    ]);
    const ada = JSON.parse(lines.at(-1)!) as { items: Array<{ text: string; fromUs: boolean }> };
    assert.deepEqual(ada.items, [
      { text: 'Hi Ada, I enjoyed reading about Analytical Engines. Glad to connect.', fromUs: true },
      { text: 'Thanks for connecting, Ada! Open to a short call about Analytical Engines?', fromUs: true },
    ]);
    process.stdout.write(`# walkthrough: ${seconds} s\n`);
  });

  void it('a restart keeps the API key, the webhook secret and the sandbox state, and does not register webhooks twice', { timeout: 600_000 }, async () => {
    const before = runner!.banner;
    const secret = readFileSync(join(dataDir, 'unipile-webhook-secret'), 'utf8');
    await stopRunner(runner);
    runner = await startRunner(env);
    const after = runner.banner;
    assert.equal(field(after, 'API key'), field(before, 'API key'));
    assert.equal(field(after, 'Organization'), field(before, 'Organization'));
    assert.equal(field(after, 'Sender account'), field(before, 'Sender account'));
    assert.equal(readFileSync(join(dataDir, 'unipile-webhook-secret'), 'utf8'), secret);
    const sandbox = field(after, 'Sandbox controls').replace('/_sandbox/...', '');
    const localEnv = readFileSync(join(dataDir, 'local.env'), 'utf8');
    const sandboxAccount = /^SANDBOX_ACCOUNT='(.+)'$/m.exec(localEnv)![1]!;
    const sandboxToken = /^SANDBOX_TOKEN='(.+)'$/m.exec(localEnv)![1]!;
    // Ada's chat is still there after the restart.
    const messages = (await fetch(`${sandbox}/_sandbox/messages?account_id=${sandboxAccount}&person=ada-lovelace`, { headers: { 'x-api-key': sandboxToken } }).then((r) => r.json())) as {
      items: unknown[];
    };
    assert.equal(messages.items.length, 2);
    // Exactly the product's three webhooks, pointing at this start's API (PORT=0 gave it another port).
    const api = field(after, 'API');
    // /ready's probe waits 1.5 s; on a loaded machine one miss is possible (a failure is cached 5 s only).
    let ready: { checks: Record<string, { ok: boolean }> } | undefined;
    for (const end = Date.now() + 90_000; Date.now() < end; await new Promise((r) => setTimeout(r, 1_000))) {
      ready = (await fetch(`${api}/ready`).then((r) => r.json())) as { checks: Record<string, { ok: boolean }> };
      if (ready.checks.unipile?.ok) break;
    }
    assert.deepEqual(ready?.checks.unipile, { ok: true });
    const webhooks = (await fetch(`${sandbox}/_sandbox/webhooks`, { headers: { 'x-api-key': sandboxToken } }).then((r) => r.json())) as { items: Array<{ request_url: string; source: string }> };
    assert.deepEqual(webhooks.items.map((w) => [w.source, w.request_url]).sort(), [
      ['account_status', `${api}/api/webhooks/unipile`],
      ['messaging', `${api}/api/webhooks/unipile`],
      ['users', `${api}/api/webhooks/unipile`],
    ]);
  });
});
