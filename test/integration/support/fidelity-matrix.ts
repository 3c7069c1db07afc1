/**
 * The type matrix: one column per PostgreSQL type the pipeline claims to carry exactly, and rows of
 * edge values for them. Values are SQL written here (literals and a few expressions), never data
 * from elsewhere. `lit` quotes a JS string as a standard-conforming SQL literal.
 */
import type pg from 'pg';
import type { Adjust, ComparedColumn, TextRow } from './fidelity-compare.js';

export const MATRIX_TABLE = 'type_matrix';
export const ENUM_TYPE = 'mood';

/** A JS string as an SQL literal (standard_conforming_strings: only the quote is special). */
export const lit = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** Column name → type (`$schema` stands for the run's schema, where the enum lives). */
const COLUMNS: readonly (readonly [string, string])[] = [
  ['c_smallint', 'smallint'],
  ['c_integer', 'integer'],
  ['c_bigint', 'bigint'],
  ['c_numeric_fixed', 'numeric(40,20)'],
  ['c_numeric', 'numeric'],
  ['c_real', 'real'],
  ['c_double', 'double precision'],
  ['c_boolean', 'boolean'],
  ['c_text', 'text'],
  ['c_varchar', 'varchar(50)'],
  ['c_char', 'char(5)'],
  ['c_uuid', 'uuid'],
  ['c_json', 'json'],
  ['c_jsonb', 'jsonb'],
  ['c_date', 'date'],
  ['c_time', 'time'],
  ['c_timetz', 'timetz'],
  ['c_timestamp', 'timestamp'],
  ['c_timestamptz', 'timestamptz'],
  ['c_interval', 'interval'],
  ['c_bytea', 'bytea'],
  ['c_int_array', 'integer[]'],
  ['c_text_array', 'text[]'],
  ['c_enum', `$schema.${ENUM_TYPE}`],
  ['c_inet', 'inet'],
  ['c_cidr', 'cidr'],
  ['c_macaddr', 'macaddr'],
  ['c_money', 'money'],
  ['c_xml', 'xml'],
  // A column with a DEFAULT: an explicit NULL must stay NULL (JsonConverter's replace.null.with.default).
  ['c_text_default', "text DEFAULT 'fallback'"],
];
export const MATRIX_COLUMNS: readonly string[] = COLUMNS.map(([name]) => name);

/** The enum, with labels that need quoting. */
export const enumSql = (schema: string): string =>
  `CREATE TYPE ${schema}.${ENUM_TYPE} AS ENUM ('sad', 'ok', 'happy', 'it''s "q"', 'with space', 'ünï 🚀')`;

/** The table in the source (REPLICA IDENTITY FULL) or the target (plus synced_at). */
export function matrixTableSql(schema: string, side: 'source' | 'target'): string[] {
  const columns = COLUMNS.map(([name, type]) => `${name} ${type.replace('$schema', schema)}`);
  const extra = side === 'target' ? [', synced_at timestamptz DEFAULT now()'] : [];
  const table = `${schema}.${MATRIX_TABLE}`;
  return [
    `CREATE TABLE ${table} (id integer PRIMARY KEY, ${columns.join(', ')}${extra.join('')})`,
    ...(side === 'source' ? [`ALTER TABLE ${table} REPLICA IDENTITY FULL`] : []),
  ];
}

/** About 2 MiB of text: md5 digests (incompressible, so it is TOASTed out of line) and some non-ASCII. */
export const bigText = (seed: string): string =>
  `(SELECT string_agg(md5(g::text || ${lit(seed)}), '') || ' Zoë 🚀 שלום' FROM generate_series(1, 65536) AS g)`;

/** Edge rows: id → column → SQL. Columns left out are NULL (explicitly, DEFAULT ones too). */
export const MATRIX_ROWS: readonly {
  readonly id: number;
  readonly values: Readonly<Record<string, string>>;
}[] = [
  { id: 1, values: {} },
  {
    id: 2, // minimums, empties, the first of everything
    values: {
      c_smallint: '-32768',
      c_integer: '-2147483648',
      c_bigint: '-9223372036854775808',
      c_numeric_fixed: lit('-99999999999999999999.99999999999999999999'),
      c_numeric: lit('-1234567890123456789012345678901234567890'),
      c_real: lit('-3.4028235e38'),
      c_double: lit('-1.7976931348623157e308'),
      c_boolean: 'false',
      c_text: lit(''),
      c_varchar: lit(''),
      c_char: lit(''),
      c_uuid: lit('00000000-0000-0000-0000-000000000000'),
      c_json: lit('""'),
      c_jsonb: lit('{}'),
      c_date: lit('0001-01-01'),
      c_time: lit('00:00:00'),
      c_timetz: lit('00:00:00+15:59'),
      c_timestamp: lit('0001-01-01 00:00:00'),
      c_timestamptz: lit('0001-01-01 00:00:00+00'),
      c_interval: lit('-178000000 years'),
      c_bytea: lit('\\x'),
      c_int_array: lit('{}'),
      c_text_array: lit('{}'),
      c_enum: lit('sad'),
      c_inet: lit('0.0.0.0'),
      c_cidr: lit('0.0.0.0/0'),
      c_macaddr: lit('00:00:00:00:00:00'),
      c_money: lit('-92233720368547758.08'),
      c_xml: lit(''),
      c_text_default: 'DEFAULT',
    },
  },
  {
    id: 3, // maximums, and arrays whose elements need quoting
    values: {
      c_smallint: '32767',
      c_integer: '2147483647',
      c_bigint: '9223372036854775807',
      c_numeric_fixed: lit('99999999999999999999.99999999999999999999'),
      c_numeric: lit('0.0000000000000000000000000000000000000001'),
      c_real: lit('3.4028235e38'),
      c_double: lit('1.7976931348623157e308'),
      c_boolean: 'true',
      c_text: lit('x'),
      c_varchar: "repeat('é', 50)",
      c_char: lit('abcde'),
      c_uuid: lit('ffffffff-ffff-ffff-ffff-ffffffffffff'),
      c_json: lit('{"a": [1, 2.50, null], "b": "\\u00e9", "c": "\\u0000", "a": "duplicate key"}'),
      c_jsonb: lit('{"z": 1, "a": [1.50, true, null], "n": {"k": "v"}}'),
      c_date: lit('9999-12-31'),
      c_time: lit('24:00:00'),
      c_timetz: lit('24:00:00-15:59'),
      c_timestamp: lit('9999-12-31 23:59:59.999999'),
      c_timestamptz: lit('9999-12-31 23:59:59.999999+00'),
      c_interval: lit('178000000 years'),
      c_bytea: lit('\\x00ff10'),
      c_int_array: lit('{2147483647,NULL,-2147483648}'),
      c_text_array: lit('{"a,b","c\\"d","e\\\\f","{g}",NULL,"NULL","",h i," lead","ü🚀","tab\there"}'),
      c_enum: lit('it\'s "q"'),
      c_inet: lit('::ffff:1.2.3.4/128'),
      c_cidr: lit('2001:db8::/32'),
      c_macaddr: lit('ff:ff:ff:ff:ff:ff'),
      c_money: lit('92233720368547758.07'),
      c_xml: lit('<a b="c">d &amp; e</a>'),
    },
  },
  {
    id: 4, // unicode, fractions, offsets other than UTC
    values: {
      c_smallint: '0',
      c_integer: '0',
      c_bigint: '0',
      c_numeric_fixed: lit('1.5'),
      c_numeric: lit('1.50'),
      c_real: lit('NaN'),
      c_double: lit('NaN'),
      c_text: lit('Zoë 🚀 e\u0301 שלום עברית \u200fRTL\u200f 👩‍👩‍👧 \u2028 \ufeff 日本語'),
      c_varchar: lit('o\'brien "q" \\ back'),
      c_char: lit('ab'),
      c_uuid: lit('123e4567-e89b-12d3-a456-426614174000'),
      c_json: lit('{"emoji": "🚀", "escaped": "\\ud83d\\ude80", "n": 1.0e+2}'),
      c_jsonb: lit('[1, "two", {"3": 4}, 1.0e+2, "\\u00e9"]'),
      c_date: lit('1969-07-20'),
      c_time: lit('12:34:56.789012'),
      c_timetz: lit('12:34:56.789012+05:30'),
      c_timestamp: lit('1969-07-20 20:17:40.123456'),
      c_timestamptz: lit('1969-07-20 20:17:40.123456-07'),
      c_interval: lit('1 year 2 mons 3 days 04:05:06.789012'),
      c_bytea: lit('\\xdeadbeef'),
      c_int_array: lit('{NULL}'),
      c_text_array: lit('{NULL}'),
      c_enum: lit('ünï 🚀'),
      c_inet: lit('192.168.1.1/24'),
      c_cidr: lit('192.168.0.0/16'),
      c_macaddr: lit('08:00:2b:01:02:03'),
      c_money: lit('1234.56'),
      c_xml: lit('<?xml version="1.0"?><r>ü</r>'),
      c_text_default: lit(''),
    },
  },
  {
    id: 5, // NaN and infinities; what COPY text reads specially
    values: {
      c_numeric_fixed: lit('-0.00000000000000000001'),
      c_numeric: lit('NaN'),
      c_real: lit('Infinity'),
      c_double: lit('-Infinity'),
      c_boolean: 'true',
      c_text: lit('tab\there\nnewline\r\ncrlf \\N backslash-N \\ trailing\\'),
      c_varchar: lit('\\N'),
      c_char: lit('\\'),
      c_json: lit('null'),
      c_jsonb: lit('null'),
      c_date: lit('infinity'),
      c_time: lit('23:59:59.999999'),
      c_timetz: lit('00:00:00.000001-00:30'),
      c_timestamp: lit('infinity'),
      c_timestamptz: lit('infinity'),
      c_interval: lit('-1 mons +2 days -00:00:00.000001'),
      c_bytea: lit('\\x5c0d0a0900'),
      c_int_array: lit('{}'),
      c_text_array: lit('{"","\\\\N","\\\\"}'),
      c_enum: lit('with space'),
      c_inet: lit('::1'),
      c_cidr: lit('::/0'),
      c_money: lit('-0.01'),
      c_xml: lit('text only &lt;'),
    },
  },
  {
    id: 6,
    values: {
      c_numeric: lit('Infinity'),
      c_real: lit('-Infinity'),
      c_double: lit('Infinity'),
      c_date: lit('-infinity'),
      c_timestamp: lit('-infinity'),
      c_timestamptz: lit('-infinity'),
      c_interval: lit('0'),
    },
  },
  {
    id: 7, // denormals
    values: { c_numeric: lit('-Infinity'), c_real: lit('1e-45'), c_double: lit('5e-324') },
  },
  {
    id: 8, // negative zero; shortest round-trip digits
    values: {
      c_numeric: lit('0.000'),
      c_real: lit('-0'),
      c_double: lit('-0'),
      c_numeric_fixed: lit('0'),
    },
  },
  { id: 9, values: { c_real: lit('0.1'), c_double: lit('0.30000000000000004') } },
  { id: 10, values: { c_real: lit('1.17549435e-38'), c_double: lit('2.2250738585072014e-308') } },
  {
    id: 11, // before Christ
    values: {
      c_date: lit('0044-03-15 BC'),
      c_timestamp: lit('0044-03-15 12:00:00.5 BC'),
      c_timestamptz: lit('0044-03-15 12:00:00+00 BC'),
    },
  },
  {
    id: 12, // PostgreSQL's first day
    values: {
      c_date: lit('4713-01-01 BC'),
      c_timestamp: lit('4713-01-01 00:00:00 BC'),
      c_timestamptz: lit('4713-01-01 00:00:00+00 BC'),
    },
  },
  {
    id: 13, // past year 9999
    values: {
      c_date: lit('5874897-12-31'),
      c_timestamp: lit('12345-06-07 08:09:10.111213'),
      c_timestamptz: lit('12345-06-07 08:09:10.111213+00'),
      c_interval: lit('1.000001 seconds'),
    },
  },
  {
    id: 14, // the days the Julian calendar skipped, in PostgreSQL's proleptic Gregorian calendar
    values: {
      c_date: lit('1582-10-10'),
      c_timestamp: lit('1582-10-10 10:00:00'),
      c_timestamptz: lit('1582-10-04 23:59:59.999999+00'),
    },
  },
  { id: 15, values: { c_date: lit('1000-01-01'), c_timestamp: lit('1000-01-01 00:00:00') } },
  { id: 16, values: { c_text: bigText('first'), c_varchar: lit('2 MB'), c_integer: '0' } },
  {
    id: 17, // after 2100, in named time zones
    values: {
      c_date: lit('2150-06-15'),
      c_timestamp: lit('2150-06-15 12:00:00.000001'),
      c_timestamptz: lit('2150-06-15 12:00:00.000001 Asia/Kathmandu'),
      c_timetz: lit('23:59:59.999999+14'),
      c_interval: lit('100 years 11 mons 30 days 23:59:59.999999'),
    },
  },
  {
    id: 18, // a wall-clock time that does not exist (DST gap); 40 significant digits
    values: {
      c_timestamptz: lit('2024-03-10 02:30:00 America/New_York'),
      c_numeric: lit('12345678901234567890.12345678901234567890'),
      c_numeric_fixed: lit('12345678901234567890.12345678901234567890'),
    },
  },
  {
    id: 19,
    values: { c_numeric: lit('1e-100'), c_interval: lit('-1 years -2 mons -3 days -04:05:06.789012') },
  },
  { id: 20, values: { c_numeric: lit('1e100'), c_interval: lit('0.000001 seconds') } },
  {
    id: 21, // no offset given: the inserting session's time zone (America/St_Johns, -03:30) applies
    values: { c_timestamptz: lit('2000-01-01 00:00:00'), c_timetz: lit('12:00:00') },
  },
];

/** The session zone rows are inserted in: neither UTC nor a whole-hour offset. */
export const INSERT_TIME_ZONE = 'America/St_Johns';

/** Inserts every edge row, ids shifted by `offset` (0: before the connector, a snapshot; 100: streamed). */
export async function insertMatrixRows(db: pg.Client, schema: string, offset: number): Promise<void> {
  await db.query(`SET TIME ZONE ${lit(INSERT_TIME_ZONE)}`);
  for (const { id, values } of MATRIX_ROWS) {
    const sql = MATRIX_COLUMNS.map((column) => values[column] ?? 'NULL');
    await db.query(
      `INSERT INTO ${schema}.${MATRIX_TABLE} (id, ${MATRIX_COLUMNS.join(', ')}) VALUES (${id + offset}, ${sql.join(', ')})`,
    );
  }
  await db.query('RESET TIME ZONE');
}

/**
 * What the target holds for each column, stated on the source. Two documented forms differ from
 * `col::text`:
 * - timetz: Debezium sends it moved to UTC (ZonedTime, 'HH:MM:SS.ffffffZ'); the time of day is
 *   exact, the original offset is lost, so the target holds the source value AT TIME ZONE 'UTC'.
 * - xml: Debezium reads it through PostgreSQL's output function, which drops an XML declaration
 *   that says nothing but version 1.0 (xml_out); the target holds that text.
 */
export const MATRIX_COMPARED: readonly ComparedColumn[] = MATRIX_COLUMNS.map((name) => {
  if (name === 'c_timetz') return { name, expected: "(t.c_timetz AT TIME ZONE 'UTC')::text" };
  if (name === 'c_xml') return { name, expected: 't.c_xml' };
  return { name };
});

const SNAPSHOT_GAP = /^1582-10-(0[5-9]|1[0-4])$/;

/**
 * A date read by Debezium's snapshot (JDBC, java.sql.Date): a date BC arrives as the same date AD,
 * and a date in 1582-10-05..14 (skipped by the Julian calendar java.sql.Date uses) arrives ten days
 * later. Streaming (pgoutput) is exact; so is every other column of a snapshot.
 */
export function snapshotDateText(text: string | null): string | null {
  if (text === null) return null;
  if (text.endsWith(' BC')) return text.slice(0, -' BC'.length);
  const gap = SNAPSHOT_GAP.exec(text);
  return gap?.[1] === undefined ? text : `1582-10-${String(Number(gap[1]) + 10)}`;
}

/** The adjustment for rows whose last event came from the snapshot. */
export const snapshotRows =
  (ids: ReadonlySet<string>): Adjust =>
  (id: string, row: TextRow): TextRow =>
    ids.has(id) ? { ...row, c_date: snapshotDateText(row['c_date'] ?? null) } : row;
