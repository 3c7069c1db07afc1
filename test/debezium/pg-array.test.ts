import { describe, expect, it } from 'vitest';
import { arrayLiteral, hstoreLiteral } from '../../src/debezium/pg-array.js';

describe('arrayLiteral (as array_out prints)', () => {
  it('leaves plain elements bare and writes NULL for SQL NULL', () => {
    expect(arrayLiteral(['1', null, 'abc'])).toBe('{1,NULL,abc}');
    expect(arrayLiteral([])).toBe('{}');
  });

  it('quotes empty strings, the word null, quotes, backslashes, commas, braces and white space', () => {
    expect(arrayLiteral(['', 'NULL', 'null', 'a"b', 'c\\d', 'e,f', '{g}', 'h i', 'j\tk', 'l\nm'])).toBe(
      '{"","NULL","null","a\\"b","c\\\\d","e,f","{g}","h i","j\tk","l\nm"}',
    );
  });

  it('keeps emoji and combining marks as they are', () => {
    expect(arrayLiteral(['👩‍💻', 'e\u0301'])).toBe('{👩‍💻,e\u0301}');
  });

  it('delimits box elements with semicolons, and quotes a semicolon instead of a comma there', () => {
    expect(arrayLiteral(['(1,1),(0,0)', '(2,2),(1,1)', null], ';')).toBe('{(1,1),(0,0);(2,2),(1,1);NULL}');
    expect(arrayLiteral(['a;b', ''], ';')).toBe('{"a;b";""}');
  });

  it('nests multidimensional arrays', () => {
    expect(
      arrayLiteral([
        ['1', '2'],
        ['3', null],
      ]),
    ).toBe('{{1,2},{3,NULL}}');
  });
});

describe('hstoreLiteral (as hstore_out prints)', () => {
  it('quotes every key and value and escapes quotes and backslashes', () => {
    expect(
      hstoreLiteral([
        ['a', '1'],
        ['b "q"', null],
        ['c\\', ''],
      ]),
    ).toBe('"a"=>"1", "b \\"q\\""=>NULL, "c\\\\"=>""');
  });
});
