import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_INTERCEPTOR_MODULES, WORKFLOWS_PATH } from './worker';

/** Bundles the workflow code (with its interceptor modules) once, for the tests and the production build. */
export async function writeWorkflowBundle(out: string): Promise<{ path: string; kib: number }> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: [...WORKFLOW_INTERCEPTOR_MODULES], logger: undefined });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, code);
  return { path: out, kib: Math.round(code.length / 1024) };
}
