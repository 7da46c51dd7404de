import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A PostgreSQL server of the test's own (initdb + pg_ctl in a temporary directory, on a free port),
 * for tests that stop and restart the database mid-campaign: the machine's server is shared and must
 * never be restarted. The server binaries come from PG_BIN or /usr/lib/postgresql/<version>/bin.
 */
export interface ThrowawayPostgres {
  /** URL of a fresh database on it. */
  url: string;
  port: number;
  /** Stops the server (fast shutdown: connections are cut), waits `downMs`, starts it again. */
  restart(downMs: number): Promise<void>;
  destroy(): Promise<void>;
}

/** Where initdb and pg_ctl are, or undefined when this machine has no PostgreSQL server binaries. */
export function postgresBinDir(): string | undefined {
  const candidates = process.env.PG_BIN
    ? [process.env.PG_BIN]
    : existsSync('/usr/lib/postgresql')
      ? readdirSync('/usr/lib/postgresql').sort().reverse().map((v) => join('/usr/lib/postgresql', v, 'bin'))
      : [];
  return candidates.find((d) => existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl')));
}

/** initdb refuses to run as root: then the server runs as the `postgres` system user. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

export async function startThrowawayPostgres(opts: { port: number }): Promise<ThrowawayPostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('no PostgreSQL server binaries (initdb, pg_ctl): set PG_BIN');
  const user = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'clento-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  // Asynchronous: the sandbox LinkedIn runs in the test process and must go on answering meanwhile.
  const run = (cmd: string, args: string[]) =>
    new Promise<void>((resolve, reject) => {
      execFile(join(bin, cmd), args, { ...(user ?? {}), encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${cmd} failed: ${stderr || stdout || err.message}`)) : resolve(),
      );
    });
  await run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const serverOptions = `-p ${opts.port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  const start = () => run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', serverOptions, 'start']);
  const stop = (mode: 'fast' | 'immediate') => run('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
  await start();

  const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${opts.port}/postgres` });
  await admin.connect();
  await admin.query('create database clento');
  await admin.end();
  return {
    url: `postgres://postgres@127.0.0.1:${opts.port}/clento`,
    port: opts.port,
    async restart(downMs) {
      await stop('fast');
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    async destroy() {
      try {
        await stop('immediate');
      } catch {
        // already down
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP port free right now on 127.0.0.1 (for a server the test starts and restarts on the same port). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
