// Unipile webhooks are deduplicated by what makes an event unique, never by its content alone: a
// redelivery has one effect, and a new event that looks like an old one (a second disconnect, a
// message id the sandbox reused after a restart) is applied. Real PostgreSQL and the run's Temporal.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { classifyEvent, createUnipileWebhookService, type UnipileWebhookService } from '../../src/services/unipile-webhooks';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { quickDefinition, seedCampaign } from '../support/fixtures';
import { quietLogger } from '../support/stack';
import { connectTestTemporal, type TestTemporal } from '../support/temporal';

describe('unipile webhook identity', () => {
  let t: TestTemporal;
  let db: TestDatabase;
  let service: UnipileWebhookService;
  const paused: string[] = [];

  before(async () => {
    t = await connectTestTemporal();
    db = await createTestDatabase();
    service = createUnipileWebhookService({
      db: db.db,
      client: t.client,
      logger: quietLogger,
      pauseCampaignsOfAccount: (accountId) => {
        paused.push(accountId);
        return Promise.resolve([]);
      },
    });
  });
  after(async () => {
    await t?.close();
    await db?.drop();
  });

  const deliver = async (payload: unknown) => {
    const r = await service.receive(payload);
    if (!r.duplicate) await service.process(r.id);
    return r;
  };
  const accountStatus = async (accountId: string) =>
    (await db.db.selectFrom('connected_accounts').select('status').where('id', '=', accountId).executeTakeFirstOrThrow()).status;

  it('disconnected → reconnected → disconnected leaves the account disconnected; a redelivery is a duplicate', async () => {
    const seeded = await seedCampaign(db.db, { unipileAccountId: 'acc-flip', definition: quickDefinition(), leads: 1, slugPrefix: 'flip' });
    const status = (message: string) => ({ AccountStatus: { account_id: 'acc-flip', account_type: 'LINKEDIN', message } });

    assert.equal((await deliver(status('CREDENTIALS'))).duplicate, false);
    assert.equal(await accountStatus(seeded.accountId), 'disconnected');
    // Unipile retries a delivery it thinks failed: same event, no second effect.
    assert.equal((await deliver(status('CREDENTIALS'))).duplicate, true);
    assert.equal((await deliver(status('OK'))).duplicate, false);
    assert.equal(await accountStatus(seeded.accountId), 'connected');
    assert.equal((await deliver(status('CREDENTIALS'))).duplicate, false, 'the second disconnect is a new event');
    assert.equal(await accountStatus(seeded.accountId), 'disconnected');
    assert.equal(paused.filter((a) => a === seeded.accountId).length, 2);

    // Reconnected another way (the API) in between: the same status again is a new event too.
    await db.db.updateTable('connected_accounts').set({ status: 'connected' }).where('id', '=', seeded.accountId).execute();
    assert.equal((await deliver(status('CREDENTIALS'))).duplicate, false);
    assert.equal(await accountStatus(seeded.accountId), 'disconnected');
  });

  it('a status event with a timestamp or an event id is keyed by it', () => {
    const receivedAt = new Date('2026-12-02T06:00:00Z');
    const a = classifyEvent({ AccountStatus: { account_id: 'x', message: 'OK', timestamp: '2026-12-02T05:00:00Z' } }, { receivedAt });
    const b = classifyEvent({ AccountStatus: { account_id: 'x', message: 'OK', timestamp: '2026-12-02T05:01:00Z' } }, { receivedAt });
    assert.notEqual(a.key, b.key);
    const c = classifyEvent({ event_id: 'evt-1', AccountStatus: { account_id: 'x', message: 'OK' } }, { receivedAt });
    assert.match(c.key, /evt-1/);
  });

  it('a message id reused with a new timestamp (the sandbox after a restart) is a new message; the same delivery twice is one', async () => {
    const message = (at: string, text: string) => ({
      event: 'message_received',
      account_id: 'acc-msg',
      account_type: 'LINKEDIN',
      account_info: { type: 'LINKEDIN', user_id: 'me' },
      chat_id: 'chat_1',
      message_id: 'msg_1',
      timestamp: at,
      message: text,
      sender: { attendee_provider_id: 'ACoPERSON', attendee_name: 'Pat' },
    });
    const first = await deliver(message('2026-12-02T05:00:00.000Z', 'Hi there'));
    assert.equal(first.duplicate, false);
    assert.equal((await deliver(message('2026-12-02T05:00:00.000Z', 'Hi there'))).duplicate, true);
    const reused = await deliver(message('2026-12-02T05:07:00.000Z', 'Please stop'));
    assert.equal(reused.duplicate, false, 'a real reply must not be dropped as a duplicate');
    assert.notEqual(reused.id, first.id);
    const rows = await db.db.selectFrom('unipile_events').select(['processed_at']).where('unipile_account_id', '=', 'acc-msg').execute();
    assert.equal(rows.length, 2);
    assert.ok(rows.every((r) => r.processed_at !== null));
  });

  it('a relation is keyed by account + person + time: a redelivery is one event, another account or person is not', async () => {
    const relation = (account: string, person: string) => ({ event: 'new_relation', account_id: account, account_type: 'LINKEDIN', user_provider_id: person, user_public_identifier: person.toLowerCase() });
    assert.equal((await deliver(relation('acc-rel', 'ACoONE'))).duplicate, false);
    assert.equal((await deliver(relation('acc-rel', 'ACoONE'))).duplicate, true);
    assert.equal((await deliver(relation('acc-rel', 'ACoTWO'))).duplicate, false);
    assert.equal((await deliver(relation('acc-other', 'ACoONE'))).duplicate, false);
    const receivedAt = new Date('2026-12-02T06:00:00Z');
    const later = new Date('2026-12-09T06:00:00Z');
    assert.notEqual(
      classifyEvent(relation('acc-rel', 'ACoONE'), { receivedAt }).key,
      classifyEvent(relation('acc-rel', 'ACoONE'), { receivedAt: later }).key,
      'the same person connecting again a week later (after a removal) is a new relation',
    );
  });
});
