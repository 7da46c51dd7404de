// Writes the API's OpenAPI document (as buildApp serves it at /docs/json) to a file: the web
// dashboard's typed client is generated from it, so a route change that breaks a page fails tsc.
import { writeFileSync } from 'node:fs';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { buildApp } from '../src/api/app';
import type { Database } from '../src/db/schema';
import { compileWorkflowDefinition } from '../src/domain/workflow-definition';
import { createLogger } from '../src/logger';
import type { CampaignControl } from '../src/services/campaign-control';

const out = process.argv[2] ?? 'web/openapi.json';
// Routes are only registered, never called: the pool never connects and the control is never used.
const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ max: 1 }) }) });
const app = await buildApp({
  db,
  logger: createLogger({ level: 'silent' }),
  campaignControl: {} as CampaignControl,
  compileDefinition: compileWorkflowDefinition,
});
const doc = (app as unknown as { swagger(): unknown }).swagger();
writeFileSync(out, JSON.stringify(doc, null, 2));
await app.close();
await db.destroy();
