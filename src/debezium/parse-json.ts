import * as E from 'fp-ts/lib/Either.js';
import { isSafeNumber, parse as parseLossless } from 'lossless-json';

/**
 * A JSON number that a JS number cannot hold exactly (an int64 past 2^53, a decimal written with
 * more than 15 significant digits, an exponent past the double range), kept as its source text.
 */
export class ExactNumber {
  constructor(readonly text: string) {}
}

/** A parsed JSON value in which every number is exact: a JS number where that is lossless. */
export type Json = null | boolean | number | string | ExactNumber | readonly Json[] | JsonObject;
export interface JsonObject {
  readonly [key: string]: Json;
}

/**
 * What may hide a number JSON.parse would round: 16 digits in a row (an optional decimal point
 * between them still counts), or an exponent of three digits (overflow to Infinity, underflow to 0).
 * A number with at most 15 significant digits and a small exponent round-trips through a double.
 * Matches inside strings too (base64, long ids): that only costs the slower path, never exactness.
 */
const MAY_LOSE_PRECISION = /\d(?:\.?\d){15}|[eE][+-]?\d{3}/;

const MAY_LOSE_PRECISION_ALL = new RegExp(MAY_LOSE_PRECISION.source, 'g');
/** The number (or number-like run) around a suspicious match. */
const NUMBER_CHAR = /[\d.eE+-]/;
/**
 * A 16-digit integer that starts with 1–8 is below 2^53 (9,007,199,254,740,992): a double holds it
 * exactly. Every microsecond timestamp of our era looks like that (1.7e15), so without this case
 * nearly every Debezium row would take the slower path for nothing.
 */
const SAFE_16_DIGIT_INTEGER = /^-?[1-8]\d{15}$/;

/** True when `text` cannot simply go to JSON.parse (exported for tests and benchmarks). */
export function needsLosslessParse(text: string): boolean {
  if (!MAY_LOSE_PRECISION.test(text)) return false;
  const matches = new RegExp(MAY_LOSE_PRECISION_ALL); // own lastIndex: reentrant
  for (let match = matches.exec(text); match !== null; match = matches.exec(text)) {
    let start = match.index;
    let end = start + match[0].length;
    while (start > 0 && NUMBER_CHAR.test(text[start - 1]!)) start -= 1;
    while (end < text.length && NUMBER_CHAR.test(text[end]!)) end += 1;
    if (!SAFE_16_DIGIT_INTEGER.test(text.slice(start, end))) return true;
    matches.lastIndex = end;
  }
  return false;
}

const parseNumber = (text: string): number | ExactNumber =>
  isSafeNumber(text) ? Number(text) : new ExactNumber(text);

/** JSON strings (skipped whole) and number-like runs, in document order. */
const TOKENS = /"[^"\\]*(?:\\.[^"\\]*)*"|-?\d[\d.eE+-]*/g;
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
/** The longest number text without an exponent that is always safe: at most 15 digits. */
const ALWAYS_SAFE_LENGTH = 15;
const mayBeUnsafe = (token: string): boolean =>
  token.length > ALWAYS_SAFE_LENGTH || token.includes('e') || token.includes('E');
const QUOTE = 0x22;
/** Marks a rewritten number: no JSON string from Debezium starts with NUL (PostgreSQL text cannot hold one). */
const MARK = '\u0000';

/**
 * Puts each number that a double cannot hold exactly between quotes, behind MARK, so JSON.parse
 * keeps its digits as a string. Returns null when there is nothing to rewrite, and `undefined` when
 * the text cannot be rewritten safely (a quote that does not open a well-formed string: the text is
 * not JSON, and the lossless parser will say where).
 */
function quoteUnsafeNumbers(text: string): string | null | undefined {
  let out = '';
  let copied = 0;
  let previousEnd = 0;
  const tokens = new RegExp(TOKENS); // own lastIndex: parseJson stays reentrant
  for (let match = tokens.exec(text); match !== null; match = tokens.exec(text)) {
    const token = match[0];
    const start = match.index;
    const end = start + token.length;
    const unsafe = token.charCodeAt(0) !== QUOTE && mayBeUnsafe(token) && !isSafeNumber(token);
    if (unsafe && JSON_NUMBER.test(token)) {
      const stray = text.indexOf('"', previousEnd);
      if (stray !== -1 && stray < start) return undefined;
      out += `${text.slice(copied, start)}"\\u0000${token}"`;
      copied = end;
    }
    previousEnd = end;
  }
  return copied === 0 ? null : out + text.slice(copied);
}

/** Turns the marked strings of quoteUnsafeNumbers back into ExactNumbers, in place. */
function reviveMarked(value: unknown): Json {
  if (typeof value === 'string') return value.startsWith(MARK) ? new ExactNumber(value.slice(1)) : value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = reviveMarked(value[i]);
  } else if (typeof value === 'object' && value !== null) {
    const object = value as Record<string, unknown>;
    for (const key of Object.keys(object)) object[key] = reviveMarked(object[key]);
  }
  return value as Json;
}

/** Lossless parse of text that may hold unsafe numbers: see parseJson. */
function parseExact(text: string): Json {
  // A real NUL-led string would be taken for a rewritten number: let the slower parser have it.
  const rewritten = text.includes('\\u0000') ? undefined : quoteUnsafeNumbers(text);
  if (rewritten === undefined) return parseLossless(text, null, parseNumber) as Json;
  return rewritten === null ? (JSON.parse(text) as Json) : reviveMarked(JSON.parse(rewritten));
}

/**
 * Parses JSON text without losing a digit of any number. Three paths, fastest first:
 * 1. no run of 16 digits and no big exponent: the native JSON.parse as is;
 * 2. otherwise (every Debezium 3.x message: `ts_ns` has 19 digits) the numbers a double cannot
 *    hold are quoted behind a marker, parsed natively and turned into ExactNumbers (about twice the
 *    cost of JSON.parse, still well under lossless-json);
 * 3. text that path 2 cannot rewrite safely goes to lossless-json, which hands over numbers as text.
 * Never throws: a syntax error is a Left.
 */
export function parseJson(text: string): E.Either<string, Json> {
  try {
    // Both parsers only ever build null, booleans, numbers, strings, arrays and plain objects
    // (plus ExactNumbers), which is exactly the Json type.
    return E.right(needsLosslessParse(text) ? parseExact(text) : (JSON.parse(text) as Json));
  } catch (error) {
    return E.left(error instanceof Error ? error.message : String(error));
  }
}

/** A JSON object (not null, not an array, not an ExactNumber). */
export const isJsonObject = (json: Json | undefined): json is JsonObject =>
  typeof json === 'object' && json !== null && !Array.isArray(json) && !(json instanceof ExactNumber);

/** The text of a JSON number as it would be written back: exact for ExactNumber. */
export const numberText = (n: number | ExactNumber): string => (typeof n === 'number' ? String(n) : n.text);

/** Writes JSON text back, ExactNumbers as their original digits (JSON.stringify would need a number). */
export function stringifyJson(json: Json): string {
  if (json instanceof ExactNumber) return json.text;
  if (Array.isArray(json)) return `[${json.map(stringifyJson).join(',')}]`;
  if (isJsonObject(json)) {
    const members = Object.entries(json).map(
      ([key, value]) => `${JSON.stringify(key)}:${stringifyJson(value)}`,
    );
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(json);
}
