import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { ExactNumber, needsLosslessParse, parseJson, stringifyJson } from '../../src/debezium/parse-json.js';

const parsed = (text: string) => {
  const result = parseJson(text);
  if (E.isLeft(result)) throw new Error(result.left);
  return result.right;
};

describe('parseJson', () => {
  it('takes the native fast path when no number can lose precision', () => {
    const text = '{"id":1,"price":12.5,"ts_ms":1718000000123,"name":"x","ok":true,"n":null,"a":[1,2]}';
    expect(needsLosslessParse(text)).toBe(false);
    expect(parsed(text)).toEqual({
      id: 1,
      price: 12.5,
      ts_ms: 1718000000123,
      name: 'x',
      ok: true,
      n: null,
      a: [1, 2],
    });
  });

  it('keeps int64 max and min digit for digit', () => {
    const text = '{"max":9223372036854775807,"min":-9223372036854775808,"safe":9007199254740991}';
    expect(needsLosslessParse(text)).toBe(true);
    expect(parsed(text)).toEqual({
      max: new ExactNumber('9223372036854775807'),
      min: new ExactNumber('-9223372036854775808'),
      safe: 9007199254740991,
    });
  });

  it('keeps 2^53 + 1, which JSON.parse rounds to 2^53', () => {
    expect(JSON.parse('9007199254740993')).toBe(9007199254740992);
    expect(parsed('[9007199254740993]')).toEqual([new ExactNumber('9007199254740993')]);
  });

  it('sends decimals of 16+ digits, split by the point or not, and huge exponents to the lossless parser', () => {
    expect(needsLosslessParse('12345678.123456789')).toBe(true);
    expect(parsed('[12345678.123456789]')).toEqual([new ExactNumber('12345678.123456789')]);
    expect(parsed('[1E+400, 1e-400]')).toEqual([new ExactNumber('1E+400'), new ExactNumber('1e-400')]);
    expect(needsLosslessParse('[1.5E-7, 123456789012345]')).toBe(false);
  });

  it('returns a Left for text that is not JSON, on both paths', () => {
    expect(E.isLeft(parseJson('not json'))).toBe(true);
    expect(E.isLeft(parseJson('{"a":12345678901234567890'))).toBe(true);
    expect(E.isLeft(parseJson(''))).toBe(true);
  });

  it('keeps emoji and combining marks in strings', () => {
    // No normalisation: e + U+0301 stays two code points, never the precomposed é (U+00E9).
    expect(parsed('{"s":"e\\u0301 👩‍👩‍👧 \\ud83d\\ude00"}')).toEqual({
      s: 'e\u0301 👩\u200d👩\u200d👧 \u{1F600}',
    });
  });
});

describe('stringifyJson', () => {
  it('writes ExactNumbers back with their digits', () => {
    const value = parsed('{"a":[9223372036854775807,1.5,"x",null,{"b":false}]}');
    expect(stringifyJson(value)).toBe('{"a":[9223372036854775807,1.5,"x",null,{"b":false}]}');
  });
});

describe('parseJson: the rewrite path for messages with some unsafe numbers', () => {
  it('keeps safe numbers as numbers and unsafe ones exact, strings untouched', () => {
    const text =
      '{"ts_ns":1718000000123456789,"ts_us":1718000000123456,"f":0.30000000000000004,"s":"12345678901234567890","n":-1}';
    expect(parsed(text)).toEqual({
      ts_ns: new ExactNumber('1718000000123456789'),
      ts_us: 1718000000123456,
      f: 0.30000000000000004,
      s: '12345678901234567890',
      n: -1,
    });
  });

  it('keeps escaped quotes and backslashes inside strings intact around rewritten numbers', () => {
    const text = '["a\\"b\\\\",9223372036854775807,"\\\\",-9223372036854775808]';
    expect(parsed(text)).toEqual([
      'a"b\\',
      new ExactNumber('9223372036854775807'),
      '\\',
      new ExactNumber('-9223372036854775808'),
    ]);
  });

  it('leaves a NUL-led string a string (the lossless parser takes such text)', () => {
    expect(parsed('["\\u00001",9223372036854775807]')).toEqual([
      '\u00001',
      new ExactNumber('9223372036854775807'),
    ]);
  });

  it('does not turn broken JSON into valid JSON', () => {
    expect(E.isLeft(parseJson('{"a": "open 12345678901234567890}'))).toBe(true);
    expect(E.isLeft(parseJson('[12345678901234567890x]'))).toBe(true);
    expect(E.isLeft(parseJson('[1.2.3456789012345678]'))).toBe(true);
    expect(E.isLeft(parseJson('[01234567890123456789]'))).toBe(true);
  });
});

describe('needsLosslessParse on 16-digit integers', () => {
  it('lets microsecond timestamps (16 digits below 2^53) take the native path', () => {
    expect(needsLosslessParse('{"created_at":1795515020370494,"n":-1795515020370494}')).toBe(false);
    expect(parsed('[1795515020370494]')).toEqual([1795515020370494]);
  });

  it('still sends 16-digit integers from 9e15, longer runs and 16-digit decimals to the exact paths', () => {
    expect(needsLosslessParse('[9007199254740993]')).toBe(true);
    expect(needsLosslessParse('[1795515020370494, 12345678901234567]')).toBe(true);
    expect(needsLosslessParse('[1234567890123456.5]')).toBe(true);
    expect(needsLosslessParse('[1234567890123456e3]')).toBe(true);
  });
});

describe('needsLosslessParse on exponents and number-like runs', () => {
  it('takes three exponent digits for a possible overflow or underflow, two for safe', () => {
    expect(needsLosslessParse('[1e-5, 2.5E+99, 7e10]')).toBe(false);
    expect(needsLosslessParse('[1E+308]')).toBe(true);
    expect(needsLosslessParse('[5e-324]')).toBe(true);
    expect(parsed('[1e400]')).toEqual([new ExactNumber('1e400')]);
  });

  it('skips the contents of strings, whose digits never become a number', () => {
    expect(needsLosslessParse('{"id":"e4eaaaf2-d142-11e1-b3e4-080027620cdd","ts":"2023-01-01"}')).toBe(false);
    expect(needsLosslessParse('{"s":"12345678901234567"}')).toBe(false);
    expect(needsLosslessParse('{"s":"e+123"}')).toBe(false);
    // An escaped quote does not end the string; an escaped backslash before a quote does.
    expect(needsLosslessParse('{"s":"a\\"12345678901234567\\"","n":1}')).toBe(false);
    expect(needsLosslessParse('{"s":"a\\\\","n":12345678901234567}')).toBe(true);
    expect(parsed('{"s":"a\\\\","n":12345678901234567}')).toEqual({
      s: 'a\\',
      n: new ExactNumber('12345678901234567'),
    });
    expect(parsed('{"s":"12345678901234567","n":12345678901234567}')).toEqual({
      s: '12345678901234567',
      n: new ExactNumber('12345678901234567'),
    });
  });
});
