import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../src/errors';
import { startTestApi, tableCounts, type TestApi } from './support';

void describe('app: errors, limits, request ids, health, docs', () => {
  let api: TestApi;
  let readiness: { ready: boolean; checks: Record<string, { ok: boolean; detail?: string }> } | 'throw' = {
    ready: true,
    checks: { database: { ok: true } },
  };

  before(async () => {
    api = await startTestApi({
      readiness: () =>
        readiness === 'throw' ? Promise.reject(new Error('boom')) : Promise.resolve(readiness),
      extraRoutes: [
        (app) => {
          app.get('/api/test/explode', () =>
            Promise.reject(new Error('password=hunter2 at db.internal:5432')),
          );
          app.get('/api/test/conflict', () =>
            Promise.reject(new AppError('campaign_running', 'it runs', 409, { status: 'in_progress' })),
          );
          app.post('/api/webhooks/test', () => Promise.resolve({ received: true }));
        },
      ],
    });
  });
  after(() => api.close());

  void it('GET /health answers 200 {status:"ok"} without a key', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/health' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok' });
  });

  void it('GET /ready reports 200, or 503 naming the part that is not ready', async () => {
    readiness = { ready: true, checks: { database: { ok: true }, temporal: { ok: true } } };
    let res = await api.app.inject({ method: 'GET', url: '/ready' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().status, 'ready');

    readiness = {
      ready: false,
      checks: {
        database: { ok: true },
        temporal: { ok: false, detail: 'temporal unreachable at localhost:7233' },
      },
    };
    res = await api.app.inject({ method: 'GET', url: '/ready' });
    assert.equal(res.statusCode, 503);
    assert.deepEqual(res.json(), { status: 'not_ready', checks: readiness.checks });

    readiness = 'throw';
    res = await api.app.inject({ method: 'GET', url: '/ready' });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().checks.readiness.ok, false);
  });

  void it('echoes a sane x-request-id, replaces an unsafe one, generates one otherwise', async () => {
    let res = await api.call({ method: 'GET', url: '/health', headers: { 'x-request-id': 'abc-123' } });
    assert.equal(res.headers['x-request-id'], 'abc-123');
    res = await api.call({
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': 'bad id\twith spaces' },
    });
    assert.match(String(res.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    res = await api.call({ method: 'GET', url: '/nope' });
    assert.match(String(res.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });

  void it('unknown routes answer 404 route_not_found', async () => {
    const res = await api.call({ method: 'GET', url: '/api/nothing-here' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'route_not_found');
  });

  void it('malformed or empty JSON answers 400 malformed_json and writes nothing', async () => {
    const before = await tableCounts(api.db);
    let res = await api.call({
      method: 'POST',
      url: '/api/lead-lists',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": "x",',
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'malformed_json');
    res = await api.call({
      method: 'POST',
      url: '/api/lead-lists',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'malformed_json');
    assert.deepEqual(await tableCounts(api.db), before);
  });

  void it('a JSON body over 1 MiB answers 413 payload_too_large', async () => {
    const res = await api.call({
      method: 'POST',
      url: '/api/lead-lists',
      payload: { name: 'x', description: 'a'.repeat(1024 * 1024) },
    });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().error.code, 'payload_too_large');
  });

  void it('an unsupported content type answers 415 unsupported_media_type', async () => {
    const res = await api.call({
      method: 'POST',
      url: '/api/lead-lists',
      headers: { 'content-type': 'application/xml' },
      payload: '<name>x</name>',
    });
    assert.equal(res.statusCode, 415);
    assert.equal(res.json().error.code, 'unsupported_media_type');
  });

  void it('schema violations answer 400 validation_failed listing every problem with its path', async () => {
    const before = await tableCounts(api.db);
    const res = await api.call({
      method: 'POST',
      url: '/api/accounts',
      payload: { displayName: 5, status: 'sleeping', extra: true },
    });
    assert.equal(res.statusCode, 400);
    const { error } = res.json();
    assert.equal(error.code, 'validation_failed');
    const paths = (error.details as Array<{ path: string }>).map((d) => d.path).sort();
    assert.deepEqual(paths, ['body.displayName', 'body.extra', 'body.providerAccountId', 'body.status']);
    assert.deepEqual(await tableCounts(api.db), before);

    const query = await api.call({ method: 'GET', url: '/api/lead-lists?limit=501' });
    assert.equal(query.statusCode, 400);
    assert.equal(query.json().error.details[0].path, 'querystring.limit');

    const params = await api.call({ method: 'GET', url: '/api/campaigns/not-a-uuid' });
    assert.equal(params.statusCode, 400);
    assert.equal(params.json().error.details[0].path, 'params.id');
  });

  void it('AppErrors from any route render as { error: { code, message, details } }', async () => {
    const res = await api.call({ method: 'GET', url: '/api/test/conflict' });
    assert.equal(res.statusCode, 409);
    assert.deepEqual(res.json(), {
      error: { code: 'campaign_running', message: 'it runs', details: { status: 'in_progress' } },
    });
  });

  void it('an unexpected error answers 500 internal_error with no message or stack leak, and is logged', async () => {
    const res = await api.call({
      method: 'GET',
      url: '/api/test/explode',
      headers: { 'x-request-id': 'req-explode' },
    });
    assert.equal(res.statusCode, 500);
    assert.equal(res.json().error.code, 'internal_error');
    assert.doesNotMatch(res.body, /hunter2|db\.internal|at .*\.ts/);
    assert.ok(
      api.logs.some((l) => l.includes('req-explode') && l.includes('hunter2')),
      'the log keeps the detail, under the request id',
    );
  });

  void it('webhook routes need no API key; other /api routes do', async () => {
    const hook = await api.app.inject({ method: 'POST', url: '/api/webhooks/test', payload: {} });
    assert.equal(hook.statusCode, 200);
    const other = await api.app.inject({ method: 'GET', url: '/api/test/conflict' });
    assert.equal(other.statusCode, 401);
  });

  void it('never logs the API key', async () => {
    await api.call({ method: 'GET', url: '/api/accounts' });
    await api.app.inject({
      method: 'GET',
      url: '/api/accounts',
      headers: { authorization: `Bearer ${api.orgA.apiKey}x` },
    });
    assert.ok(api.logs.length > 0);
    const secretPart = api.orgA.apiKey.slice(12);
    assert.ok(
      !api.logs.some((l) => l.includes(secretPart)),
      'a log line contains the secret part of the key',
    );
  });

  void it('serves OpenAPI at /docs/json with every route, bearer auth on /api routes, and the UI at /docs', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/docs/json' });
    assert.equal(res.statusCode, 200);
    const spec = res.json();
    for (const path of [
      '/api/accounts',
      '/api/lead-lists/{id}/leads',
      '/api/campaigns/start',
      '/api/campaigns/{id}/executions/{leadId}',
      '/health',
      '/ready',
    ]) {
      assert.ok(spec.paths[path], `missing ${path}`);
    }
    assert.deepEqual(spec.paths['/api/accounts'].get.security, [{ bearerAuth: [] }]);
    assert.equal(spec.paths['/api/webhooks/test'].post.security, undefined);
    assert.ok(spec.paths['/api/campaigns'].post.requestBody, 'request bodies are documented');
    const ui = await api.app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(ui.statusCode, 200);
  });

  void it('serves real HTTP on a socket: ids, auth and JSON end to end', async () => {
    const address = await api.app.listen({ port: 0, host: '127.0.0.1' });
    const health = await fetch(`${address}/health`);
    assert.equal(health.status, 200);
    const created = await fetch(`${address}/api/lead-lists`, {
      method: 'POST',
      headers: { ...api.orgA.headers, 'content-type': 'application/json', 'x-request-id': 'socket-1' },
      body: JSON.stringify({ name: 'Over the wire' }),
    });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('x-request-id'), 'socket-1');
    assert.equal(((await created.json()) as { name: string }).name, 'Over the wire');
    const denied = await fetch(`${address}/api/lead-lists`);
    assert.equal(denied.status, 401);
    assert.equal(((await denied.json()) as { error: { code: string } }).error.code, 'unauthorized');
  });
});
