import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { performWrite, alreadyDoneForPerson, findAction, listActions, idempotencyKey } from '../../src/linkedin/ledger';

void describe('write ledger', () => {
  let t: TestDatabase;
  let org: string;
  const account = randomUUID();
  before(async () => {
    t = await createTestDatabase();
    org = (await t.db.insertInto('organizations').values({ name: 'Acme' }).returning('id').executeTakeFirstOrThrow()).id;
  });
  after(() => t.drop());

  const base = (key: string, extra: Record<string, unknown> = {}) => ({ key, organizationId: org, accountId: account, campaignId: randomUUID(), leadId: randomUUID(), stepId: 's1', kind: 'invitation', targetProviderId: 'ACoAAp1', ...extra });

  void it('a second call with the same key does not write again and returns the recorded outcome', async () => {
    let writes = 0;
    const input = { ...base('k-same'), write: () => Promise.resolve({ status: 'succeeded' as const, result: { invitation_id: `inv${++writes}` } }) };
    const first = await performWrite(t.db, input);
    const second = await performWrite(t.db, input);
    assert.equal(writes, 1);
    assert.deepEqual(first, { status: 'succeeded', result: { invitation_id: 'inv1' }, replayed: false, reconciled: false });
    assert.deepEqual(second, { status: 'succeeded', result: { invitation_id: 'inv1' }, replayed: true, reconciled: false });
  });

  void it('a recorded skip is replayed as a skip', async () => {
    let writes = 0;
    const input = { ...base('k-skip'), write: () => (writes++, Promise.resolve({ status: 'skipped' as const, reason: 'already_connected' })) };
    await performWrite(t.db, input);
    const again = await performWrite(t.db, input);
    assert.equal(writes, 1);
    assert.equal(again.status === 'skipped' && again.reason, 'already_connected');
  });

  void it('after an indeterminate failure, the retry reconciles and does not write when the effect is there', async () => {
    let writes = 0;
    let reconciles = 0;
    const input = {
      ...base('k-504'),
      reconcile: () => (reconciles++, Promise.resolve({ invitation_id: 'found' })),
      write: () => (writes++, Promise.reject(new Error('504'))),
    };
    await assert.rejects(performWrite(t.db, input), /504/);
    const row = await findAction(t.db, { campaignId: input.campaignId, leadId: input.leadId, kind: 'invitation' });
    assert.equal(row?.status, 'unknown');
    assert.equal(row?.attempts, 1);
    const out = await performWrite(t.db, input);
    assert.deepEqual(out, { status: 'succeeded', result: { invitation_id: 'found' }, replayed: false, reconciled: true });
    assert.equal(writes, 1);
    assert.equal(reconciles, 1);
  });

  void it('reconcile finding nothing lets the retry write; a definite refusal (failed) writes again without reconciling', async () => {
    let writes = 0;
    let reconciles = 0;
    const fail = { ...base('k-fail'), reconcile: () => (reconciles++, Promise.resolve(null)), mayHaveHappened: () => false, write: () => (writes++, Promise.reject(new Error('503'))) };
    await assert.rejects(performWrite(t.db, fail), /503/);
    const ok = await performWrite(t.db, { ...fail, write: () => (writes++, Promise.resolve({ status: 'succeeded' as const, result: { n: writes } })) });
    assert.equal(reconciles, 0, 'failed rows are not reconciled');
    assert.equal(ok.status, 'succeeded');
    assert.equal(writes, 2);

    const unknown = { ...base('k-unknown'), reconcile: () => (reconciles++, Promise.resolve(null)), write: () => (writes++, Promise.reject(new Error('timeout'))) };
    await assert.rejects(performWrite(t.db, unknown));
    await performWrite(t.db, { ...unknown, write: () => (writes++, Promise.resolve({ status: 'succeeded' as const, result: {} })) });
    assert.equal(reconciles, 1);
    assert.equal(writes, 4);
  });

  void it('a crash between intent and outcome (pending, attempts 1) is reconciled', async () => {
    const input = base('k-crash');
    await t.db
      .withTables<{ linkedin_actions: { idempotency_key: string; organization_id: string; account_id: string; kind: string; status: string; attempts: number } }>()
      .insertInto('linkedin_actions')
      .values({ idempotency_key: 'k-crash', organization_id: org, account_id: account, kind: 'invitation', status: 'pending', attempts: 1 })
      .execute();
    let wrote = false;
    const out = await performWrite(t.db, { ...input, reconcile: () => Promise.resolve({ via: 'reconcile' }), write: () => ((wrote = true), Promise.resolve({ status: 'succeeded' as const, result: {} })) });
    assert.equal(wrote, false);
    assert.equal(out.reconciled, true);
  });

  void it('alreadyDoneForPerson finds succeeded effects of other campaigns of the same organization only', async () => {
    const campaignA = randomUUID();
    await performWrite(t.db, { ...base('k-person', { campaignId: campaignA, targetProviderId: 'ACoAAperson', kind: 'message' }), write: () => Promise.resolve({ status: 'succeeded' as const, result: {} }) });
    assert.ok(await alreadyDoneForPerson(t.db, { organizationId: org, providerId: 'ACoAAperson', kind: ['message', 'inmail'] }));
    assert.equal(await alreadyDoneForPerson(t.db, { organizationId: org, providerId: 'ACoAAperson', kind: 'message', exceptCampaignId: campaignA }), null);
    assert.ok(await alreadyDoneForPerson(t.db, { organizationId: org, providerId: 'ACoAAperson', kind: 'message', exceptCampaignId: randomUUID() }));
    assert.equal(await alreadyDoneForPerson(t.db, { organizationId: org, providerId: 'ACoAAperson', kind: 'invitation' }), null);
    const other = (await t.db.insertInto('organizations').values({ name: 'Other' }).returning('id').executeTakeFirstOrThrow()).id;
    assert.equal(await alreadyDoneForPerson(t.db, { organizationId: other, providerId: 'ACoAAperson', kind: 'message' }), null);
  });

  void it('listActions matches a key prefix literally; idempotencyKey joins parts', async () => {
    const k = idempotencyKey({ campaignId: 'c_%', leadId: 'l', stepId: 's', kind: 'reaction', n: 'urn:1' });
    assert.equal(k, 'c_%:l:s:reaction:urn:1');
    await performWrite(t.db, { ...base(k), write: () => Promise.resolve({ status: 'succeeded' as const, result: {} }) });
    assert.equal((await listActions(t.db, { keyPrefix: 'c_%:l:s:reaction:' })).length, 1);
    assert.equal((await listActions(t.db, { keyPrefix: 'cx%:l:s:reaction:' })).length, 0);
  });

  void it('status is checked by the database', async () => {
    await assert.rejects(
      t.db
        .withTables<{ linkedin_actions: { idempotency_key: string; organization_id: string; account_id: string; kind: string; status: string } }>()
        .insertInto('linkedin_actions')
        .values({ idempotency_key: 'bad', organization_id: org, account_id: account, kind: 'x', status: 'done' })
        .execute(),
      /check constraint/i,
    );
  });
});
