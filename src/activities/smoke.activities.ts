import { sql } from 'kysely';
import type { Db } from '../db/connection';

export interface SmokeActivities {
  recordSmoke(input: { token: string }): Promise<string>;
}

export function createSmokeActivities(deps: { db: Db }): SmokeActivities {
  return {
    async recordSmoke() {
      const row = await sql<{ now: Date }>`select now() as now`.execute(deps.db);
      return new Date(row.rows[0]!.now).toISOString();
    },
  };
}
