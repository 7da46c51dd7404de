import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createQuotaActivities, PROVIDER_BLOCK_MS } from '../../src/quota/quota.activities';
import { updateAccountSettings } from '../../src/quota/quota.repository';
import { createAccount, local } from './support';

describe('quota activities', () => {
  let t: TestDatabase;
  before(async () => (t = await createTestDatabase()));
  after(async () => t.drop());

  it('return JSON a workflow can sleep on; LinkedIn limits block the kind for a day', async () => {
    const id = await createAccount(t.db, { createdAt: new Date('2025-01-01T00:00Z') });
    await updateAccountSettings(t.db, id, { timezone: 'Europe/Paris', jitterSeconds: 0 });
    let now = local('Europe/Paris', '2026-11-23T10:00');
    const acts = createQuotaActivities({ db: t.db, clock: () => now });

    const g = await acts.reserveAccountAction({ accountId: id, kind: 'invitation', idempotencyKey: `${id}:1` });
    assert.deepEqual(JSON.parse(JSON.stringify(g)), g, 'survives Temporal payload conversion unchanged');
    assert.equal(g.granted && g.at, now.toISOString());
    const again = await acts.reserveAccountAction({ accountId: id, kind: 'invitation', idempotencyKey: `${id}:1` });
    assert.deepEqual(again, g, 'an activity retry gets the same grant');

    const { blockedUntil } = await acts.recordProviderLimit({ accountId: id, kind: 'invitation', providerError: 'errors/limit_exceeded' });
    assert.equal(blockedUntil, new Date(now.getTime() + PROVIDER_BLOCK_MS.limit_exceeded).toISOString());
    now = local('Europe/Paris', '2026-11-23T11:00');
    const d = await acts.reserveAccountAction({ accountId: id, kind: 'invitation', idempotencyKey: `${id}:2` });
    assert.deepEqual(d, { granted: false, reason: 'provider_limit', retryAt: blockedUntil });
    const m = await acts.reserveAccountAction({ accountId: id, kind: 'message', idempotencyKey: `${id}:3` });
    assert.equal(m.granted, true, 'other kinds go on');

    const throttled = await acts.recordProviderLimit({ accountId: id, kind: 'all', providerError: 'errors/too_many_requests' });
    assert.equal(throttled.blockedUntil, new Date(now.getTime() + PROVIDER_BLOCK_MS.other).toISOString());
  });
});
