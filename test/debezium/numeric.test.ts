import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import {
  decimalFromBase64,
  decimalText,
  plainDecimal,
  scaledDecimal,
  unscaledFromBytes,
} from '../../src/debezium/numeric.js';

describe('decimalFromBase64 (Connect Decimal, big-endian two’s complement)', () => {
  it.each([
    ['AeI=', 2, '4.82'],
    ['A6DJIHXA2/O4rLxfls4/CtI=', 10, '123456789012345678901234567890.1234567890'], // 40 significant digits
    ['/F8234o/JAxHU0OgaTHA9S4=', 10, '-123456789012345678901234567890.1234567890'],
    ['SztMqFqGxHoJiiI//////w==', 0, '99999999999999999999999999999999999999'],
    ['+w==', 3, '-0.005'],
    ['/w==', 0, '-1'],
    ['AA==', 2, '0.00'],
    ['ew==', 0, '123'],
    ['fw==', 0, '127'],
    ['AIA=', 0, '128'], // a leading 0x00 keeps 0x80 positive
    ['/4A=', 0, '-128'],
    ['/38=', 0, '-129'],
    ['ew==', -2, '12300'], // PostgreSQL 15 allows a negative scale
  ])('%s with scale %i is %s', (base64, scale, text) => {
    expect(decimalFromBase64(base64, scale)).toEqual(E.right(text));
  });

  it('refuses what is not base64', () => {
    expect(E.isLeft(decimalFromBase64('12.5', 2))).toBe(true);
  });
});

describe('scaledDecimal', () => {
  it('puts leading zeros after the point', () => {
    expect(scaledDecimal(1n, 6)).toBe('0.000001');
    expect(scaledDecimal(-100n, 2)).toBe('-1.00');
    expect(scaledDecimal(0n, -3)).toBe('0');
  });
});

describe('plainDecimal (decimal.format=NUMERIC)', () => {
  it.each([
    ['12.3', 2, '12.30'],
    ['-0.5', 1, '-0.5'],
    ['100', 0, '100'],
    ['1.5E-7', 8, '0.00000015'],
    ['1.5E+3', 2, '1500.00'],
    ['-0.0', 1, '0.0'],
    ['123456789012345678901234567890.1234567890', 10, '123456789012345678901234567890.1234567890'],
  ])('%s with scale %i is %s', (text, scale, expected) => {
    expect(plainDecimal(text, scale)).toEqual(E.right(expected));
  });

  it('refuses an exponent no NUMERIC can have', () => {
    expect(E.isLeft(plainDecimal('1E+999999', 0))).toBe(true);
  });
});

describe('decimalText', () => {
  it("gives the BigInt path's text for every width, sign and scale, with doubles where they are exact", () => {
    const random = (() => {
      let state = 12345;
      return () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
    })();
    const edges = [
      [0x00],
      [0x7f],
      [0x80],
      [0xff],
      [0x80, 0, 0, 0, 0, 0],
      [0x7f, 0xff, 0xff, 0xff, 0xff, 0xff],
    ];
    const randoms = Array.from({ length: 400 }, (_, i) =>
      Array.from({ length: 1 + (i % 9) }, () => Math.floor(random() * 256)),
    );
    for (const bytes of [...edges, ...randoms]) {
      for (const scale of [-2, 0, 1, 2, 5, 12]) {
        const array = Uint8Array.from(bytes);
        expect(decimalText(array, scale), `${bytes.join(',')} scale ${scale}`).toBe(
          scaledDecimal(unscaledFromBytes(array), scale),
        );
      }
    }
    expect(decimalText(Uint8Array.from([0xff, 0x85]), 2)).toBe('-1.23');
  });
});
