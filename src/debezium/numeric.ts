import * as E from 'fp-ts/lib/Either.js';
import { decodeBase64 } from './binary.js';

/**
 * Exact NUMERIC text from what Kafka Connect sends: the unscaled value as big-endian two's
 * complement bytes (base64 in JSON) plus a scale, or (JsonConverter `decimal.format=NUMERIC`) a
 * JSON number. BigInt keeps every digit; a double never touches the value.
 */

/** `unscaled × 10^-scale` as plain decimal text: 12345, 2 → '123.45'; -5, 3 → '-0.005'; 5, -2 → '500'. */
export function scaledDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  return scaledDigits(negative, (negative ? -unscaled : unscaled).toString(), scale);
}

/** The digits of an unscaled magnitude, with its sign, placed at `scale`. */
function scaledDigits(negative: boolean, digits: string, scale: number): string {
  const sign = negative ? '-' : '';
  if (scale <= 0) return sign + digits + (digits === '0' ? '' : '0'.repeat(-scale));
  const padded = digits.padStart(scale + 1, '0');
  return `${sign}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}

/** Big-endian two's-complement bytes → BigInt (empty → 0, as Java's BigInteger would refuse; Connect never sends it). */
export function unscaledFromBytes(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  const magnitude = BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
  const negative = (bytes[0] ?? 0) >= 0x80;
  return negative ? magnitude - (1n << BigInt(bytes.length * 8)) : magnitude;
}

/** Bytes whose value a double holds exactly (48 bits < 2^53): the common money and quantity columns. */
const MAX_EXACT_BYTES = 6;

/** The text of a decimal's unscaled bytes at `scale`; a double does the arithmetic when it is exact. */
export function decimalText(bytes: Uint8Array, scale: number): string {
  if (bytes.length === 0 || bytes.length > MAX_EXACT_BYTES)
    return scaledDecimal(unscaledFromBytes(bytes), scale);
  let unsigned = 0;
  for (const byte of bytes) unsigned = unsigned * 256 + byte;
  const negative = (bytes[0] ?? 0) >= 0x80;
  const magnitude = negative ? 2 ** (bytes.length * 8) - unsigned : unsigned;
  return scaledDigits(negative, String(magnitude), scale);
}

/** A Connect Decimal sent as base64 (JsonConverter's default `decimal.format=BASE64`). */
export function decimalFromBase64(base64: string, scale: number): E.Either<string, string> {
  const bytes = decodeBase64(base64);
  return E.isLeft(bytes) ? bytes : E.right(decimalText(bytes.right, scale));
}

/**
 * PostgreSQL NUMERIC holds at most 131072 digits before the point and 16383 after; an exponent
 * beyond that cannot be a NUMERIC value and must not make us build a huge string.
 */
const MAX_EXPANDED_EXPONENT = 147_455;

const JSON_NUMBER = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/**
 * A JSON number's text as plain decimal text with at least `scale` fraction digits (padding
 * zeros: a Decimal's scale is part of the value PostgreSQL prints). Exponents are expanded with
 * string arithmetic, so '1.5E-7' → '0.00000015' without rounding.
 */
export function plainDecimal(text: string, scale: number): E.Either<string, string> {
  const match = JSON_NUMBER.exec(text);
  if (match === null) return E.left(`not a decimal number: ${text}`);
  const [, sign = '', intPart = '', fraction = '', exponentText = '0'] = match;
  const exponent = Number(exponentText);
  let digits = intPart + fraction;
  let pointAt = intPart.length + exponent; // position of the decimal point within `digits`
  if (!Number.isSafeInteger(pointAt) || Math.abs(exponent) > MAX_EXPANDED_EXPONENT) {
    return E.left(`decimal exponent out of range: ${text}`);
  }
  if (pointAt < 0) {
    digits = '0'.repeat(-pointAt) + digits;
    pointAt = 0;
  }
  if (pointAt > digits.length) digits = digits + '0'.repeat(pointAt - digits.length);
  const whole = digits.slice(0, pointAt).replace(/^0+(?=\d)/, '') || '0';
  const frac = digits.slice(pointAt).padEnd(Math.max(scale, 0), '0');
  const isZero = /^0*$/.test(whole + frac);
  return E.right(`${isZero ? '' : sign}${whole}${frac === '' ? '' : `.${frac}`}`);
}
