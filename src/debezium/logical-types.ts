/**
 * Debezium / Kafka Connect encodings → PostgreSQL text, as decodeDebezium converts them.
 *
 * Each value becomes the text PostgreSQL itself prints for it (what COPY and `$1::type` accept),
 * SQL NULL, or UNAVAILABLE. Fractions of a second are printed the PostgreSQL way: trailing zeros
 * dropped, no fraction when it is zero ('12:00:00', '12:00:00.5', '12:00:00.000001'). Conversion is driven by the Connect schema of each field, so it needs
 * the JsonConverter's `schemas.enable=true`; without it values are converted by JSON type only.
 *
 * | Connect type / logical name (`name`)          | Debezium setting that produces it           | PostgreSQL text                                  |
 * |-----------------------------------------------|---------------------------------------------|--------------------------------------------------|
 * | int8, int16, int32, int64                     | smallint, integer, bigint, oid              | digits; int64 exact past 2^53 (lossless parse)   |
 * | float, double (float32, float64)              | real, double precision                      | shortest round-trip digits; NaN, Infinity, -Infinity (sent as strings) |
 * | boolean                                       | boolean, bit(1)                             | true / false (1 / 0 when the propagated source type is BIT) |
 * | string (no name, or an unknown name)          | text, varchar, char, inet, cidr, macaddr, ranges, citext, isbn, tsvector | as is                 |
 * | bytes                                         | bytea, `binary.handling.mode=bytes` (default) | `\x` + hex                                     |
 * | bytes, propagated source type not BYTEA       | `include.unknown.datatypes` (tsquery, jsonpath, pg_lsn…) + `column.propagate.source.type` | the bytes as UTF-8 text |
 * | string, source type BYTEA                     | `binary.handling.mode=base64`/`base64-url-safe`/`hex` + `column.propagate.source.type` + option `binaryHandlingMode` | `\x` + hex |
 * | array (items: any type here)                  | arrays of the types above                   | array literal `{1,NULL,"a b"}`, elements quoted as array_out does |
 * | map<string, string>                           | hstore, `hstore.handling.mode=map`          | `"k"=>"v", "n"=>NULL`                            |
 * | org.apache.kafka.connect.data.Decimal         | numeric(p,s), money; `decimal.handling.mode=precise` (default) | plain decimal with `scale` digits, from base64 two's-complement bytes (BigInt) or a JSON number (`decimal.format=NUMERIC`) |
 * | io.debezium.data.VariableScaleDecimal         | numeric without typmod, precise mode        | plain decimal (Debezium strips trailing zeros: '1.50' arrives as 1.5) |
 * | double (no name)                              | `decimal.handling.mode=double`              | the double: precision already lost by Debezium   |
 * | string (no name)                              | `decimal.handling.mode=string`              | as is ('NAN', 'POSITIVE_INFINITY', 'NEGATIVE_INFINITY' → NaN, ±Infinity only when the propagated source type is NUMERIC/DECIMAL/MONEY) |
 * | io.debezium.time.Date, org.apache.kafka.connect.data.Date | date (any `time.precision.mode`) | YYYY-MM-DD, ' BC' before year 1, years past 9999 in full; infinity, -infinity |
 * | io.debezium.time.Time, org.apache.kafka.connect.data.Time | time(0-3) adaptive; time in `connect` mode (ms) | HH:MM:SS[.fff]                  |
 * | io.debezium.time.MicroTime                    | time(4-6) adaptive, `adaptive_time_microseconds` | HH:MM:SS[.ffffff], 24:00:00 allowed         |
 * | io.debezium.time.NanoTime                     | (other connectors)                          | HH:MM:SS[.fffffffff] (PostgreSQL rounds to µs)   |
 * | io.debezium.time.Timestamp, org.apache.kafka.connect.data.Timestamp | timestamp(0-3); `connect` mode (ms) | YYYY-MM-DD HH:MM:SS[.fff][ BC]; infinity, -infinity |
 * | io.debezium.time.MicroTimestamp               | timestamp(4-6), timestamp                   | YYYY-MM-DD HH:MM:SS[.ffffff][ BC]; infinity, -infinity |
 * | io.debezium.time.NanoTimestamp                | (other connectors)                          | YYYY-MM-DD HH:MM:SS[.fffffffff][ BC]             |
 * | io.debezium.time.ZonedTimestamp               | timestamptz                                 | the ISO-8601 string as is (UTC, `Z`), infinity, -infinity; years past 9999 or before 1 (signed in ISO) as 'YYYY-MM-DD HH:MM:SS[.f]+00[ BC]' |
 * | io.debezium.time.ZonedTime                    | timetz                                      | refused: Debezium moved it to UTC and dropped the offset; the ISO-8601 string as is when the 'timetz-offset' loss is accepted |
 * | io.debezium.time.MicroDuration                | interval, `interval.handling.mode=numeric` (default) | H:MM:SS[.ffffff]: a length of time; Debezium folded months into 30.4375-day units (calendar units lost), computed in double (odd µs past 2^53 µs lost) and clamps past ±2^63 µs (refused) |
 * | io.debezium.time.Interval                     | interval, `interval.handling.mode=string`   | the ISO-8601 duration as is (exact; recommended) |
 * | io.debezium.data.Json, source type HSTORE     | hstore, `hstore.handling.mode=json` (default) | `"k"=>"v", "n"=>NULL` from the JSON object      |
 * | io.debezium.data.Json, Uuid, Xml, Enum, EnumSet, Ltree, Tsvector | json/jsonb, uuid, xml, enum types, ltree, tsvector | as is                     |
 * | io.debezium.data.Bits                         | bit(n>1), varbit(n)                         | n characters 0/1 from the `length` parameter; a varbit (or Bits without a source type) shorter than n is refused (Debezium drops its length) unless the 'varbit-length' loss is accepted; over a bit array (null whatever the value): refused |
 * | io.debezium.data.geometry.Point               | point                                       | (x,y)                                            |
 * | io.debezium.data.DoubleVector, FloatVector    | pgvector vector, halfvec                    | [1,2.5,3]                                        |
 * | unavailable-value placeholder (see placeholder.ts) | unchanged TOASTed value                | UNAVAILABLE                                      |
 *
 * Refused (the record becomes a decode Failure, with the column and the reason):
 * - io.debezium.data.geometry.Geometry / Geography (PostGIS, and box/lseg/path/polygon in Debezium
 *   3.x): WKB plus SRID, no exact text form without PostGIS's EWKB rules; add a converter if needed.
 * - io.debezium.data.SparseDoubleVector, and any struct or map without a converter here: no text
 *   form can be derived from the schema alone.
 * - `time.precision.mode=structured` (temporal values as structs): not converted. String-encoded
 *   temporal values of other modes pass through as their ISO text, which PostgreSQL reads.
 * - A value that does not match its schema (a string in an int32, bad base64, a time past 24:00…).
 * - A MicroDuration of Long.MAX_VALUE or Long.MIN_VALUE: Debezium's clamp of an interval it could
 *   not hold, not a value.
 * - A multidimensional text array: Debezium sends the Java reference of each inner array
 *   ('[Ljava.lang.String;@…'). Multidimensional arrays of other types arrive as arrays of NULLs,
 *   which cannot be told from real ones: Debezium carries one-dimensional arrays only.
 * Not detectable, hence not handled (the message alone cannot tell; set
 * `column.propagate.source.type=.*` on the connector to make them detectable):
 * - `binary.handling.mode` base64/base64-url-safe/hex: the bytea is just a string, passed as is.
 * - `bit(1)`: arrives as a boolean, written true/false (bit input wants 1/0).
 * - `decimal.handling.mode=string` specials 'NAN'/'POSITIVE_INFINITY'/'NEGATIVE_INFINITY': passed as is.
 * - `include.unknown.datatypes` values: arrive as bytes, written as bytea hex.
 * Lost by Debezium before we see it (losses.ts says which are refused; docs/data-fidelity.md lists
 * the rest): numeric display scale of unconstrained numerics, interval
 * calendar units (numeric mode), the length of a varbit shorter than its declared maximum, and a
 * NULL in a column with a DEFAULT when JsonConverter's `replace.null.with.default` is true (Kafka's
 * default: set it to false).
 * Without schemas (`schemas.enable=false`) none of the logical types can be recognised: values are
 * written by JSON type (numbers as their digits, booleans true/false, strings as is, objects and
 * arrays as JSON text); only the placeholder is still recognised.
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { bitsText, bitsUsed, decodeBase64 } from './binary.js';
import { type ConnectSchema, sourceColumnType } from './connect-schema.js';
import { doubleOf, floatText, integerOf, integerParameter, mismatch, signedInteger } from './json-values.js';
import { decimalFromBase64, decimalText, plainDecimal } from './numeric.js';
import { type DebeziumLoss, LOSS_REASONS, NEVER_CARRIED } from './losses.js';
import { ExactNumber, type Json, isJsonObject, numberText, parseJson } from './parse-json.js';
import { hstoreLiteral } from './pg-array.js';
import {
  dateText,
  intervalText,
  type TimeUnit,
  timestampText,
  timeText,
  zonedTimestampText,
} from './temporal.js';

/**
 * What a converter may be told: which of Debezium's losses the user accepted (the part of
 * convert-value.ts' ConvertOptions it needs; named here so the two files do not import each other).
 */
export interface LossOptions {
  readonly acceptLosses: ReadonlySet<DebeziumLoss>;
}

/** Converts one non-null value of a logical type to PostgreSQL text; Left is the reason. */
export type LogicalConverter = (
  schema: ConnectSchema,
  value: Json,
  options: LossOptions,
) => E.Either<string, string>;

/** PostgreSQL's longest bit string (`bit string length exceeds the maximum allowed (83886080)`). */
const MAX_BIT_LENGTH = 83_886_080;

const withReason =
  (schema: ConnectSchema, value: Json) =>
  (expected: string): string =>
    mismatch(schema, expected, value);

// Plain early returns rather than pipe/flatMap: every decimal value of every row comes through here.
const decimal: LogicalConverter = (schema, value) => {
  const scale = integerParameter(schema, 'scale');
  if (E.isLeft(scale)) return scale;
  if (typeof value === 'string') {
    const text = decimalFromBase64(value, scale.right);
    return E.isLeft(text) ? E.left(mismatch(schema, text.left, value)) : text;
  }
  if (typeof value === 'number' || value instanceof ExactNumber)
    return plainDecimal(numberText(value), scale.right);
  return E.left(mismatch(schema, 'base64 bytes or a number', value));
};

const variableScaleDecimal: LogicalConverter = (schema, value) => {
  if (!isJsonObject(value) || typeof value['value'] !== 'string') {
    return E.left(mismatch(schema, 'a struct {scale, value}', value));
  }
  const bytes = decodeBase64(value['value']);
  const scale = integerOf(value['scale'] ?? null);
  if (E.isLeft(bytes) || E.isLeft(scale))
    return E.left(mismatch(schema, 'a struct {scale: int32, value: base64}', value));
  return E.right(decimalText(bytes.right, Number(scale.right)));
};

const date: LogicalConverter = (schema, value) =>
  pipe(
    signedInteger(value, 32),
    E.bimap(withReason(schema, value), (days) => dateText(Number(days))),
  );

const time =
  (unit: TimeUnit): LogicalConverter =>
  (schema, value) =>
    pipe(
      signedInteger(value, 64),
      E.mapLeft(withReason(schema, value)),
      E.flatMap((count) => timeText(count, unit)),
    );

const timestamp =
  (unit: TimeUnit): LogicalConverter =>
  (schema, value) =>
    pipe(
      signedInteger(value, 64),
      E.bimap(withReason(schema, value), (count) => timestampText(count, unit)),
    );

/**
 * Debezium computes a MicroDuration as a double and casts it to long (int64 since Debezium 2; a
 * float64 in 1.x). The cast saturates: an interval past about ±292,000 years arrives as
 * Long.MAX_VALUE or Long.MIN_VALUE, a value that says nothing about the source. Refused, so it
 * goes to the dead letters instead of being written as a wrong length of time.
 */
const CLAMPED_DURATION: ReadonlyMap<bigint, string> = new Map([
  [(1n << 63n) - 1n, 'Long.MAX_VALUE'],
  [-(1n << 63n), 'Long.MIN_VALUE'],
]);

const microDuration: LogicalConverter = (schema, value) => {
  if (schema.type !== 'int64')
    return pipe(doubleOf(value), E.mapLeft(withReason(schema, value)), E.flatMap(intervalText));
  return pipe(
    signedInteger(value, 64),
    E.mapLeft(withReason(schema, value)),
    E.flatMap((micros) => {
      const clamped = CLAMPED_DURATION.get(micros);
      return clamped === undefined
        ? intervalText(micros)
        : E.left(
            `${schema.name} is ${clamped}: Debezium clamped an interval it could not hold ` +
              '(interval.handling.mode=string carries it exactly)',
          );
    }),
  );
};

const zonedTimestamp: LogicalConverter = (schema, value) =>
  typeof value === 'string'
    ? E.right(zonedTimestampText(value))
    : E.left(mismatch(schema, 'a string', value));

/**
 * bit(n) is exact: its length is the `length` parameter. A varbit's real length is lost (Debezium
 * sends its declared maximum), so it is exact only when its highest bit is set at that length;
 * any other is refused unless the 'varbit-length' loss is accepted (then padded to the maximum).
 * Without the propagated source type a bit cannot be told from a varbit: the same rule applies.
 */
const bits: LogicalConverter = (schema, value, { acceptLosses }) => {
  if (typeof value !== 'string') return E.left(mismatch(schema, 'base64 bytes', value));
  return pipe(
    decodeBase64(value),
    E.mapLeft(withReason(schema, value)),
    E.flatMap((bytes) => {
      const used = bitsUsed(bytes);
      const declared = schema.parameters?.['length'];
      const length = declared === undefined ? used : Number(declared);
      if (!Number.isSafeInteger(length) || length < used) {
        return E.left(`${schema.name} length parameter ${declared ?? '(none)'} cannot hold ${used} bits`);
      }
      const sourceType = sourceColumnType(schema);
      if (sourceType !== 'BIT' && used < length && !acceptLosses.has('varbit-length')) {
        return E.left(sourceType === 'VARBIT' ? LOSS_REASONS['varbit-length'] : NEVER_CARRIED.unsizedBits);
      }
      if (length > MAX_BIT_LENGTH) {
        return E.left(
          `${schema.name} length ${length} is past PostgreSQL's longest bit string (an unbounded varbit)`,
        );
      }
      return E.right(bitsText(bytes, length));
    }),
  );
};

/** timetz: Debezium moved it to UTC and dropped the offset; written only when that loss is accepted. */
const zonedTime: LogicalConverter = (schema, value, { acceptLosses }) => {
  if (typeof value !== 'string') return E.left(mismatch(schema, 'a string', value));
  return acceptLosses.has('timetz-offset') ? E.right(value) : E.left(LOSS_REASONS['timetz-offset']);
};

/**
 * JSON text as is, except an hstore (propagated source type HSTORE): Debezium's default
 * `hstore.handling.mode=json` sends it as a JSON object of strings and nulls, which hstore_in does
 * not read (XX000); it becomes the hstore literal.
 */
const json: LogicalConverter = (schema, value) => {
  if (typeof value !== 'string') return E.left(mismatch(schema, 'a string', value));
  return sourceColumnType(schema) === HSTORE ? hstoreFromJson(value) : E.right(value);
};

const HSTORE = 'HSTORE';

function hstoreFromJson(text: string): E.Either<string, string> {
  const parsed = parseJson(text);
  const entries = E.isRight(parsed) && isJsonObject(parsed.right) ? Object.entries(parsed.right) : undefined;
  if (entries === undefined || entries.some(([, v]) => v !== null && typeof v !== 'string')) {
    return E.left('hstore (io.debezium.data.Json) expects a JSON object of strings and nulls');
  }
  return E.right(hstoreLiteral(entries as Array<[string, string | null]>));
}

const point: LogicalConverter = (schema, value) => {
  const x = isJsonObject(value) ? doubleOf(value['x'] ?? null) : E.left('');
  const y = isJsonObject(value) ? doubleOf(value['y'] ?? null) : E.left('');
  if (E.isLeft(x) || E.isLeft(y)) return E.left(mismatch(schema, 'a struct {x: float64, y: float64}', value));
  return E.right(`(${floatText(x.right)},${floatText(y.right)})`);
};

const vector: LogicalConverter = (schema, value) => {
  if (!Array.isArray(value)) return E.left(mismatch(schema, 'an array of numbers', value));
  const items = E.traverseArray(doubleOf)(value as readonly Json[]);
  return E.isLeft(items)
    ? E.left(mismatch(schema, 'an array of numbers', value))
    : E.right(`[${items.right.map(floatText).join(',')}]`);
};

const refuse =
  (why: string): LogicalConverter =>
  (schema) =>
    E.left(`${schema.name} is not supported: ${why}`);

/**
 * Converters by logical name. Names absent here (Json, Uuid, Xml, Enum, ZonedTime, Interval…
 * and any unknown name) are converted as their Connect type, which for them is the exact text.
 */
export const LOGICAL_TYPES: Readonly<Record<string, LogicalConverter>> = {
  'org.apache.kafka.connect.data.Decimal': decimal,
  'io.debezium.data.VariableScaleDecimal': variableScaleDecimal,
  'io.debezium.time.Date': date,
  'org.apache.kafka.connect.data.Date': date,
  'io.debezium.time.Time': time('ms'),
  'org.apache.kafka.connect.data.Time': time('ms'),
  'io.debezium.time.MicroTime': time('us'),
  'io.debezium.time.NanoTime': time('ns'),
  'io.debezium.time.Timestamp': timestamp('ms'),
  'org.apache.kafka.connect.data.Timestamp': timestamp('ms'),
  'io.debezium.time.MicroTimestamp': timestamp('us'),
  'io.debezium.time.NanoTimestamp': timestamp('ns'),
  'io.debezium.time.MicroDuration': microDuration,
  'io.debezium.time.ZonedTimestamp': zonedTimestamp,
  'io.debezium.time.ZonedTime': zonedTime,
  'io.debezium.data.Json': json,
  'io.debezium.data.Bits': bits,
  'io.debezium.data.geometry.Point': point,
  'io.debezium.data.DoubleVector': vector,
  'io.debezium.data.FloatVector': vector,
  'io.debezium.data.geometry.Geometry': refuse('WKB geometry has no exact text form here'),
  'io.debezium.data.geometry.Geography': refuse('WKB geography has no exact text form here'),
  'io.debezium.data.SparseDoubleVector': refuse('sparse vectors are not converted'),
};

/** The converter for a schema's logical type, if it has one. */
export const logicalConverter = (schema: ConnectSchema): LogicalConverter | undefined =>
  schema.name !== undefined && Object.hasOwn(LOGICAL_TYPES, schema.name)
    ? LOGICAL_TYPES[schema.name]
    : undefined;
