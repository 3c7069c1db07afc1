import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import {
  civilFromDays,
  dateText,
  daysFromCivil,
  intervalText,
  timestampText,
  timeText,
  zonedTimestampText,
} from '../../src/debezium/temporal.js';

describe('dateText (days since 1970-01-01)', () => {
  it.each([
    [0, '1970-01-01'],
    [-1, '1969-12-31'],
    [-165, '1969-07-20'],
    [-25509, '1900-02-28'],
    [-141438, '1582-10-04'], // proleptic Gregorian, like PostgreSQL and java.time
    [-719162, '0001-01-01'],
    [-719163, '0001-12-31 BC'], // no year 0: the day before 1 AD is in 1 BC
    [-719528, '0001-01-01 BC'],
    [-2440588 + 0, '4714-11-24 BC'], // Julian day 0, PostgreSQL's first date
    [65924, '2150-06-30'],
    [2932896, '9999-12-31'],
    [2932897, '10000-01-01'],
    [-2147472692, 'infinity'],
    [-2147472691, '-infinity'],
    [-622191234, 'infinity'],
    [-625821272, '-infinity'],
  ])('%i is %s', (days, text) => {
    expect(dateText(days)).toBe(text);
  });

  it('civilFromDays and daysFromCivil are inverse', () => {
    for (const days of [-3_000_000, -719_529, -1, 0, 59, 60, 11_016, 2_932_897]) {
      const { year, month, day } = civilFromDays(days);
      expect(daysFromCivil(year, month, day)).toBe(days);
    }
  });
});

describe('timestampText', () => {
  it.each([
    [1718000000123456n, 'us', '2024-06-10 06:13:20.123456'],
    [-14182939999999n, 'us', '1969-07-20 20:17:40.000001'],
    [-1n, 'us', '1969-12-31 23:59:59.999999'],
    [-2208988799500000n, 'us', '1900-01-01 00:00:00.5'],
    [5711817599999999n, 'us', '2150-12-31 23:59:59.999999'],
    [0n, 'us', '1970-01-01 00:00:00'],
    [1718000000120n, 'ms', '2024-06-10 06:13:20.12'],
    [-62135596800001n, 'ms', '0001-12-31 23:59:59.999 BC'],
    [1718000000123456789n, 'ns', '2024-06-10 06:13:20.123456789'],
    [9223372036825200000n, 'us', 'infinity'],
    [-9223372036832400000n, 'us', '-infinity'],
    [9223372036825200n, 'ms', 'infinity'],
    [9223372036854775807n, 'ns', 'infinity'],
    [-9223372036854775808n, 'ns', '-infinity'],
  ] as const)('%s %s is %s', (count, unit, text) => {
    expect(timestampText(count, unit)).toBe(text);
  });
});

describe('timeText', () => {
  it.each([
    [0n, 'us', '00:00:00'],
    [45_296_789_012n, 'us', '12:34:56.789012'],
    [45_296_100n, 'ms', '12:34:56.1'],
    [86_400_000_000n, 'us', '24:00:00'],
    [1n, 'ns', '00:00:00.000000001'],
  ] as const)('%s %s is %s', (count, unit, text) => {
    expect(timeText(count, unit)).toEqual(E.right(text));
  });

  it('refuses what is not a time of day', () => {
    expect(E.isLeft(timeText(-1n, 'us'))).toBe(true);
    expect(E.isLeft(timeText(86_400_001n, 'ms'))).toBe(true);
  });
});

describe('intervalText (MicroDuration)', () => {
  it.each([
    [0, '00:00:00'],
    [3_723_000_004, '01:02:03.000004'],
    [-90_000_000, '-00:01:30'],
    [2_629_800_000_000, '730:30:00'], // '1 mon' after Debezium's 30.4375-day month
    [9.4672798e15, '2629799:56:40'],
  ])('%d µs is %s', (micros, text) => {
    expect(intervalText(micros)).toEqual(E.right(text));
  });

  it('refuses a non-finite duration', () => {
    expect(E.isLeft(intervalText(NaN))).toBe(true);
  });

  it('keeps every microsecond of an int64 count past 2^53 µs', () => {
    // '300 years 00:00:00.000001' after Debezium's 365.25-day year: 9467280000000001 µs.
    expect(intervalText(9_467_280_000_000_001n)).toEqual(E.right('2629800:00:00.000001'));
    expect(intervalText(-9_223_372_036_854_775_808n)).toEqual(E.right('-2562047788:00:54.775808'));
  });
});

describe('zonedTimestampText (ZonedTimestamp ISO-8601 → PostgreSQL input)', () => {
  it.each([
    ['2024-06-10T06:13:20.123456Z', '2024-06-10T06:13:20.123456Z'],
    ['0001-01-01T00:00:00.000000Z', '0001-01-01T00:00:00.000000Z'],
    ['9999-12-31T23:59:59.999999Z', '9999-12-31T23:59:59.999999Z'],
    ['+10000-01-01T00:00:00.000000Z', '10000-01-01 00:00:00.000000+00'],
    ['+294276-12-31T23:59:59.999999Z', '294276-12-31 23:59:59.999999+00'],
    ['0000-12-31T23:59:59.5Z', '0001-12-31 23:59:59.5+00 BC'],
    ['-0043-03-15T12:00:00.000000Z', '0044-03-15 12:00:00.000000+00 BC'],
    ['-4712-01-01T00:00:00Z', '4713-01-01 00:00:00+00 BC'],
    ['-0043-03-15T12:00:00+05:30', '0044-03-15 12:00:00+05:30 BC'],
    ['infinity', 'infinity'],
    ['-infinity', '-infinity'],
    // -infinity as an element of a timestamptz[]: pgjdbc's negative infinity printed without its era
    ['+292269055-12-02T23:00:00.000000Z', '-infinity'],
    ['not a timestamp', 'not a timestamp'],
  ])('%s → %s', (iso, text) => {
    expect(zonedTimestampText(iso)).toBe(text);
  });
});
