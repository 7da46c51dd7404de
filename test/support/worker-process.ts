import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * The worker as production runs it: `node --import tsx src/runtime/worker.ts` in its own process,
 * configured only through env. Tests kill it with SIGKILL (no shutdown hook runs, in-flight
 * activities are simply lost) to prove the engine survives a crashed host.
 *
 * Every spawned process is tracked: `killAllWorkers()` (call it in `after`) and a process `exit`
 * hook make sure none outlives the test file, whatever failed.
 */

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORKER_ENTRY = 'src/runtime/worker.ts';
/** Lines of output kept per process, for the failure message of a worker that would not start. */
const OUTPUT_LINES = 200;

export interface WorkerEnv {
  DATABASE_URL: string;
  TEMPORAL_ADDRESS: string;
  TEMPORAL_TASK_QUEUE: string;
  UNIPILE_DSN: string;
  UNIPILE_ACCESS_TOKEN: string;
  TEMPORAL_WORKFLOW_BUNDLE?: string;
  LOG_LEVEL?: string;
  [key: string]: string | undefined;
}

export interface WorkerProcess {
  readonly pid: number;
  readonly name: string;
  /** Resolves when the worker logged that it polls (needs LOG_LEVEL info or finer); rejects if it exits first or takes longer than `readyTimeoutMs`. */
  readonly ready: Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends the signal (SIGKILL by default) and waits until the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** The last lines the process wrote (stdout and stderr). */
  output(): string;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort when the test process ends without its `after` hook having run.
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

export function spawnWorker(opts: {
  env: WorkerEnv;
  name?: string;
  readyTimeoutMs?: number;
  /** node's arguments; default: the worker from source through tsx. The build test runs `dist/worker.js` or `dist/api.js`. */
  args?: string[];
  /** The log message that means "up"; default `worker polling`. */
  readyMessage?: string;
}): WorkerProcess {
  installExitHook();
  const name = opts.name ?? 'worker';
  // The test runner's own variables would make the child think it runs under `node --test`.
  const { NODE_TEST_CONTEXT: _ctx, NODE_OPTIONS: _opts, ...inherited } = process.env;
  const readyLine = `"msg":"${opts.readyMessage ?? 'worker polling'}"`;
  const child = spawn(process.execPath, opts.args ?? ['--import', 'tsx', WORKER_ENTRY], {
    cwd: REPO_ROOT,
    // METRICS_PORT 0: each worker's /metrics listener on a free port, so several can run side by side.
    env: { ...inherited, LOG_LEVEL: 'info', METRICS_PORT: '0', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not spawn ${name}`);
  live.add(child);

  const lines: string[] = [];
  let polling = false;
  let onPolling: (() => void) | undefined;
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      lines.push(line);
      if (lines.length > OUTPUT_LINES) lines.shift();
      if (!polling && line.includes(readyLine)) {
        polling = true;
        onPolling?.();
      }
    }
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  const output = () => lines.join('\n');

  const readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not polling after ${readyTimeoutMs} ms:\n${output()}`)), readyTimeoutMs);
    onPolling = () => {
      clearTimeout(timer);
      resolve();
    };
    if (polling) onPolling();
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      if (!polling) reject(new Error(`${name} exited (code ${code}, signal ${signal}) before polling:\n${output()}`));
    });
  });
  // A caller that never awaits `ready` (it kills the process first) must not see an unhandled rejection.
  ready.catch(() => undefined);

  return {
    pid: child.pid,
    name,
    ready,
    exited,
    output,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** Kills (SIGKILL) every worker process this test process spawned and still runs, and waits for them. */
export async function killAllWorkers(): Promise<void> {
  const children = [...live];
  const gone = children.map((c) => new Promise<void>((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', () => resolve()))));
  for (const c of children) c.kill('SIGKILL');
  await Promise.all(gone);
}

export function liveWorkerCount(): number {
  return live.size;
}
