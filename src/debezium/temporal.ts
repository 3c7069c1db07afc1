import * as E from 'fp-ts/lib/Either.js';

/**
 * Debezium's temporal encodings → PostgreSQL's own text output (DateStyle ISO): dates
 * 'YYYY-MM-DD', timestamps 'YYYY-MM-DD HH:MM:SS[.ffffff]', times 'HH:MM:SS[.ffffff]', with the
 * fraction printed as PostgreSQL prints it (trailing zeros dropped, none when zero) and ' BC' after
 * years before 1. Calendar arithmetic is proleptic Gregorian on integers, like both Java's
 * LocalDate (which Debezium uses) and PostgreSQL, so dates before 1582, before 1970 or after 9999
 * come out exact. JS Date is never used: it cannot hold microseconds and stops at year 275760.
 */

/** Units of an epoch or time-of-day count. */
export type TimeUnit = 'ms' | 'us' | 'ns';

const PER_SECOND: Readonly<Record<TimeUnit, bigint>> = { ms: 1_000n, us: 1_000_000n, ns: 1_000_000_000n };
const FRACTION_DIGITS: Readonly<Record<TimeUnit, number>> = { ms: 3, us: 6, ns: 9 };
const SECONDS_PER_DAY = 86_400n;
/** Days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar. */
const EPOCH_SHIFT_DAYS = 719_468;
const DAYS_PER_ERA = 146_097; // 400 Gregorian years
/** The last year java.time prints without a sign, and PostgreSQL reads as ISO-8601. */
const MAX_PLAIN_ISO_YEAR = 9999;

interface CivilDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** Epoch day → civil date (Howard Hinnant's `civil_from_days`, exact for any safe integer). */
export function civilFromDays(days: number): CivilDate {
  const z = days + EPOCH_SHIFT_DAYS;
  const era = Math.floor(z / DAYS_PER_ERA);
  const doe = z - era * DAYS_PER_ERA;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Civil date → epoch day (Hinnant's `days_from_civil`); year 0 is 1 BC. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * DAYS_PER_ERA + doe - EPOCH_SHIFT_DAYS;
}

const pad = (n: number | bigint, width: number): string => String(n).padStart(width, '0');

/** 'YYYY-MM-DD' and whether it needs the ' BC' suffix (PostgreSQL has no year 0: 0 is 1 BC). */
function ymd({ year, month, day }: CivilDate): { readonly text: string; readonly bc: boolean } {
  const bc = year <= 0;
  return { text: `${pad(bc ? 1 - year : year, 4)}-${pad(month, 2)}-${pad(day, 2)}`, bc };
}

/**
 * PostgreSQL's `date 'infinity'` / `'-infinity'` as the PostgreSQL connector sends them, which
 * depends on the path: streaming (pgoutput) overflows int32 when it moves PostgreSQL's sentinel
 * (INT32_MAX / INT32_MIN days since 2000-01-01) to 1970 (the epoch days of its LocalDate constants
 * -5877611-06-21 and -06-22); snapshots (JDBC) go through pgjdbc's millisecond sentinels. All four
 * lie millions of years before PostgreSQL's first date (4713 BC): no real date is mistaken for one.
 */
const DATE_INFINITY: ReadonlyMap<number, string> = new Map([
  [daysFromCivil(-5_877_611, 6, 21), 'infinity'], // -2147472692
  [daysFromCivil(-5_877_611, 6, 22), '-infinity'], // -2147472691
  [-622_191_234, 'infinity'],
  [-625_821_272, '-infinity'],
]);

/** io.debezium.time.Date / org.apache.kafka.connect.data.Date: days since 1970-01-01. */
export function dateText(days: number): string {
  const infinity = DATE_INFINITY.get(days);
  if (infinity !== undefined) return infinity;
  const { text, bc } = ymd(civilFromDays(days));
  return bc ? `${text} BC` : text;
}

/** 'HH:MM:SS' plus the fraction PostgreSQL would print, from a count of `unit` within one day (or more). */
function clockText(count: bigint, unit: TimeUnit): string {
  const perSecond = PER_SECOND[unit];
  const seconds = count / perSecond;
  const fraction = count % perSecond;
  const hh = seconds / 3600n;
  const mm = (seconds / 60n) % 60n;
  const ss = seconds % 60n;
  const frac = fraction === 0n ? '' : `.${pad(fraction, FRACTION_DIGITS[unit]).replace(/0+$/, '')}`;
  return `${pad(hh, 2)}:${pad(mm, 2)}:${pad(ss, 2)}${frac}`;
}

/**
 * Time of day since midnight. 24:00:00 is a valid PostgreSQL time and Debezium sends it as a full
 * day; anything outside [0, 24h] cannot be a time and is refused.
 */
export function timeText(count: bigint, unit: TimeUnit): E.Either<string, string> {
  const day = SECONDS_PER_DAY * PER_SECOND[unit];
  if (count < 0n || count > day) return E.left(`time of day out of range: ${count} ${unit}`);
  return E.right(clockText(count, unit));
}

const LONG_MAX = 9_223_372_036_854_775_807n;
const LONG_MIN = -9_223_372_036_854_775_808n;

/**
 * `timestamp 'infinity'` / `'-infinity'`: the PostgreSQL connector sends pgjdbc's
 * DATE_POSITIVE_INFINITY / DATE_NEGATIVE_INFINITY read as microseconds (÷1000 in milliseconds), and
 * Long.MAX_VALUE / Long.MIN_VALUE on its epoch-nanos path (PostgresValueConverter). The extremes are
 * taken as infinity in every unit: the only real timestamp they could be is in year 294247.
 */
const TIMESTAMP_INFINITY: Readonly<Record<TimeUnit, ReadonlyMap<bigint, string>>> = {
  ms: new Map([
    [9_223_372_036_825_200n, 'infinity'],
    [-9_223_372_036_832_400n, '-infinity'],
    [LONG_MAX, 'infinity'],
    [LONG_MIN, '-infinity'],
  ]),
  us: new Map([
    [9_223_372_036_825_200_000n, 'infinity'],
    [-9_223_372_036_832_400_000n, '-infinity'],
    [LONG_MAX, 'infinity'],
    [LONG_MIN, '-infinity'],
  ]),
  ns: new Map([
    [LONG_MAX, 'infinity'],
    [LONG_MIN, '-infinity'],
  ]),
};

/** A timestamp without time zone, counted in `unit` since 1970-01-01 00:00:00. */
export function timestampText(count: bigint, unit: TimeUnit): string {
  const infinity = TIMESTAMP_INFINITY[unit].get(count);
  if (infinity !== undefined) return infinity;
  const perDay = SECONDS_PER_DAY * PER_SECOND[unit];
  let days = count / perDay;
  let rest = count % perDay;
  if (rest < 0n) {
    rest += perDay;
    days -= 1n;
  }
  const { text, bc } = ymd(civilFromDays(Number(days)));
  return `${text} ${clockText(rest, unit)}${bc ? ' BC' : ''}`;
}

/**
 * io.debezium.time.MicroDuration (µs) → interval text 'H:MM:SS[.ffffff]', hours unbounded.
 * Debezium already folded months into days at 30.4375 days each, so months and days cannot be
 * recovered: the value is right as a length of time, not as calendar units. An int64 (Debezium 2+)
 * is taken as a bigint, digit for digit; a float64 (Debezium 1.x) is rounded to the microsecond.
 */
export function intervalText(micros: number | bigint): E.Either<string, string> {
  if (typeof micros === 'number' && !Number.isFinite(micros))
    return E.left(`interval is not a finite number: ${micros}`);
  const total = typeof micros === 'bigint' ? micros : BigInt(Math.round(micros));
  const negative = total < 0n;
  return E.right(`${negative ? '-' : ''}${clockText(negative ? -total : total, 'us')}`);
}

/**
 * io.debezium.time.ZonedTimestamp as java.time prints it (ISO-8601, proleptic Gregorian, year 0
 * being 1 BC): a sign before years outside 0000-9999 ('+10000-01-01T00:00:00Z',
 * '-0043-03-15T12:00:00Z'). PostgreSQL reads neither a signed year nor year 0 ("time zone
 * displacement out of range"), so those become PostgreSQL's own form, 'YYYY-MM-DD HH:MM:SS[.f]+00'
 * with ' BC' for years up to 0. Years 0001-9999 stay as they are (PostgreSQL reads ISO-8601), and
 * so do 'infinity', '-infinity' and anything that is not such a timestamp.
 */
const ISO_ZONED_TIMESTAMP =
  /^([+-]?)(\d{4,})-(\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}(?::\d{2}){0,2})$/;

/**
 * `-infinity` inside a timestamptz array: Debezium sends a scalar `-infinity` as that word, but an
 * array element as pgjdbc's negative-infinity instant printed without its era, year 292269055 (of
 * the era before Christ). PostgreSQL's timestamptz ends in year 294276, so no value can be this.
 */
const NEGATIVE_INFINITY_ELEMENT_YEAR = 292_269_055;

export function zonedTimestampText(iso: string): string {
  const match = ISO_ZONED_TIMESTAMP.exec(iso);
  if (match === null) return iso;
  const [, sign = '', yearDigits = '', monthDay = '', clock = '', zone = ''] = match;
  const year = Number(`${sign}${yearDigits}`);
  if (year === NEGATIVE_INFINITY_ELEMENT_YEAR) return '-infinity';
  if (sign === '' && year >= 1 && year <= MAX_PLAIN_ISO_YEAR) return iso;
  const bc = year <= 0;
  return `${pad(bc ? 1 - year : year, 4)}-${monthDay} ${clock}${zone === 'Z' ? '+00' : zone}${bc ? ' BC' : ''}`;
}
