import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { configuredLimits, daysBetween, DEFAULT_LIMITS, effectiveLimit, rampedLimit, spacingChain, warmupFactor, WRITE_KINDS } from '../../src/quota/limits';

describe('limits', () => {
  it('defaults follow LinkedIn guidance, conservative end', () => {
    assert.deepEqual(DEFAULT_LIMITS, {
      invitation: { daily: 80, weekly: 200 },
      profile_visit: { daily: 90, weekly: null },
      message: { daily: 100, weekly: null },
      inmail: { daily: 40, weekly: null },
      comment: { daily: 50, weekly: null },
      reaction: { daily: 100, weekly: null },
      withdrawal: { daily: 50, weekly: null },
    });
  });

  it('overrides replace only what they name; weekly null removes a cap, a number adds one', () => {
    const l = configuredLimits({ invitation: { daily: 20 }, message: { weekly: 300 }, withdrawal: { daily: 0 } });
    assert.deepEqual(l.invitation, { daily: 20, weekly: 200 });
    assert.deepEqual(l.message, { daily: 100, weekly: 300 });
    assert.deepEqual(l.withdrawal, { daily: 0, weekly: null });
    assert.deepEqual(configuredLimits({ invitation: { weekly: null } }).invitation, { daily: 80, weekly: null });
    assert.deepEqual(configuredLimits(null).inmail, DEFAULT_LIMITS.inmail);
  });

  it('warm-up ramps linearly from startPercent to 100% over N days', () => {
    const w = { days: 14, startPercent: 20 };
    assert.equal(warmupFactor(w, 0), 0.2);
    assert.equal(warmupFactor(w, 7), 0.6);
    assert.equal(warmupFactor(w, 14), 1);
    assert.equal(warmupFactor(w, 400), 1);
    assert.equal(warmupFactor(w, -3), 0.2, 'a start in the future counts as day 0');
    assert.equal(warmupFactor({ days: 0, startPercent: 20 }, 0), 1, 'no ramp');
  });

  it('effective limit = floor(limit × ramp), at least 1, and 0 stays 0', () => {
    assert.equal(rampedLimit(80, 0.2), 16);
    assert.equal(rampedLimit(3, 0.2), 1);
    assert.equal(rampedLimit(0, 0.5), 0);
    assert.equal(rampedLimit(100, 0.29), 29, 'no floating-point loss (100 × 0.29 = 28.999…)');
    assert.deepEqual(effectiveLimit({ daily: 80, weekly: 200 }, 0.2 + (0.8 * 2) / 14), { daily: 25, weekly: 62 });
  });

  it('counts days between local dates', () => {
    assert.equal(daysBetween('2026-03-27', '2026-03-30'), 3);
    assert.equal(daysBetween('2026-12-31', '2027-01-01'), 1);
  });

  it('writes share one spacing chain; visits have their own', () => {
    assert.deepEqual(spacingChain('invitation'), WRITE_KINDS);
    assert.ok(!WRITE_KINDS.includes('profile_visit'));
    assert.deepEqual(spacingChain('profile_visit'), ['profile_visit']);
  });
});
