/**
 * Two workers = two separate connection pools on the same PostgreSQL database, racing for one
 * account's quota. The embedded database has one connection, so there it is the same race on one pool.
 */
import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase, type DbHandle } from '../../src/db/connection';
import { DATABASE_KINDS, type TestDatabase } from '../support/database';
import { reserveAction, updateAccountSettings, type ReserveResult } from '../../src/quota/quota.repository';
import type { QuotaTables } from '../../src/quota/quota.schema';
import { createAccount, local } from './support';

const NOW = local('Europe/Paris', '2026-11-23T10:00');

for (const { kind: dbKind, create } of DATABASE_KINDS) {
  describe(`concurrent reservations on ${dbKind}`, () => {
    let t: TestDatabase;
    const workers: DbHandle[] = [];
    before(async () => {
      t = await create();
      if (t.url) for (let i = 0; i < 2; i++) workers.push(await openDatabase({ databaseUrl: t.url, dataDir: '', poolSize: 10 }));
      else workers.push(t, t);
    });
    after(async () => {
      for (const w of workers) if (w !== t) await w.close();
      await t.drop();
    });

    async function account(): Promise<string> {
      const id = await createAccount(t.db, { createdAt: new Date('2025-01-01T00:00Z') });
      await updateAccountSettings(t.db, id, { timezone: 'Europe/Paris', limits: { invitation: { daily: 20 } }, minGapSeconds: 90, jitterSeconds: 60 });
      return id;
    }

    it('2 workers × 50 parallel reservations with a limit of 20: exactly 20 granted, each slot spaced', async () => {
      const id = await account();
      const results = await Promise.all(
        workers.flatMap((w, wi) =>
          Array.from({ length: 50 }, (_, i) => reserveAction(w.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:w${wi}:${i}`, now: NOW })),
        ),
      );
      const grants = results.filter((r): r is Extract<ReserveResult, { granted: true }> => r.granted);
      assert.equal(grants.length, 20);
      assert.ok(results.every((r) => r.granted || r.reason === 'daily_limit'));
      const stored = await t.db.withTables<QuotaTables>().selectFrom('account_action_grants').select('granted_at').where('account_id', '=', id).orderBy('granted_at').execute();
      assert.equal(stored.length, 20);
      const ats = stored.map((s) => new Date(s.granted_at).getTime());
      assert.equal(ats[0], NOW.getTime(), 'the first slot is now');
      for (let i = 1; i < ats.length; i++) assert.ok(ats[i]! - ats[i - 1]! >= 90_000, `slots ${i - 1} and ${i} are ${(ats[i]! - ats[i - 1]!) / 1000}s apart`);
    });

    it('the same idempotency key raced from both workers yields one grant', async () => {
      const id = await account();
      const results = await Promise.all(workers.flatMap((w) => Array.from({ length: 10 }, () => reserveAction(w.db, { accountId: id, kind: 'invitation', idempotencyKey: `${id}:same`, now: NOW }))));
      const ids = new Set(results.map((r) => (r.granted ? r.grantId : 'denied')));
      assert.equal(ids.size, 1);
      assert.ok(!ids.has('denied'));
      const n = await t.db.withTables<QuotaTables>().selectFrom('account_action_grants').select((eb) => eb.fn.countAll<number>().as('n')).where('account_id', '=', id).executeTakeFirstOrThrow();
      assert.equal(Number(n.n), 1);
    });
  });
}
