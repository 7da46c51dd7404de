import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';

/**
 * Saves the latest run of `workflowId` as a replay fixture (test/replay) named `<name>.json`. Tests call
 * it under RECORD_HISTORIES=1 when workflow code changes on purpose; names carry the patch they exercise.
 */
export async function recordHistory(client: Client, workflowId: string, name: string): Promise<void> {
  const dir = join(import.meta.dirname, '..', 'fixtures', 'histories');
  mkdirSync(dir, { recursive: true });
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  // Binary protobuf (base64): exact, and independent of JSON field-name conventions.
  const encoded = Buffer.from(proto.temporal.api.history.v1.History.encode(history).finish()).toString('base64');
  writeFileSync(join(dir, `${name}.json`), JSON.stringify({ workflowId, historyBase64: encoded }));
}
