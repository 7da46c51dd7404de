// Replay safety: histories recorded from real runs (test/fixtures/histories, refreshed with
// RECORD_HISTORIES=1 on the example-flow test) must replay on today's workflow code. A change that
// alters the commands an existing execution produced fails here: guard it with `patched()`.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { WORKFLOW_INTERCEPTOR_MODULES, WORKFLOWS_PATH } from '../../src/temporal/worker';
import { WORKFLOW_BUNDLE, installTestRuntime } from '../support/temporal';

const dir = join(import.meta.dirname, '..', 'fixtures', 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('saved histories replay on the current workflow code', () => {
  it('has histories to replay', () => {
    assert.ok(files.length >= 3, `expected recorded histories in ${dir}`);
  });
  for (const file of files) {
    it(file, async () => {
      installTestRuntime();
      const { workflowId, historyBase64 } = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { workflowId: string; historyBase64: string };
      const history = proto.temporal.api.history.v1.History.decode(Buffer.from(historyBase64, 'base64'));
      await Worker.runReplayHistory(
        // Without a prebuilt bundle: the sources with the same interceptor modules as the worker's bundle.
        WORKFLOW_BUNDLE ? { workflowBundle: { codePath: WORKFLOW_BUNDLE } } : { workflowsPath: WORKFLOWS_PATH, interceptors: { workflowModules: [...WORKFLOW_INTERCEPTOR_MODULES] } },
        history,
        workflowId,
      );
    });
  }
});
