import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { loadConfig, redactConfig } from '../../src/config/config';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const CERT = b64('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
const KEY = b64('-----BEGIN PRIVATE KEY-----\nsecret-key-material\n-----END PRIVATE KEY-----\n');

describe('configuration', () => {
  it('has the design defaults', () => {
    const r = loadConfig({});
    assert.ok(r.ok);
    assert.equal(r.config.temporal.taskQueue, 'clento-outreach-queue');
    assert.equal(r.config.temporal.namespace, 'default');
    assert.equal(r.config.temporal.workerEnabled, true);
    assert.deepEqual(
      [r.config.worker.maxConcurrentActivityTaskExecutions, r.config.worker.maxConcurrentWorkflowTaskExecutions, r.config.worker.maxActivitiesPerSecond],
      [100, 50, 200],
    );
    assert.equal(r.config.databaseUrl, undefined);
    assert.ok(Object.isFrozen(r.config.temporal));
  });

  it('security settings: rate limits (600 per key, 60 per IP by default) and webhook destinations (https only, no allow-list)', () => {
    const defaults = loadConfig({});
    assert.ok(defaults.ok);
    assert.deepEqual(defaults.config.rateLimits, { authenticatedPerMinute: 600, unauthenticatedPerMinute: 60 });
    assert.deepEqual(defaults.config.webhooks, { allowHttp: false, allowedHosts: [] });
    const set = loadConfig({
      API_RATE_LIMIT_PER_MINUTE: '100000',
      API_RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: '5000',
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOWED_HOSTS: ' 127.0.0.1, Receiver.Local ,[::1]',
    });
    assert.ok(set.ok);
    assert.deepEqual(set.config.rateLimits, { authenticatedPerMinute: 100000, unauthenticatedPerMinute: 5000 });
    assert.deepEqual(set.config.webhooks, { allowHttp: true, allowedHosts: ['127.0.0.1', 'receiver.local', '::1'] });
    const bad = loadConfig({ API_RATE_LIMIT_PER_MINUTE: '0', API_RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: 'lots', WEBHOOK_ALLOW_HTTP: 'maybe' });
    assert.equal(bad.ok, false);
    if (bad.ok) return;
    for (const v of ['API_RATE_LIMIT_PER_MINUTE', 'API_RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE', 'WEBHOOK_ALLOW_HTTP']) assert.match(bad.problems.join('\n'), new RegExp(`${v}:`));
  });

  it('lists every problem at once', () => {
    const r = loadConfig({
      TEMPORAL_ADDRESS: 'not an address',
      TEMPORAL_CLIENT_CERT: CERT,
      LOG_LEVEL: 'loud',
      PORT: '-1',
      DATABASE_URL: 'mysql://x',
      TEMPORAL_WORKER_ENABLED: 'maybe',
    });
    assert.equal(r.ok, false);
    if (r.ok) return;
    const text = r.problems.join('\n');
    for (const v of ['TEMPORAL_ADDRESS', 'TEMPORAL_CLIENT_KEY', 'LOG_LEVEL', 'PORT', 'DATABASE_URL', 'TEMPORAL_WORKER_ENABLED']) {
      assert.match(text, new RegExp(v), `${v} reported`);
    }
  });

  it('accepts Temporal Cloud with mTLS or an API key, not both', () => {
    const mtls = loadConfig({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_CLIENT_CERT: CERT, TEMPORAL_CLIENT_KEY: KEY });
    assert.ok(mtls.ok && mtls.config.temporal.tls?.key.includes('PRIVATE KEY'));
    const apiKey = loadConfig({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'k' });
    assert.ok(apiKey.ok && apiKey.config.temporal.apiKey === 'k');
    const both = loadConfig({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_CLIENT_CERT: CERT, TEMPORAL_CLIENT_KEY: KEY, TEMPORAL_API_KEY: 'k' });
    assert.equal(both.ok, false);
  });

  it('redacts secrets wherever config is printed', () => {
    const r = loadConfig({
      TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
      TEMPORAL_CLIENT_CERT: CERT,
      TEMPORAL_CLIENT_KEY: KEY,
      UNIPILE_DSN: 'api8.unipile.com:13424',
      UNIPILE_ACCESS_TOKEN: 'tok-very-secret',
      UNIPILE_WEBHOOK_SECRET: 'whsec-very-secret',
      DATABASE_URL: 'postgres://user:pa55word@db.example.com:5432/app',
    });
    assert.ok(r.ok);
    const printed = JSON.stringify(redactConfig(r.config));
    for (const secret of ['secret-key-material', 'tok-very-secret', 'whsec-very-secret', 'pa55word', 'BEGIN CERTIFICATE']) {
      assert.ok(!printed.includes(secret), `${secret} leaked: ${printed}`);
    }
    assert.ok(printed.includes('db.example.com'), 'the non-secret part of the URL stays');
  });

  it('a process with a bad configuration exits non-zero with one message and no stack trace', () => {
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/runtime/api.ts'], {
      env: { PATH: process.env.PATH, TEMPORAL_ADDRESS: 'nope', LOG_LEVEL: 'loud', TEMPORAL_CLIENT_CERT: CERT, UNIPILE_ACCESS_TOKEN: 'tok-very-secret' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(res.status, 78, res.stderr);
    assert.match(res.stderr, /Invalid configuration \(3 problems\)/);
    assert.match(res.stderr, /TEMPORAL_ADDRESS/);
    assert.match(res.stderr, /LOG_LEVEL/);
    assert.match(res.stderr, /TEMPORAL_CLIENT_KEY/);
    assert.doesNotMatch(res.stderr, /\bat .+:\d+:\d+\)?$/m, 'no stack trace');
    assert.doesNotMatch(res.stderr + res.stdout, /tok-very-secret/);
  });
});
