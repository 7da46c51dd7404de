import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { sql } from 'kysely';
import { unipileWebhookRoutes } from '../../src/api/routes/unipile-webhooks.routes';
import { createLogger } from '../../src/logger';
import { createUnipileWebhookService } from '../../src/services/unipile-webhooks';
import { TEMPORAL_ADDRESS } from '../support/temporal';
import { seedCampaign, startTestApi, tableCounts, type TestApi } from './support';

/** Issue 8, "bad input answered 4xx, never 5xx": NUL bytes, deep JSON, malformed HTTP, content types, filters. */

const SECRET = 'bad-input-webhook-secret';

/** One HTTP/1.1 exchange over a raw socket (inject() skips Node's HTTP parser, which is what these probe). */
function rawRequest(port: number, text: string): Promise<{ status: number; body: string; raw: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let raw = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      raw += chunk;
      // One answer is enough: stop once its declared body has arrived.
      const end = raw.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(raw.slice(0, end))?.[1];
      if (end >= 0 && length !== undefined && Buffer.byteLength(raw.slice(end + 4)) >= Number(length)) socket.end();
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
      resolve({ status, body: raw.slice(raw.indexOf('\r\n\r\n') + 4), raw });
    });
    socket.write(text);
  });
}

function nested(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

void describe('bad input answers 4xx in the documented shape', () => {
  let api: TestApi;
  let port: number;
  let seeded: Awaited<ReturnType<typeof seedCampaign>>;
  let connection: Connection;

  before(async () => {
    connection = Connection.lazy({ address: TEMPORAL_ADDRESS });
    api = await startTestApi((db) => ({
      extraRoutes: [
        (app) =>
          unipileWebhookRoutes(app, {
            secret: SECRET,
            webhooks: createUnipileWebhookService({
              db,
              client: new Client({ connection }),
              logger: createLogger({ level: 'silent' }),
              pauseCampaignsOfAccount: () => Promise.resolve(),
            }),
          }),
      ],
    }));
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    port = (api.app.server.address() as AddressInfo).port;
    seeded = await seedCampaign(api, api.orgA);
  });
  after(async () => {
    await api.close();
    await connection.close();
  });

  const webhook = (payload: string, headers: Record<string, string | string[]> = {}) =>
    api.app.inject({
      method: 'POST',
      url: '/api/webhooks/unipile',
      headers: { 'unipile-auth': SECRET, ...headers },
      payload,
    });

  void describe('NUL bytes (item 10)', () => {
    void it('in a JSON body, a nested property name, a query string or a path param: 400 naming the field', async () => {
      const before = await tableCounts(api.db);
      let res = await api.call({ method: 'POST', url: '/api/lead-lists', payload: { name: 'bad\u0000name' } });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error.code, 'validation_failed');
      assert.deepEqual(res.json().error.details, [{ path: 'body.name', message: 'contains a NUL byte', keyword: 'nul' }]);

      res = await api.call({
        method: 'POST',
        url: '/api/accounts',
        payload: { providerAccountId: 'nul-acc', capabilities: { 'pre\u0000mium': true } },
      });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error.details[0].path, 'body.capabilities.pre\\u0000mium');

      res = await api.call({ method: 'GET', url: `/api/lead-lists/${seeded.list.id}/leads?cursor=%00` });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error.details[0].path, 'querystring.cursor');

      res = await api.call({ method: 'GET', url: '/api/leads/%00' });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error.details[0].path, 'params.id');

      res = await webhook(JSON.stringify({ event: 'message_received', account_id: 'a', message: 'hi\u0000' }), {
        'content-type': 'application/json',
      });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error.details[0].path, 'body.message');
      assert.deepEqual(await tableCounts(api.db), before);
    });

    void it('on every route of the OpenAPI document: a NUL in each path param and in the body answers 400', async () => {
      const doc = (await api.app.inject({ method: 'GET', url: '/docs/json' })).json<{
        paths: Record<string, Record<string, { requestBody?: unknown }>>;
      }>();
      let probed = 0;
      for (const [path, operations] of Object.entries(doc.paths)) {
        for (const [method, operation] of Object.entries(operations)) {
          const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
          const url = path.replace(/\{(\w+)\}/g, '%00');
          const hasBody = operation.requestBody !== undefined;
          if (params.length === 0 && !hasBody) continue;
          const res = await api.call({
            method: method.toUpperCase(),
            url,
            headers: { 'unipile-auth': SECRET },
            ...(hasBody ? { payload: { name: '\u0000' } } : {}),
          });
          assert.equal(res.statusCode, 400, `${method} ${path}: ${res.body}`);
          assert.equal(res.json().error.code, 'validation_failed', `${method} ${path}`);
          const paths = (res.json().error.details as Array<{ path: string }>).map((d) => d.path);
          for (const p of params) assert.ok(paths.includes(`params.${p}`), `${method} ${path}: ${paths.join()}`);
          if (hasBody) assert.ok(paths.includes('body.name'), `${method} ${path}: ${paths.join()}`);
          probed += 1;
        }
      }
      assert.ok(probed >= 20, `probed ${probed} operations`);
    });

    void it('in a CSV cell rejects that row only, and the import report names it', async () => {
      const csv = [
        'full_name,linkedin_url,company',
        'Fine One,https://www.linkedin.com/in/nul-fine-one,Acme',
        'Bad Cell,https://www.linkedin.com/in/nul-bad,Ac\u0000me',
        'Fine Two,https://www.linkedin.com/in/nul-fine-two,Acme',
      ].join('\n');
      const res = await api.call({
        method: 'POST',
        url: `/api/lead-lists/${seeded.list.id}/leads`,
        headers: { 'content-type': 'text/csv' },
        payload: csv,
      });
      assert.equal(res.statusCode, 200, res.body);
      const report = res.json();
      assert.equal(report.imported, 2);
      assert.equal(report.rejected, 1);
      assert.deepEqual(report.errors, [
        { row: 3, field: 'company', code: 'invalid_value', message: 'company contains a NUL byte' },
      ]);
    });
  });

  void describe('deep JSON (item 11)', () => {
    void it('5,000 levels answer 400 json_too_deep on the webhook route and on API routes; 50 levels parse', async () => {
      let res = await webhook(nested(5_000), { 'content-type': 'application/json' });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error.code, 'json_too_deep');
      res = await api.call({
        method: 'POST',
        url: '/api/lead-lists',
        headers: { 'content-type': 'application/json' },
        payload: `[${nested(5_000)}]`,
      });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error.code, 'json_too_deep');
      // Brackets inside strings are not nesting.
      res = await webhook(JSON.stringify({ event: 'fuzz', account_id: 'a', text: '['.repeat(5_000), deep: JSON.parse(nested(50)) }), {
        'content-type': 'application/json',
      });
      assert.equal(res.statusCode, 200, res.body);
    });
  });

  void describe('malformed HTTP (item 12), over a real socket', () => {
    void it('a malformed Content-Length answers 400 bad_request in the error shape', async () => {
      for (const length of ['abc', '-1', '12, 13']) {
        const res = await rawRequest(
          port,
          `POST /api/lead-lists HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n{}`,
        );
        assert.equal(res.status, 400, `${length}: ${res.raw}`);
        assert.equal(JSON.parse(res.body).error.code, 'bad_request', res.raw);
      }
    });

    void it('an over-long path or query answers 414 uri_too_long, one past the header limit 431, both in the error shape', async () => {
      const auth = `Authorization: Bearer ${api.orgA.apiKey}\r\n`;
      let res = await rawRequest(port, `GET /api/leads/${'a'.repeat(9_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
      assert.equal(res.status, 414, res.raw);
      assert.equal(JSON.parse(res.body).error.code, 'uri_too_long');
      res = await rawRequest(port, `GET /api/lead-lists?limit=${'9'.repeat(9_000)} HTTP/1.1\r\nHost: x\r\n${auth}\r\n`);
      assert.equal(res.status, 414, res.raw);
      assert.equal(JSON.parse(res.body).error.code, 'uri_too_long');
      res = await rawRequest(port, `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
      assert.equal(res.status, 431, res.raw);
      assert.equal(JSON.parse(res.body).error.code, 'headers_too_large');
      // A path param over the router's length limit (Fastify answers it before any hook).
      res = await rawRequest(port, `GET /api/leads/${'a'.repeat(500)} HTTP/1.1\r\nHost: x\r\n${auth}\r\n`);
      assert.equal(res.status, 414, res.raw);
      assert.equal(JSON.parse(res.body).error.code, 'uri_too_long');
      // Broken percent-encoding in the path.
      res = await rawRequest(port, `GET /api/leads/%zz%c0 HTTP/1.1\r\nHost: x\r\n${auth}\r\n`);
      assert.equal(res.status, 400, res.raw);
      assert.equal(JSON.parse(res.body).error.code, 'bad_request', res.raw);
    });
  });

  void describe('content types (item 13)', () => {
    const event = () => JSON.stringify({ event: 'message_read', account_id: 'acc', message_id: `m-${Math.random()}` });

    void it('the Unipile webhook takes a JSON body whatever its Content-Type, and still needs the secret', async () => {
      const variants: Array<Record<string, string | string[]>> = [
        {},
        { 'content-type': 'text/plain' },
        { 'content-type': 'application/json, application/json' },
        { 'content-type': ['application/json', 'application/json'] },
        { 'content-type': 'application/octet-stream' },
      ];
      for (const headers of variants) {
        const res = await webhook(event(), headers);
        assert.equal(res.statusCode, 200, `${JSON.stringify(headers)}: ${res.body}`);
        assert.deepEqual(res.json(), { received: true, duplicate: false });
      }
      const unauthenticated = await api.app.inject({ method: 'POST', url: '/api/webhooks/unipile', payload: event() });
      assert.equal(unauthenticated.statusCode, 401);
      const notJson = await webhook('not json', { 'content-type': 'text/plain' });
      assert.equal(notJson.statusCode, 400);
      assert.equal(notJson.json().error.code, 'malformed_json');
    });

    void it('other JSON routes stay strict: text/plain and a repeated header answer 415 unsupported_media_type', async () => {
      for (const contentType of ['text/plain', 'application/json, application/json', 'text/csv']) {
        const res = await api.call({
          method: 'POST',
          url: '/api/lead-lists',
          headers: { 'content-type': contentType },
          payload: '{"name":"x"}',
        });
        assert.equal(res.statusCode, 415, `${contentType}: ${res.body}`);
        assert.equal(res.json().error.code, 'unsupported_media_type');
      }
    });
  });

  void it('an account deleted while a campaign edit references it answers 404, not 500 (a fuzz finding)', async () => {
    const other = (
      await api.call({ method: 'POST', url: '/api/accounts', payload: { providerAccountId: api.unipileAccount() } })
    ).json<{ id: string }>();
    assert.ok(other.id, 'the account was registered');
    // Hold the account's deletion open in a transaction: the edit's reference check still sees the
    // account, its UPDATE then waits on the row lock, and the commit makes the foreign key fail.
    await api.db.connection().execute(async (conn) => {
      await sql`begin`.execute(conn);
      await sql`delete from connected_accounts where id = ${other.id}`.execute(conn);
      // inject() sends when awaited: start it now.
      const patched = Promise.resolve(
        api.call({ method: 'PATCH', url: `/api/campaigns/${seeded.campaign.id}`, payload: { senderAccountId: other.id } }),
      );
      for (let i = 0; ; i += 1) {
        const waiting = await sql<{ n: number }>`
          select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(conn);
        if ((waiting.rows[0]?.n ?? 0) > 0) break;
        assert.ok(i < 500, 'the edit never waited on the deleted row');
        await new Promise((r) => setTimeout(r, 10));
      }
      await sql`commit`.execute(conn);
      const res = await patched;
      assert.equal(res.statusCode, 404, res.body);
      assert.equal(res.json().error.code, 'account_not_found');
    });
  });

  void it('an unknown ?status= answers 400 on every list route (item 14)', async () => {
    const lists = [
      '/api/accounts',
      '/api/webhook-endpoints',
      '/api/lead-lists',
      `/api/lead-lists/${seeded.list.id}/leads`,
      '/api/campaigns',
      `/api/campaigns/${seeded.campaign.id}/executions`,
    ];
    for (const url of lists) {
      const res = await api.call({ method: 'GET', url: `${url}?status=bogus` });
      assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
      assert.equal(res.json().error.code, 'validation_failed');
      assert.equal(res.json().error.details[0].path, 'querystring.status', url);
    }
    const known = await api.call({ method: 'GET', url: `/api/lead-lists/${seeded.list.id}/leads?status=new` });
    assert.equal(known.statusCode, 200, known.body);
    assert.ok(known.json().items.length > 0);
    assert.ok(known.json().items.every((l: { status: string }) => l.status === 'new'));
  });
});
