import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config';
import type { SandboxHandle } from '../../src/linkedin/sandbox/server';
import { startProduct, type RunningProduct } from '../../src/runtime/product';
import { createOrganizationWithKey } from '../../src/services/organizations';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { quietLogger } from '../support/stack';
import { TEMPORAL_ADDRESS, WORKFLOW_BUNDLE, installTestRuntime } from '../support/temporal';

/** The product a dashboard test drives: API (and worker, when asked) on the suite's Temporal, a fresh database, one organization. */
export interface DashboardProduct {
  db: TestDatabase;
  product: RunningProduct;
  base: string;
  apiKey: string;
  organizationId: string;
  /** A call to the API with the organization's key; the body parsed as JSON. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export async function startDashboardProduct(opts: {
  /** Names the task queue and the data folder. */
  name: string;
  organization: string;
  /** LinkedIn for the product; without one, the API only (no worker, no Unipile). */
  sandbox?: SandboxHandle;
  worker?: boolean;
  webhookSecret?: string;
}): Promise<DashboardProduct> {
  installTestRuntime();
  const db = await createTestDatabase();
  const worker = opts.worker ?? false;
  const result = loadConfig({
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS,
    TEMPORAL_TASK_QUEUE: `${opts.name}-${process.pid}`,
    UNIPILE_DSN: opts.sandbox?.dsn ?? '127.0.0.1:9',
    UNIPILE_ACCESS_TOKEN: opts.sandbox?.accessToken ?? 'unused',
    ...(opts.webhookSecret ? { UNIPILE_WEBHOOK_SECRET: opts.webhookSecret } : {}),
    ...(worker ? {} : { TEMPORAL_WORKER_ENABLED: 'false' }),
    PORT: '0',
    LOG_LEVEL: 'silent',
    DATA_DIR: mkdtempSync(join(tmpdir(), `clento-${opts.name}-`)),
  });
  assert.ok(result.ok, JSON.stringify(!result.ok && result));
  const product = await startProduct(result.config, quietLogger, {
    api: true,
    worker,
    embedded: false,
    workflows: worker && WORKFLOW_BUNDLE ? { bundlePath: WORKFLOW_BUNDLE } : undefined,
  });
  const base = product.apiUrl!;
  const { apiKey, organizationId } = await createOrganizationWithKey(db.db, { name: opts.organization });
  return {
    db,
    product,
    base,
    apiKey,
    organizationId,
    api: async (method, path, body) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    },
    stop: async () => {
      await product.stop();
      await db.drop();
    },
  };
}
