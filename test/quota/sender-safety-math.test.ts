// The pure arithmetic of the sender-safety rules: pace, even spreading, rolling windows, slowdowns.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  accountTypeFromPremiumFeatures,
  configuredLimits,
  dailyPace,
  DEFAULT_SAFETY,
  healthVerdict,
  noteBudget,
  pacedSlot,
  rollingRetryAt,
  slowedPace,
  usageFactor,
} from '../../src/quota/limits';
import { parseLeadActionKey, leadActionKey } from '../../src/quota/action-key';
import { rateLimitSignal, retryAfterHeaderMs } from '../../src/linkedin/unipile.client';

const at = (iso: string) => new Date(iso);

describe('sender-safety arithmetic', () => {
  it('the daily pace is the weekly budget over the working days, the daily limit a ceiling', () => {
    assert.equal(dailyPace({ daily: 80, weekly: 200 }, 5), 40);
    assert.equal(dailyPace({ daily: 80, weekly: 150 }, 5), 30, 'free account');
    assert.equal(dailyPace({ daily: 80, weekly: 200 }, 7), 29);
    assert.equal(dailyPace({ daily: 20, weekly: 200 }, 5), 20, 'the daily limit caps it');
    assert.equal(dailyPace({ daily: 5, weekly: 12 }, 5), 3, 'rounded up: the weekly cap still holds the total');
    assert.equal(dailyPace({ daily: 90, weekly: null }, 5), 90, 'no weekly cap: the daily limit');
    assert.equal(dailyPace({ daily: 80, weekly: 0 }, 5), 0, 'a kind switched off stays off');
    assert.equal(dailyPace({ daily: 80, weekly: 200 }, 0), 80, 'no working day: never divides by zero');
  });

  it('a slowed pace is floored but never 0 unless the pace is', () => {
    assert.equal(slowedPace(40, 0.5), 20);
    assert.equal(slowedPace(3, 0.5), 1);
    assert.equal(slowedPace(1, 0.2), 1);
    assert.equal(slowedPace(0, 0.5), 0);
    assert.equal(slowedPace(40, 1), 40);
  });

  it('paced slots spread what is left of the day over what is left of the window', () => {
    const end = at('2026-11-23T18:00:00Z');
    // The first of the day: now.
    assert.equal(pacedSlot({ now: at('2026-11-23T09:00:00Z'), windowEnd: end, lastToday: null, remaining: 40 }).toISOString(), '2026-11-23T09:00:00.000Z');
    // 39 left after 09:00: 9 h / 40 = 13.5 min apart.
    assert.equal(pacedSlot({ now: at('2026-11-23T09:00:00Z'), windowEnd: end, lastToday: at('2026-11-23T09:00:00Z'), remaining: 39 }).toISOString(), '2026-11-23T09:13:30.000Z');
    // After a pause until 15:00 with 30 left: 3 h / 31 apart from now, not all at once.
    const p = pacedSlot({ now: at('2026-11-23T15:00:00Z'), windowEnd: end, lastToday: at('2026-11-23T10:00:00Z'), remaining: 30 });
    assert.equal(p.toISOString(), '2026-11-23T15:00:00.000Z', 'the last slot is long past: now');
    const q = pacedSlot({ now: at('2026-11-23T15:00:00Z'), windowEnd: end, lastToday: at('2026-11-23T15:00:00Z'), remaining: 29 });
    assert.equal(q.getTime() - at('2026-11-23T15:00:00Z').getTime(), (3 * 3_600_000) / 30);
    // The last one of the day still lands before the window closes.
    assert.ok(pacedSlot({ now: at('2026-11-23T17:00:00Z'), windowEnd: end, lastToday: at('2026-11-23T17:00:00Z'), remaining: 1 }) < end);
  });

  it('a rolling window frees a place when its oldest slot ages out', () => {
    const times = ['2026-11-23T10:00:00Z', '2026-11-24T10:00:00Z', '2026-11-25T10:00:00Z'].map(at);
    const week = 7 * 86_400_000;
    assert.equal(rollingRetryAt(times, 3, week)?.toISOString(), '2026-11-30T10:00:00.000Z');
    assert.equal(rollingRetryAt(times, 2, week)?.toISOString(), '2026-12-01T10:00:00.000Z', 'two must age out for one more under a cap of 2');
    assert.equal(rollingRetryAt(times, 4, week), null, 'room already');
  });

  it('account types from premiumFeatures; free accounts get 150 a week and the note budget', () => {
    assert.equal(accountTypeFromPremiumFeatures([]), 'free');
    assert.equal(accountTypeFromPremiumFeatures(undefined), 'free');
    assert.equal(accountTypeFromPremiumFeatures(['premium']), 'premium');
    assert.equal(accountTypeFromPremiumFeatures(['premium', 'sales_navigator']), 'sales_navigator');
    assert.equal(accountTypeFromPremiumFeatures(['recruiter', 'premium']), 'recruiter');
    assert.deepEqual(configuredLimits({}, 'free').invitation, { daily: 80, weekly: 150 });
    assert.deepEqual(configuredLimits({}, 'premium').invitation, { daily: 80, weekly: 200 });
    assert.deepEqual(configuredLimits({ invitation: { weekly: 100 } }, 'free').invitation, { daily: 80, weekly: 100 }, 'overrides win');
    assert.equal(noteBudget(DEFAULT_SAFETY, 'free'), 5);
    assert.equal(noteBudget(DEFAULT_SAFETY, 'premium'), null);
    assert.equal(noteBudget({ ...DEFAULT_SAFETY, paidNotesPerMonth: 50 }, 'sales_navigator'), 50);
  });

  it("Unipile's usage thresholds and the health verdict slow the pace", () => {
    assert.deepEqual([null, 10, 50, 75, 90, 95, 100].map(usageFactor), [1, 1, 0.8, 0.6, 0.4, 0.2, 0.2]);
    assert.deepEqual(healthVerdict({ sample: 19, accepted: 0, refusals: 0 }, DEFAULT_SAFETY), { factor: 1, reasons: [] }, 'too few judged yet');
    const low = healthVerdict({ sample: 100, accepted: 14, refusals: 0 }, DEFAULT_SAFETY);
    assert.equal(low.factor, 0.5);
    assert.match(low.reasons[0]!, /acceptance 14% of the last 100 invitations is under 15%/);
    assert.equal(healthVerdict({ sample: 100, accepted: 15, refusals: 0 }, DEFAULT_SAFETY).factor, 1);
    const refused = healthVerdict({ sample: 0, accepted: 0, refusals: 3 }, DEFAULT_SAFETY);
    assert.equal(refused.factor, 0.5);
    assert.match(refused.reasons[0]!, /3 provider refusals in 7 days/);
  });

  it('reservation keys of lead steps round-trip; other keys are not a lead step', () => {
    const c = '0b7f6c9e-8a4d-4f7e-9c41-1f2a3b4c5d6e';
    const l = '1c8a7d0f-9b5e-4a8f-8d52-2a3b4c5d6e7f';
    assert.deepEqual(parseLeadActionKey(leadActionKey(c, l, 'invite-2')), { campaignId: c, leadId: l, stepId: 'invite-2' });
    assert.equal(parseLeadActionKey('acct:lead-1'), null);
  });

  it("rate-limit headers: Unipile's remaining, reset and retry-after", () => {
    const now = at('2026-11-23T10:00:00Z');
    const s = rateLimitSignal(new Headers({ 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': '30' }), now);
    assert.deepEqual(s, { limit: 100, remaining: 3, resetAt: at('2026-11-23T10:00:30Z'), retryAfterMs: null });
    assert.equal(rateLimitSignal(new Headers({ 'x-ratelimit-reset': String(Date.parse('2026-11-23T11:00:00Z') / 1000) }), now)?.resetAt?.toISOString(), '2026-11-23T11:00:00.000Z', 'epoch seconds');
    assert.equal(rateLimitSignal(new Headers({}), now), null);
    assert.equal(retryAfterHeaderMs('120', now), 120_000);
    assert.equal(retryAfterHeaderMs('Mon, 23 Nov 2026 10:05:00 GMT', now), 300_000);
    assert.equal(retryAfterHeaderMs('soon', now), null);
  });
});
