import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { SEARCH_ATTRIBUTE_DECLARATIONS } from '../workflows/definitions';

export interface DevServer {
  address: string;
  uiUrl: string | undefined;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  cliPath: string;
  namespace: string;
  port: number;
  uiPort?: number;
  /** SQLite file for state that survives restarts; omit for an in-memory server. */
  dbFilename?: string;
  headless?: boolean;
  /** `KEY=JSON` dynamic config values (tests lower the continue-as-new suggestion with these). */
  dynamicConfig?: string[];
  log?: (line: string) => void;
}

/** Starts Temporal's own single-binary dev server (`temporal server start-dev`) and waits for its port. */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--namespace', opts.namespace, '--log-level', 'warn'];
  if (opts.dbFilename) {
    mkdirSync(join(opts.dbFilename, '..'), { recursive: true });
    args.push('--db-filename', opts.dbFilename);
  }
  if (opts.headless) args.push('--headless');
  else if (opts.uiPort) args.push('--ui-port', String(opts.uiPort));
  for (const sa of SEARCH_ATTRIBUTE_DECLARATIONS) args.push('--search-attribute', `${sa.name}=${sa.type}`);
  for (const kv of opts.dynamicConfig ?? []) args.push('--dynamic-config-value', kv);

  const child = spawn(opts.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
    opts.log?.(chunk.toString().trimEnd());
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);

  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const ready = await Promise.race([waitForPort('127.0.0.1', opts.port, 60_000).then(() => true), exited.then(() => false)]);
  if (!ready) {
    throw new Error(`temporal dev server exited before listening on ${opts.port}: ${output.trim().slice(-800)}`);
  }
  return {
    address: `127.0.0.1:${opts.port}`,
    uiUrl: opts.headless ? undefined : `http://127.0.0.1:${opts.uiPort ?? opts.port + 1000}`,
    stop: () => stopChild(child, exited),
  };
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timeout = new Promise((res) => setTimeout(res, 10_000, 'timeout'));
  if ((await Promise.race([exited, timeout])) === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

export async function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((res) => {
      const socket = createConnection({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        res(true);
      });
      socket.once('error', () => res(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
