// Tests run on Node, not in the workflow sandbox: the domain's ban on Node built-ins does not apply here.
// node:test's describe/it return promises its runner tracks itself: nothing to await.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseEdgeDelay } from './delay';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

function ms(data: unknown): number {
  const r = parseEdgeDelay(data);
  assert.ok(r.ok, `expected a delay, got ${JSON.stringify(r)}`);
  return r.ms;
}
function problemOf(data: unknown) {
  const r = parseEdgeDelay(data, 'edges[3].data');
  assert.ok(!r.ok, `expected a problem for ${JSON.stringify(data)}`);
  return r.problem;
}

describe('parseEdgeDelay', () => {
  it('reads every compact unit', () => {
    assert.equal(ms({ delay: '30s' }), 30_000);
    assert.equal(ms({ delay: '15m' }), 15 * MIN);
    assert.equal(ms({ delay: '1h' }), HOUR);
    assert.equal(ms({ delay: '2d' }), 2 * DAY);
    assert.equal(ms({ delay: '1w' }), 7 * DAY);
    assert.equal(ms({ delay: ' 3 h ' }), 3 * HOUR);
  });

  it('reads delayData with a number (older saves) or a numeric string (newer)', () => {
    assert.equal(ms({ delayData: { delay: 14, unit: 'd' } }), 14 * DAY);
    assert.equal(ms({ delayData: { delay: '14', unit: 'd' } }), 14 * DAY);
    assert.equal(ms({ delayData: { delay: '1.5', unit: 'h' } }), 90 * MIN);
    assert.equal(ms({ delayData: { delay: 0, unit: 's' } }), 0);
  });

  it('means no wait when there is no delay at all', () => {
    assert.equal(ms(undefined), 0);
    assert.equal(ms(null), 0);
    assert.equal(ms({}), 0);
    assert.equal(ms({ delay: '' }), 0);
    assert.equal(ms({ delay: null, delayData: null }), 0);
  });

  it('lets delayData win when the compact string disagrees, and says so', () => {
    const r = parseEdgeDelay({ delay: '1d', delayData: { delay: '3', unit: 'h' } }, 'edges[0].data');
    assert.ok(r.ok);
    assert.equal(r.ms, 3 * HOUR);
    assert.equal(r.source, 'delayData');
    assert.equal(r.disagreement?.code, 'delay_disagreement');
    assert.equal(r.disagreement?.path, 'edges[0].data.delay');
  });

  it('does not refuse a stale compact string that delayData overrides', () => {
    const r = parseEdgeDelay({ delay: 'soon', delayData: { delay: 2, unit: 'd' } });
    assert.ok(r.ok);
    assert.equal(r.ms, 2 * DAY);
    assert.ok(r.disagreement);
  });

  it('reports no disagreement when both say the same', () => {
    const r = parseEdgeDelay({ delay: '1w', delayData: { delay: 7, unit: 'd' } });
    assert.ok(r.ok);
    assert.equal(r.disagreement, undefined);
  });

  it('refuses a bad unit, pointing at it', () => {
    const p = problemOf({ delay: '2d', delayData: { delay: 2, unit: 'x' } });
    assert.equal(p.code, 'invalid_delay');
    assert.equal(p.path, 'edges[3].data.delayData.unit');
    assert.equal(problemOf({ delay: '2y' }).path, 'edges[3].data.delay');
    assert.equal(problemOf({ delay: '2M' }).code, 'invalid_delay'); // months are not a unit: M is not m
    assert.equal(problemOf({ delayData: { delay: 2 } }).path, 'edges[3].data.delayData.unit');
  });

  it('refuses negative and non-numeric amounts', () => {
    assert.equal(problemOf({ delayData: { delay: -1, unit: 'h' } }).path, 'edges[3].data.delayData.delay');
    assert.equal(problemOf({ delayData: { delay: '-1', unit: 'h' } }).path, 'edges[3].data.delayData.delay');
    assert.equal(problemOf({ delayData: { delay: 'two', unit: 'h' } }).code, 'invalid_delay');
    assert.equal(problemOf({ delayData: { delay: '', unit: 'h' } }).code, 'invalid_delay');
    assert.equal(problemOf({ delayData: { delay: Number.NaN, unit: 'h' } }).code, 'invalid_delay');
    assert.equal(problemOf({ delay: '-2d' }).code, 'invalid_delay');
    assert.equal(problemOf({ delay: 'd2' }).code, 'invalid_delay');
    assert.equal(problemOf({ delay: 5 }).code, 'invalid_delay');
    assert.equal(problemOf({ delayData: '2d' }).path, 'edges[3].data.delayData');
    assert.equal(problemOf('2d').path, 'edges[3].data');
  });

  it('refuses a delay too large to count in milliseconds', () => {
    assert.equal(problemOf({ delayData: { delay: '99999999999999', unit: 'w' } }).code, 'invalid_delay');
  });
});

describe('formatDuration', () => {
  it('writes durations in the editor units, largest first', () => {
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(30_000), '30s');
    assert.equal(formatDuration(90_000), '1m 30s');
    assert.equal(formatDuration(HOUR), '1h');
    assert.equal(formatDuration(36 * HOUR), '1d 12h');
    assert.equal(formatDuration(14 * DAY), '2w');
    assert.equal(formatDuration(1500), '1s 500ms');
    assert.equal(formatDuration(-HOUR), '-1h');
  });

  it('round-trips what parseEdgeDelay reads', () => {
    for (const text of ['30s', '15m', '1h', '2d', '1w']) assert.equal(formatDuration(ms({ delay: text })), text);
  });

  it('refuses what is not a duration', () => {
    assert.throws(() => formatDuration(Number.POSITIVE_INFINITY), RangeError);
  });
});
