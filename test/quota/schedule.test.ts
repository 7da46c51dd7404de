import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildWindowSpec,
  currentWindow,
  firstOpenAtOrAfter,
  isoWeek,
  isoWeekDays,
  isWithinWindow,
  localDay,
  nextWindowStart,
  parseCampaignSchedule,
  parseTimeOfDay,
  startOfNextIsoWeek,
  startOfNextLocalDay,
} from '../../src/quota/schedule';
import { local } from './support';

const weekdays = { days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' };
const HOUR = 3_600_000;

describe('working-hours windows', () => {
  const paris = buildWindowSpec({ timezone: 'Europe/Paris', workingHours: weekdays });

  it('is open from 09:00 (inclusive) to 18:00 (exclusive) local, on working days only', () => {
    assert.equal(isWithinWindow(paris, local('Europe/Paris', '2026-11-23T08:59')), false);
    assert.equal(isWithinWindow(paris, local('Europe/Paris', '2026-11-23T09:00')), true);
    assert.equal(isWithinWindow(paris, local('Europe/Paris', '2026-11-23T17:59:59')), true);
    assert.equal(isWithinWindow(paris, local('Europe/Paris', '2026-11-23T18:00')), false);
    assert.equal(isWithinWindow(paris, local('Europe/Paris', '2026-11-28T11:00')), false, 'Saturday');
  });

  it('next window after a weekend that crosses the spring DST change (Europe/Paris, 29 March 2026)', () => {
    const next = nextWindowStart(paris, local('Europe/Paris', '2026-03-28T12:00'));
    // Monday 09:00 CEST is 07:00Z; a naive "+ 48 h in UTC" from Saturday's offset would say 08:00Z.
    assert.equal(next?.toISOString(), '2026-03-30T07:00:00.000Z');
  });

  it('next window after the autumn DST change (Europe/Paris, 25 October 2026)', () => {
    assert.equal(nextWindowStart(paris, local('Europe/Paris', '2026-10-23T19:00'))?.toISOString(), '2026-10-26T08:00:00.000Z');
  });

  it('America/New_York: both transitions of 2026', () => {
    const ny = buildWindowSpec({ timezone: 'America/New_York', workingHours: weekdays });
    assert.equal(nextWindowStart(ny, local('America/New_York', '2026-03-06T18:30'))?.toISOString(), '2026-03-09T13:00:00.000Z');
    assert.equal(nextWindowStart(ny, local('America/New_York', '2026-10-30T19:00'))?.toISOString(), '2026-11-02T14:00:00.000Z');
    // Inside a window, the next start is the following working day's.
    assert.equal(nextWindowStart(ny, local('America/New_York', '2026-11-02T10:00'))?.toISOString(), '2026-11-03T14:00:00.000Z');
  });

  it('a window spanning the DST change is an hour shorter in spring and an hour longer in autumn', () => {
    const night = buildWindowSpec({ timezone: 'Europe/Paris', workingHours: { days: [7], start: '01:00', end: '05:00' } });
    const spring = currentWindow(night, local('Europe/Paris', '2026-03-29T01:30'))!;
    assert.equal(spring.end.getTime() - spring.start.getTime(), 3 * HOUR);
    const autumn = currentWindow(night, local('Europe/Paris', '2026-10-25T01:30'))!;
    assert.equal(autumn.end.getTime() - autumn.start.getTime(), 5 * HOUR);
  });

  it('a campaign schedule narrows the working hours and days', () => {
    const spec = buildWindowSpec({ timezone: 'Europe/Paris', workingHours: weekdays, campaignSchedule: { startTime: '10:00', endTime: '12:00', days: ['mon', 'wed'] } });
    assert.equal(isWithinWindow(spec, local('Europe/Paris', '2026-11-23T11:00')), true, 'Monday 11:00');
    assert.equal(isWithinWindow(spec, local('Europe/Paris', '2026-11-23T09:30')), false, 'Monday 09:30');
    assert.equal(isWithinWindow(spec, local('Europe/Paris', '2026-11-24T11:00')), false, 'Tuesday');
    assert.equal(nextWindowStart(spec, local('Europe/Paris', '2026-11-23T12:30'))?.getTime(), local('Europe/Paris', '2026-11-25T10:00').getTime());
  });

  it('a campaign schedule in another time zone intersects in absolute time', () => {
    const spec = buildWindowSpec({ timezone: 'Europe/Paris', workingHours: weekdays, campaignSchedule: { startTime: '09:00', endTime: '17:00', timezone: 'America/New_York' } });
    const w = currentWindow(spec, local('Europe/Paris', '2026-11-23T16:00'))!;
    assert.equal(w.start.getTime(), local('Europe/Paris', '2026-11-23T15:00').getTime(), 'New York 09:00');
    assert.equal(w.end.getTime(), local('Europe/Paris', '2026-11-23T18:00').getTime(), 'Paris 18:00');
  });

  it('a campaign window that wraps past midnight', () => {
    const spec = buildWindowSpec({ timezone: 'UTC', workingHours: { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' }, campaignSchedule: { startTime: '22:00', endTime: '02:00' } });
    assert.equal(isWithinWindow(spec, new Date('2026-11-24T01:00Z')), true);
    assert.equal(isWithinWindow(spec, new Date('2026-11-24T23:00Z')), true);
    assert.equal(isWithinWindow(spec, new Date('2026-11-24T03:00Z')), false);
  });

  it('firstOpenAtOrAfter returns the instant itself inside a window', () => {
    const t = local('Europe/Paris', '2026-11-24T10:00');
    assert.equal(firstOpenAtOrAfter(paris, t), t);
    assert.equal(firstOpenAtOrAfter(paris, local('Europe/Paris', '2026-11-24T19:00'))?.getTime(), local('Europe/Paris', '2026-11-25T09:00').getTime());
  });

  it('no window at all when a campaign only runs on days the account does not work', () => {
    const spec = buildWindowSpec({ timezone: 'UTC', workingHours: weekdays, campaignSchedule: { days: ['sat', 'sun'] } });
    assert.equal(nextWindowStart(spec, new Date('2026-11-23T10:00Z')), null);
  });

  it('refuses invalid working hours and zones', () => {
    assert.throws(() => buildWindowSpec({ timezone: 'Mars/Olympus', workingHours: weekdays }), RangeError);
    assert.throws(() => buildWindowSpec({ timezone: 'UTC', workingHours: { days: [1], start: '18:00', end: '09:00' } }), RangeError);
  });
});

describe('campaign schedule parsing is tolerant', () => {
  it('reads day names, ISO numbers and JS Sunday-0', () => {
    assert.deepEqual([...parseCampaignSchedule({ days: ['Monday', 'TUE', 'wed'] })!.days!], [1, 2, 3]);
    assert.deepEqual([...parseCampaignSchedule({ days: [1, 7] })!.days!], [1, 7]);
    assert.deepEqual([...parseCampaignSchedule({ days: [0, '5'] })!.days!], [7, 5]);
    assert.deepEqual([...parseCampaignSchedule({ days: ['mon', 'funday'] })!.days!], [1]);
  });

  it('accepts other key spellings, a JSON string, and ignores what it cannot use', () => {
    const p = parseCampaignSchedule('{"start":"8:30","end_time":"17:00:00","timeZone":"Europe/Paris"}')!;
    assert.deepEqual(p, { zone: 'Europe/Paris', days: null, startMin: 510, endMin: 1020 });
    assert.equal(parseCampaignSchedule(null), null);
    assert.equal(parseCampaignSchedule({}), null);
    assert.equal(parseCampaignSchedule('not json'), null);
    assert.equal(parseCampaignSchedule({ startTime: '10:00', timezone: 'Nowhere/City' })!.zone, null);
  });

  it('parses times of day strictly', () => {
    assert.equal(parseTimeOfDay('09:00'), 540);
    assert.equal(parseTimeOfDay('24:00'), 1440);
    assert.equal(parseTimeOfDay('24:30'), null);
    assert.equal(parseTimeOfDay('9am'), null);
    assert.equal(parseTimeOfDay('12:60'), null);
  });
});

describe('local calendar for counting', () => {
  it('local day and ISO week follow the account zone', () => {
    const t = new Date('2026-11-29T23:30:00Z'); // Sunday in UTC, Monday in Paris
    assert.equal(localDay('UTC', t), '2026-11-29');
    assert.equal(isoWeek('UTC', t), '2026-W48');
    assert.equal(localDay('Europe/Paris', t), '2026-11-30');
    assert.equal(isoWeek('Europe/Paris', t), '2026-W49');
    assert.deepEqual(isoWeekDays('Europe/Paris', t), { first: '2026-11-30', last: '2026-12-06' });
  });

  it('ISO week-numbering year at the turn of the year', () => {
    assert.equal(isoWeek('UTC', new Date('2027-01-01T12:00Z')), '2026-W53');
    assert.equal(isoWeek('UTC', new Date('2027-01-04T12:00Z')), '2027-W01');
  });

  it('next local day and next ISO week start at local midnight, DST included', () => {
    assert.equal(startOfNextLocalDay('Europe/Paris', local('Europe/Paris', '2026-03-28T15:00')).toISOString(), '2026-03-28T23:00:00.000Z');
    assert.equal(startOfNextLocalDay('Europe/Paris', local('Europe/Paris', '2026-03-29T15:00')).toISOString(), '2026-03-29T22:00:00.000Z');
    assert.equal(startOfNextIsoWeek('America/New_York', local('America/New_York', '2026-11-01T12:00')).toISOString(), '2026-11-02T05:00:00.000Z');
  });
});
