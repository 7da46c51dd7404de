import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatBanner, type BannerFacts } from '../../src/runtime/banner';

const base: BannerFacts = {
  apiUrl: 'http://127.0.0.1:41234',
  temporalAddress: 'temporal.internal:7233',
  temporalUiUrl: undefined,
  database: 'PostgreSQL',
  worker: 'polling task queue q',
  unipile: { kind: 'unipile', url: 'https://api8.unipile.com:13424' },
  unipileProbe: { ok: true },
  webhooks: undefined,
};

void describe('start-up banner', () => {
  void it('with a real Unipile: says when it is unreachable or refuses the token, and how the webhooks went', () => {
    const b = formatBanner({
      ...base,
      unipileProbe: { ok: false, detail: 'Unipile at https://api8.unipile.com:13424 refused the access token (401 missing_credentials): check UNIPILE_ACCESS_TOKEN' },
      webhooks: { error: '401 missing_credentials' },
    });
    assert.match(b, /^ {4}PROBLEM +Unipile at https:\/\/api8\.unipile\.com:13424 refused the access token/m);
    assert.match(b, /^ {2}Webhooks +NOT registered: 401 missing_credentials$/m);
    assert.doesNotMatch(b, /API key|Sandbox/);
    const ok = formatBanner({ ...base, webhooks: { url: 'https://app.example.com/api/webhooks/unipile', created: 0, existing: 3 } });
    assert.match(ok, /Webhooks +https:\/\/app\.example\.com\/api\/webhooks\/unipile {3}\(0 registered now, 3 already there\)/);
    assert.doesNotMatch(ok, /PROBLEM/);
  });
  void it('has a line for the dashboard once it exists', () => {
    assert.doesNotMatch(formatBanner(base), /Dashboard/);
    assert.match(formatBanner({ ...base, dashboardUrl: 'http://127.0.0.1:41234/app' }), /^ {2}Dashboard +http:\/\/127\.0\.0\.1:41234\/app$/m);
  });
});
