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

const QUOTE = 0x22;
const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39;

/** Digits a double always holds exactly: a number with fewer significant digits round-trips. */
const DOUBLE_SAFE_DIGITS = 15;
/** Exponent digits from which a number may overflow to Infinity or underflow to 0. */
const RISKY_EXPONENT_DIGITS = 3;
/**
 * A 16-digit integer that starts with 1–8 is below 2^53 (9,007,199,254,740,992): a double holds it
 * exactly. Every microsecond timestamp of our era looks like that (1.7e15), so without this case
 * nearly every Debezium row would take the slower path for nothing. A loop over the run in place:
 * a regular expression would need it sliced out, a string made for every timestamp of every row.
 */
const isSafe16DigitInteger = (text: string, start: number, end: number): boolean => {
  const first = text.charCodeAt(start) === 0x2d ? start + 1 : start; // after a leading `-`
  if (end - first !== 16) return false;
  const lead = text.charCodeAt(first);
  if (lead < 0x31 || lead > 0x38) return false; // 1–8
  for (let i = first + 1; i < end; i++) if (!isDigit(text.charCodeAt(i))) return false;
  return true;
};

const isExponentLetter = (text: string, at: number): boolean => {
  const code = text.charCodeAt(at);
  return code === 0x65 || code === 0x45;
};
/** Characters of a JSON number: digits, `.`, `e`, `E`, `+`, `-`. */
const isNumberChar = (code: number): boolean =>
  isDigit(code) || code === 0x2e || code === 0x65 || code === 0x45 || code === 0x2b || code === 0x2d;

/**
 * Whether a run of number characters may be a number a double would round: more than 15 digits
 * (counted over the whole run, so a superset of the numbers with 16 significant digits), or an
 * exponent of three digits; a 16-digit integer below 2^53 excepted.
 */
function runMayLosePrecision(text: string, start: number, end: number): boolean {
  let digits = 0;
  let exponentDigits = -1; // -1: not in an exponent (`e`, an optional sign, then digits in a row)
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (isDigit(code)) {
      digits += 1;
      if (exponentDigits >= 0) exponentDigits += 1;
    } else if (code === 0x65 || code === 0x45) {
      exponentDigits = 0;
    } else if (!(exponentDigits === 0 && (code === 0x2b || code === 0x2d) && isExponentLetter(text, i - 1))) {
      exponentDigits = -1;
    }
    if (exponentDigits >= RISKY_EXPONENT_DIGITS) return true;
  }
  return digits > DOUBLE_SAFE_DIGITS && !isSafe16DigitInteger(text, start, end);
}

/**
 * True when `text` cannot simply go to JSON.parse (exported for tests and benchmarks). One pass
 * over the characters outside strings, each run of number characters judged once: this runs for
 * every message, and a regular expression looking for 16 digits retried at every digit of every
 * shorter number (one finding the candidate runs natively measured slower still). A string's
 * contents are jumped over with indexOf (most of a Debezium payload is names, text and base64):
 * digits inside a string never become a number, and JSON.parse keeps a string exactly. Text that
 * is not JSON may be judged either way; both paths report its error.
 */
export function needsLosslessParse(text: string): boolean {
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      i = closingQuote(text, i);
      if (i < 0) return true; // an unterminated string: not JSON, the careful path says where
      continue;
    }
    if (!isNumberChar(code)) continue;
    const start = i;
    while (i < length && isNumberChar(text.charCodeAt(i))) i++;
    if (i - start > DOUBLE_SAFE_DIGITS || hasExponentLetter(text, start, i)) {
      if (runMayLosePrecision(text, start, i)) return true;
    }
    i -= 1; // the character after the run is looked at by the next turn (it may open a string)
  }
  return false;
}

const BACKSLASH = 0x5c;

/**
 * Where the string opened at `open` closes (its first `"` not escaped), or -1 when it never does.
 * indexOf measured faster than a loop over the characters, even for Debezium's short strings.
 */
function closingQuote(text: string, open: number): number {
  let close = text.indexOf('"', open + 1);
  while (close > 0) {
    let backslashes = 0;
    while (text.charCodeAt(close - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return close;
    close = text.indexOf('"', close + 1);
  }
  return -1;
}

/** A short run needs a closer look only when it may carry an exponent. */
function hasExponentLetter(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    if (isExponentLetter(text, i)) return end - i > RISKY_EXPONENT_DIGITS;
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
