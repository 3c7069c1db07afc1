import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { byteaText, decodeBase64, decodeBase64Url, decodeHex } from './binary.js';
import { type ConnectSchema, SOURCE_COLUMN_TYPE_PARAMETER, sourceColumnType } from './connect-schema.js';
import { doubleOf, floatText, kindOf, mismatch, signedInteger } from './json-values.js';
import { logicalConverter } from './logical-types.js';
import { type DebeziumLoss, NEVER_CARRIED } from './losses.js';
import { type ArrayDelimiter, type ArrayElement, arrayLiteral, hstoreLiteral } from './pg-array.js';
import { type Json, isJsonObject } from './parse-json.js';

/** Debezium's `binary.handling.mode` values. */
export type BinaryHandlingMode = 'bytes' | 'base64' | 'base64-url-safe' | 'hex';

export interface ConvertOptions {
  /**
   * The connector's `binary.handling.mode`. Only `bytes` is visible in the schema (type bytes); in
   * the other modes a bytea column is a plain string, recognised only through the propagated source
   * type (`column.propagate.source.type`), and decoded with this mode.
   */
  readonly binaryHandlingMode: BinaryHandlingMode;
  /** Debezium losses whose lossy form is written; any other is refused (see losses.ts). */
  readonly acceptLosses: ReadonlySet<DebeziumLoss>;
  /**
   * Whether a value Debezium never carries (a bit array) is refused. False only for before-images,
   * which are never written: a delete needs their key columns alone.
   */
  readonly refuseNeverCarried: boolean;
}

/** A converted non-placeholder value: PostgreSQL text or SQL NULL. Left is the reason it failed. */
export type TextResult = E.Either<string, string | null>;

const INT_BITS: Partial<Record<ConnectSchema['type'], number>> = { int8: 8, int16: 16, int32: 32, int64: 64 };

/** `decimal.handling.mode=string` writes numeric specials with SpecialValueDecimal.toString(). */
const NUMERIC_SPECIALS: Readonly<Record<string, string>> = {
  NAN: 'NaN',
  POSITIVE_INFINITY: 'Infinity',
  NEGATIVE_INFINITY: '-Infinity',
};
const NUMERIC_SOURCE_TYPES = new Set(['NUMERIC', 'DECIMAL', 'MONEY']);

const BINARY_DECODERS: Readonly<Record<Exclude<BinaryHandlingMode, 'bytes'>, typeof decodeHex>> = {
  base64: decodeBase64,
  'base64-url-safe': decodeBase64Url,
  hex: decodeHex,
};

function stringText(schema: ConnectSchema, value: string, options: ConvertOptions): TextResult {
  const sourceType = sourceColumnType(schema);
  if (sourceType === 'BYTEA') {
    const mode = options.binaryHandlingMode;
    if (mode === 'bytes')
      return E.left(
        "bytea column sent as a string: set binaryHandlingMode to the connector's binary.handling.mode",
      );
    return pipe(
      BINARY_DECODERS[mode](value),
      E.bimap((expected) => `bytea (${mode}) expects ${expected}`, byteaText),
    );
  }
  if (
    sourceType !== undefined &&
    NUMERIC_SOURCE_TYPES.has(sourceType) &&
    Object.hasOwn(NUMERIC_SPECIALS, value)
  ) {
    return E.right(NUMERIC_SPECIALS[value] ?? value);
  }
  return E.right(value);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * bytea is `\x` + hex. With `include.unknown.datatypes`, Debezium also sends types it does not
 * know (tsquery, jsonpath, pg_lsn…) as the bytes of their text: when the propagated source type
 * says the column is not a bytea, those bytes are that text.
 */
function bytesText(schema: ConnectSchema, bytes: Uint8Array): E.Either<string, string> {
  const sourceType = sourceColumnType(schema);
  if (sourceType === undefined || sourceType === 'BYTEA') return E.right(byteaText(bytes));
  return E.tryCatch(
    () => UTF8.decode(bytes),
    () => `${sourceType} sent as bytes that are not UTF-8 text`,
  );
}

/**
 * What Debezium sends as each element of a multidimensional text array: the Java `toString()` of
 * the inner array ('[Ljava.lang.String;@1b860938'). Its PostgreSQL connector maps one-dimensional
 * arrays only, so the values are gone; writing the reference would store garbage. (A
 * multidimensional integer array arrives as NULLs instead, which no decoder can tell from real ones.)
 */
const JAVA_ARRAY_REFERENCE = /^\[+(?:L[\w.$]+;|[ZBCSIJFD])@[0-9a-f]+$/;

/** `_HSTORE` → `HSTORE`, `"s"."_pair"` → `"s"."pair"`: PostgreSQL names an array type `_` + its element's. */
const ARRAY_TYPE_PREFIX = /^((?:"[^"]*"\.)?"?)_/;

/** Item schemas that carry their element's source type, by array schema: computed once each. */
const typedItems = new WeakMap<ConnectSchema, ConnectSchema | undefined>();

/**
 * The items schema of an array, with the element's source type when the array's is propagated
 * (Debezium puts it on the array's schema only): it tells an hstore item's JSON, or the bytes of an
 * item of a type Debezium does not know (a composite, a domain), from a json or a bytea item.
 */
function itemsOf(schema: ConnectSchema): ConnectSchema | undefined {
  if (typedItems.has(schema)) return typedItems.get(schema);
  const arrayType = schema.parameters?.[SOURCE_COLUMN_TYPE_PARAMETER];
  const items =
    schema.items === undefined || arrayType === undefined || !ARRAY_TYPE_PREFIX.test(arrayType)
      ? schema.items
      : {
          ...schema.items,
          parameters: {
            ...schema.items.parameters,
            [SOURCE_COLUMN_TYPE_PARAMETER]: arrayType.replace(ARRAY_TYPE_PREFIX, '$1'),
          },
        };
  typedItems.set(schema, items);
  return items;
}

/** Array elements: NULLs kept, nested arrays nested, every other element converted by its schema. */
function arrayElements(
  schema: ConnectSchema,
  value: readonly Json[],
  options: ConvertOptions,
): E.Either<string, ArrayElement[]> {
  const items = itemsOf(schema);
  if (items === undefined) return E.left('array schema without items');
  const element = (item: Json): E.Either<string, ArrayElement> => {
    if (item === null) return E.right(null);
    if (typeof item === 'string' && JAVA_ARRAY_REFERENCE.test(item)) {
      return E.left(
        'array element is a Java array reference: Debezium does not carry multidimensional arrays',
      );
    }
    if (items.type === 'array' && logicalConverter(items) === undefined) {
      return Array.isArray(item)
        ? arrayElements(items, item, options)
        : E.left(mismatch(items, 'an array', item));
    }
    return valueText(items, item, options);
  };
  return pipe(
    value,
    E.traverseArray(element),
    E.map((elements) => [...elements]),
  );
}

function mapText(schema: ConnectSchema, value: Json): TextResult {
  // JsonConverter writes a map with string keys as an object; other keys as [[k, v], …] pairs.
  if (schema.keys?.type !== 'string' || schema.values?.type !== 'string' || !isJsonObject(value)) {
    return E.left(mismatch(schema, 'map<string, string> (hstore) as an object', value));
  }
  const entries = Object.entries(value);
  const bad = entries.find(([, v]) => v !== null && typeof v !== 'string');
  if (bad !== undefined) return E.left(mismatch(schema, 'string values', bad[1]));
  return E.right(hstoreLiteral(entries as Array<[string, string | null]>));
}

/** Whether a safe integer fits in `bits` signed bits (every safe integer fits in 54 or more). */
const fitsInBits = (value: number, bits: number): boolean =>
  bits > SAFE_INTEGER_BITS || (value >= -(2 ** (bits - 1)) && value < 2 ** (bits - 1));
const SAFE_INTEGER_BITS = 53;

/** The text of a value of a Connect primitive or container type (no logical type applies). */
function primitiveText(schema: ConnectSchema, value: Json, options: ConvertOptions): TextResult {
  const bits = INT_BITS[schema.type];
  if (bits !== undefined) {
    // Int columns are in every row: a safe integer in range is written as it is, without the
    // BigInt that signedInteger makes (String gives the same digits for a safe integer, -0 as 0).
    if (typeof value === 'number' && Number.isSafeInteger(value) && fitsInBits(value, bits))
      return E.right(String(value));
    const integer = signedInteger(value, bits);
    return E.isLeft(integer) ? E.left(mismatch(schema, integer.left, value)) : E.right(String(integer.right));
  }
  switch (schema.type) {
    case 'float':
    case 'double':
    case 'float32':
    case 'float64':
      return pipe(
        doubleOf(value),
        E.bimap((expected) => mismatch(schema, expected, value), floatText),
      );
    case 'boolean': {
      if (typeof value !== 'boolean') return E.left(mismatch(schema, 'a boolean', value));
      // bit(1) is sent as a boolean; PostgreSQL's bit input wants 1/0, not true/false.
      const bit = ['BIT', 'VARBIT'].includes(sourceColumnType(schema) ?? '');
      return E.right(bit ? (value ? '1' : '0') : value ? 'true' : 'false');
    }
    case 'string':
      return typeof value === 'string'
        ? stringText(schema, value, options)
        : E.left(mismatch(schema, 'a string', value));
    case 'bytes':
      if (typeof value !== 'string') return E.left(mismatch(schema, 'base64 bytes', value));
      return pipe(
        decodeBase64(value),
        E.mapLeft((expected) => mismatch(schema, expected, value)),
        E.flatMap((bytes) => bytesText(schema, bytes)),
      );
    case 'array':
      if (!Array.isArray(value)) return E.left(mismatch(schema, 'an array', value));
      return E.map((elements: ArrayElement[]) => arrayLiteral(elements, delimiterOf(schema)))(
        arrayElements(schema, value as readonly Json[], options),
      );
    case 'map':
      return mapText(schema, value);
    default:
      return E.left(`${schema.name ?? 'a struct'} (${kindOf(value)}) has no PostgreSQL text conversion`);
  }
}

/**
 * The PostgreSQL text of one value, converted by its Connect schema: the logical type's converter
 * when there is one, else the Connect type's. Null is SQL NULL, refused for a required field
 * (JsonConverter never writes one, so the message did not come from it).
 */
export function valueText(schema: ConnectSchema, value: Json, options: ConvertOptions): TextResult {
  if (options.refuseNeverCarried && isBitArray(schema)) return E.left(NEVER_CARRIED.bitArray);
  if (options.refuseNeverCarried && schema.type === 'array' && isVectorType(schema))
    return E.left(NEVER_CARRIED.vectorType);
  if (value === null)
    return schema.optional === false
      ? E.left(`${schema.name ?? schema.type} is required, got null`)
      : E.right(null);
  const logical = logicalConverter(schema);
  return logical !== undefined ? logical(schema, value, options) : primitiveText(schema, value, options);
}

/** box is the one built-in type whose arrays are delimited by semicolons (its text holds commas). */
const delimiterOf = (schema: ConnectSchema): ArrayDelimiter =>
  sourceColumnType(schema) === '_BOX' ? ';' : ',';

/** A bit or varbit array: Debezium gives it a Bits schema, not an array one, and a null value. */
const isBitArray = (schema: ConnectSchema): boolean =>
  schema.name === BITS && ['_BIT', '_VARBIT'].includes(sourceColumnType(schema) ?? '');

const BITS = 'io.debezium.data.Bits';

/**
 * The catalog's space-separated vectors: Debezium gives them an array schema but sends `[]` for
 * every value and null for an empty one, so neither a value nor a NULL can be trusted.
 */
const VECTOR_TYPES: ReadonlySet<string> = new Set(['INT2VECTOR', 'OIDVECTOR']);
const isVectorType = (schema: ConnectSchema): boolean => VECTOR_TYPES.has(sourceColumnType(schema) ?? '');
