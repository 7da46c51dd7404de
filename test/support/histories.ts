import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/** A recorded replay fixture (`<name>.json` in test/fixtures/histories), decoded. */
export function loadHistory(name: string): { workflowId: string; history: proto.temporal.api.history.v1.History } {
  const { workflowId, historyBase64 } = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'histories', `${name}.json`), 'utf8')) as { workflowId: string; historyBase64: string };
  return { workflowId, history: proto.temporal.api.history.v1.History.decode(Buffer.from(historyBase64, 'base64')) };
}
