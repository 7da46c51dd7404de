import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { startTestApi, type TestApi } from './support';

/**
 * Issue 8 item 15: a 100,000-row CSV import never blocks the event loop for long (it blocked /health for
 * 1.67 s): parsing, validation and inserts go in chunks that yield. The target is 100 ms; the
 * bound asserted here leaves room for a loaded 2-core machine (GC pauses of a 10 MB upload included) but
 * fails clearly on one synchronous pass over the file.
 */
const MAX_BLOCK_MS = Number(process.env.IMPORT_MAX_BLOCK_MS ?? 250);
const ROWS = 100_000;

void describe('100,000-row CSV import', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
  });
  after(async () => {
    await api.close();
  });

  void it(`keeps the event loop answering (longest block under ${MAX_BLOCK_MS} ms) and imports every row`, async () => {
    const list = (await api.call({ method: 'POST', url: '/api/lead-lists', payload: { name: 'Big' } })).json<{ id: string }>();
    const lines = ['full_name,first_name,last_name,email,company,title,linkedin_url'];
    for (let i = 0; i < ROWS; i += 1)
      lines.push(`Person ${i},Person,${i},p${i}@example.com,"Company ${i % 977}, Inc.",Head of Sales,https://www.linkedin.com/in/person-${i}`);
    const csv = lines.join('\n');

    // A /health probe every 20 ms while importing (the longest gap between two answers is what a load
    // balancer would see), and the loop's own delay histogram.
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    let probes = 0;
    let slowestProbe = 0;
    let importing = true;
    const probing = (async () => {
      let last = performance.now();
      while (importing) {
        await new Promise((r) => setTimeout(r, 20));
        const res = await api.app.inject({ method: 'GET', url: '/health' });
        assert.equal(res.statusCode, 200);
        const now = performance.now();
        slowestProbe = Math.max(slowestProbe, now - last - 20);
        last = now;
        probes += 1;
      }
    })();
    histogram.enable();
    const started = performance.now();
    const res = await api.call({
      method: 'POST',
      url: `/api/lead-lists/${list.id}/leads`,
      headers: { 'content-type': 'text/csv' },
      payload: csv,
    });
    const took = performance.now() - started;
    histogram.disable();
    importing = false;
    await probing;

    assert.equal(res.statusCode, 200, res.body.slice(0, 500));
    assert.equal(res.json<{ imported: number }>().imported, ROWS);
    const maxBlockMs = histogram.max / 1e6;
    console.log(
      `100,000-row import: ${took.toFixed(0)} ms; longest event-loop block ${maxBlockMs.toFixed(1)} ms ` +
        `(p99 ${(histogram.percentile(99) / 1e6).toFixed(1)} ms); ${probes} /health probes, longest wait for an answer ${slowestProbe.toFixed(0)} ms`,
    );
    assert.ok(maxBlockMs < MAX_BLOCK_MS, `the event loop was blocked for ${maxBlockMs.toFixed(0)} ms`);
    assert.ok(slowestProbe < MAX_BLOCK_MS + 50, `a /health probe waited ${slowestProbe.toFixed(0)} ms`);
  });
});
