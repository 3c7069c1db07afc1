import * as E from 'fp-ts/lib/Either.js';

/**
 * Binary values: Connect `bytes` travel as standard base64 in JSON (Jackson's default variant,
 * padded, no line breaks). PostgreSQL's text form of bytea is the hex format, `\x` + two lower-case
 * hex digits per byte (`bytea_output = hex`, the default since 9.0).
 */

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64_URL = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}(?:==)?|[A-Za-z0-9_-]{3}=?)?$/;
const HEX = /^(?:[0-9A-Fa-f]{2})*$/;

/** Strict base64 (Node's decoder skips what it does not understand; a bad value must be a Failure). */
export const decodeBase64 = (text: string): E.Either<string, Uint8Array> =>
  BASE64.test(text) ? E.right(Buffer.from(text, 'base64')) : E.left('valid base64');

/** base64url as Debezium's `binary.handling.mode=base64-url-safe` writes it. */
export const decodeBase64Url = (text: string): E.Either<string, Uint8Array> =>
  BASE64_URL.test(text) ? E.right(Buffer.from(text, 'base64url')) : E.left('valid base64url');

/** Hex as Debezium's `binary.handling.mode=hex` writes it (no `\x` prefix). */
export const decodeHex = (text: string): E.Either<string, Uint8Array> =>
  HEX.test(text) ? E.right(Buffer.from(text, 'hex')) : E.left('valid hex');

/** bytea text in hex format: '\x' followed by the bytes in hex. */
export const byteaText = (bytes: Uint8Array): string => `\\x${Buffer.from(bytes).toString('hex')}`;

/**
 * Bits → PostgreSQL bit-string text, '0'/'1' characters, most significant first.
 * Debezium (`PostgresValueConverter.convertBits`) reads bit i from the right of the PostgreSQL text
 * into `BitSet` index i and sends `BitSet.toByteArray()`: little-endian, index 0 is the low bit of
 * byte 0, with high zero bytes dropped. The bit count comes from the schema's `length` parameter;
 * the leading zeros of a shorter VARBIT value are lost by Debezium and cannot be recovered.
 */
export function bitsText(bytes: Uint8Array, length: number): string {
  let text = '';
  for (let i = length - 1; i >= 0; i--) {
    const byte = bytes[i >> 3] ?? 0;
    text += (byte >> (i & 7)) & 1 ? '1' : '0';
  }
  return text;
}

/** The number of bits actually set in little-endian Bits bytes (index of the highest 1, plus one). */
export function bitsUsed(bytes: Uint8Array): number {
  for (let i = bytes.length - 1; i >= 0; i--) {
    const byte = bytes[i] ?? 0;
    if (byte !== 0) return i * 8 + (32 - Math.clz32(byte));
  }
  return 0;
}
