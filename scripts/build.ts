// The production build: `npm run build` → dist/, run with plain `node` (no TypeScript loader).
//   dist/api.js, dist/worker.js, dist/cli.js   entry points (our code bundled, node_modules left external)
//   dist/migrations/*.js                      the frozen migrations, loaded by name at start like src/db/migrations
//   dist/workflow-bundle.js                   the workflow code bundled once; the compiled worker loads it instead of bundling at start
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { writeWorkflowBundle } from '../src/temporal/workflow-bundle';

const out = process.argv[2] ?? 'dist';
const started = Date.now();
rmSync(out, { recursive: true, force: true });

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
} as const;

// Entry points sit at the top of dist/ so that `import.meta.url` + 'migrations' finds dist/migrations,
// the same relation as src/db/migrate.ts and src/db/migrations/.
await build({
  ...common,
  entryPoints: { api: 'src/runtime/api.ts', worker: 'src/runtime/worker.ts', cli: 'src/runtime/cli.ts' },
  outdir: out,
});
const migrations = readdirSync('src/db/migrations').filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
await build({
  ...common,
  entryPoints: Object.fromEntries(migrations.map((f) => [f.replace(/\.ts$/, ''), join('src/db/migrations', f)])),
  outdir: join(out, 'migrations'),
  sourcemap: false,
});
const bundle = await writeWorkflowBundle(join(out, 'workflow-bundle.js'));
console.log(`build: ${out}/ (api, worker, cli, ${migrations.length} migrations, workflow bundle ${bundle.kib} KiB) in ${Date.now() - started} ms`);
