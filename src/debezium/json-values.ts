import * as E from 'fp-ts/lib/Either.js';
import type { ConnectSchema } from './connect-schema.js';
import { ExactNumber, type Json, isJsonObject, numberText, stringifyJson } from './parse-json.js';

/**
 * Small readers of JSON values shared by the converters: exact integers, doubles, and reasons that
 * name the expected type and the JSON kind received, never the value itself (reasons may be
 * logged; row values must not be).
 */

/** The JSON kind of a value, for failure reasons. */
export function kindOf(value: Json | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (value instanceof ExactNumber || typeof value === 'number') return 'number';
  if (Array.isArray(value)) return 'array';
  if (isJsonObject(value)) return 'object';
  return typeof value;
}

/** "<logical name or type> expects <what>, got <kind>". */
export const mismatch = (schema: ConnectSchema, expected: string, value: Json | undefined): string =>
  `${schema.name ?? schema.type} expects ${expected}, got ${kindOf(value)}`;

const INTEGER_TEXT = /^-?\d+$/;

/** An exact integer from a JSON number (a double with a fraction, or a non-number, is refused). */
export function integerOf(value: Json): E.Either<string, bigint> {
  if (typeof value === 'number' && Number.isInteger(value)) return E.right(BigInt(value));
  if (value instanceof ExactNumber && INTEGER_TEXT.test(value.text)) return E.right(BigInt(value.text));
  return E.left('an integer');
}

/** An integer that must fit in `bits` signed bits (Connect int8/16/32/64). */
export function signedInteger(value: Json, bits: number): E.Either<string, bigint> {
  // A plain early return, not E.flatMap: this runs for every integer column of every change, and
  // fp-ts's data-first/data-last dispatch (`dual`) copied its arguments on each call.
  const integer = integerOf(value);
  if (E.isLeft(integer)) return integer;
  const limit = 1n << BigInt(bits - 1);
  const n = integer.right;
  return n >= -limit && n < limit ? integer : E.left(`an int${bits} (got an integer out of range)`);
}

/** JsonConverter writes non-finite doubles as these strings (Jackson's WRITE_NAN_AS_STRINGS). */
const NON_FINITE: Readonly<Record<string, number>> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

/** A float32/float64 value: a JSON number or one of the non-finite strings. */
export function doubleOf(value: Json): E.Either<string, number> {
  if (typeof value === 'number') return E.right(value);
  if (value instanceof ExactNumber) return E.right(Number(value.text));
  if (typeof value === 'string' && value in NON_FINITE) return E.right(NON_FINITE[value] ?? NaN);
  return E.left('a number or "NaN"/"Infinity"/"-Infinity"');
}

/**
 * A double as PostgreSQL float text: shortest round-trip digits (what float8out prints since
 * PostgreSQL 12, modulo exponent spelling, which float8in reads either way), NaN and ±Infinity by
 * name, and the sign of -0 kept.
 */
export function floatText(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (Object.is(n, -0)) return '-0';
  return String(n);
}

/** A schema parameter read as an integer (JsonConverter writes parameters as strings). */
export function integerParameter(schema: ConnectSchema, name: string): E.Either<string, number> {
  const text = schema.parameters?.[name];
  const n = text === undefined ? NaN : Number(text);
  return Number.isSafeInteger(n) && text !== undefined && INTEGER_TEXT.test(text.trim())
    ? E.right(n)
    : E.left(`${schema.name ?? schema.type} needs an integer "${name}" parameter`);
}

/** Schema-less values: the text of a JSON value by its JS type alone. */
export function schemalessText(value: Json): string | null {
  if (value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' || value instanceof ExactNumber) return numberText(value);
  return stringifyJson(value);
}
