import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import type { ConnectSchema } from '../../src/debezium/connect-schema.js';
import { type ConvertOptions, valueText } from '../../src/debezium/convert-value.js';
import { type DebeziumLoss, LOSS_REASONS, NEVER_CARRIED } from '../../src/debezium/losses.js';
import { type Json, parseJson } from '../../src/debezium/parse-json.js';

const options: ConvertOptions = {
  binaryHandlingMode: 'bytes',
  acceptLosses: new Set(),
  refuseNeverCarried: true,
};
const withMode = (binaryHandlingMode: ConvertOptions['binaryHandlingMode']): ConvertOptions => ({
  ...options,
  binaryHandlingMode,
});
const accepting = (...losses: DebeziumLoss[]): ConvertOptions => ({
  ...options,
  acceptLosses: new Set(losses),
});

/** Converts the JSON text of a value (parsed losslessly, as in a real message) with a schema. */
function text(schema: ConnectSchema, json: string, opts: ConvertOptions = options) {
  const value = parseJson(json);
  if (E.isLeft(value)) throw new Error(value.left);
  return valueText(schema, value.right as Json, opts);
}
const ok = (value: string | null) => E.right(value);
const failed = (result: E.Either<string, unknown>) => E.isLeft(result);

const decimal = (scale: string): ConnectSchema => ({
  type: 'bytes',
  optional: true,
  name: 'org.apache.kafka.connect.data.Decimal',
  version: 1,
  parameters: { scale, 'connect.decimal.precision': '40' },
});
const named = (
  type: ConnectSchema['type'],
  name: string,
  parameters?: Record<string, string>,
): ConnectSchema => ({
  type,
  optional: true,
  name,
  version: 1,
  ...(parameters ? { parameters } : {}),
});
const source = (type: ConnectSchema['type'], columnType: string): ConnectSchema => ({
  type,
  optional: true,
  parameters: {
    '__debezium.source.column.type': columnType,
    '__debezium.source.column.length': '2147483647',
  },
});

describe('integers', () => {
  it('writes int8/16/32 digits and refuses out-of-range or fractional values', () => {
    expect(text({ type: 'int16', optional: false }, '-32768')).toEqual(ok('-32768'));
    expect(text({ type: 'int32', optional: false }, '2147483647')).toEqual(ok('2147483647'));
    expect(failed(text({ type: 'int16', optional: false }, '32768'))).toBe(true);
    expect(failed(text({ type: 'int32', optional: false }, '1.5'))).toBe(true);
    expect(failed(text({ type: 'int32', optional: false }, '"1"'))).toBe(true);
  });

  it('keeps int64 max and min exact', () => {
    expect(text({ type: 'int64', optional: false }, '9223372036854775807')).toEqual(
      ok('9223372036854775807'),
    );
    expect(text({ type: 'int64', optional: false }, '-9223372036854775808')).toEqual(
      ok('-9223372036854775808'),
    );
    expect(text({ type: 'int64', optional: false }, '9007199254740993')).toEqual(ok('9007199254740993'));
    expect(failed(text({ type: 'int64', optional: false }, '9223372036854775808'))).toBe(true);
  });
});

describe('floats', () => {
  const float64: ConnectSchema = { type: 'float64', optional: true };
  it.each([
    ['3.141592653589793', '3.141592653589793'],
    ['1.0E20', '100000000000000000000'],
    ['-0.0', '-0'],
    ['4.9E-324', '5e-324'],
    ['"NaN"', 'NaN'],
    ['"Infinity"', 'Infinity'],
    ['"-Infinity"', '-Infinity'],
  ])('float64 %s is %s', (json, expected) => {
    expect(text(float64, json)).toEqual(ok(expected));
  });

  it('writes a float32 with its own shortest digits', () => {
    expect(text({ type: 'float32', optional: true }, '3.4028235E38')).toEqual(ok('3.4028235e+38'));
    expect(text({ type: 'float32', optional: true }, '0.1')).toEqual(ok('0.1'));
  });

  it('refuses other strings', () => {
    expect(failed(text(float64, '"nan"'))).toBe(true);
  });
});

describe('booleans, strings, bytes', () => {
  it('writes booleans as true/false, or 1/0 for a propagated bit(1)', () => {
    expect(text({ type: 'boolean', optional: false }, 'true')).toEqual(ok('true'));
    expect(text({ type: 'boolean', optional: false }, 'false')).toEqual(ok('false'));
    expect(text(source('boolean', 'BIT'), 'true')).toEqual(ok('1'));
  });

  it('passes text through untouched: emoji, combining marks, quotes, backslashes, NUL-free control chars', () => {
    const value = 'Zoë 👩‍💻 e\u0301 "q" \\ \t\n';
    expect(text({ type: 'string', optional: true }, JSON.stringify(value))).toEqual(ok(value));
  });

  it('writes bytea as \\x and lower-case hex', () => {
    expect(text({ type: 'bytes', optional: true }, '"AAEC3q2+7/8="')).toEqual(ok('\\x000102deadbeefff'));
    expect(text({ type: 'bytes', optional: true }, '""')).toEqual(ok('\\x'));
    expect(failed(text({ type: 'bytes', optional: true }, '"not base64!"'))).toBe(true);
  });

  it('decodes a bytea sent as a string when the source type and the mode are known', () => {
    const bytea = source('string', 'BYTEA');
    expect(text(bytea, '"AAEC3q2+7/8="', withMode('base64'))).toEqual(ok('\\x000102deadbeefff'));
    expect(text(bytea, '"AAEC3q2-7_8"', withMode('base64-url-safe'))).toEqual(ok('\\x000102deadbeefff'));
    expect(text(bytea, '"000102deadbeefff"', withMode('hex'))).toEqual(ok('\\x000102deadbeefff'));
    expect(failed(text(bytea, '"AAEC"'))).toBe(true); // mode 'bytes' cannot explain a string
  });

  it('reads an unknown type sent as bytes (include.unknown.datatypes) as its UTF-8 text', () => {
    expect(
      text(source('bytes', 'TSQUERY'), JSON.stringify(Buffer.from("'a' & 'b'").toString('base64'))),
    ).toEqual(ok("'a' & 'b'"));
  });

  it('passes string-encoded logical types through as their text', () => {
    expect(text(named('string', 'io.debezium.data.Json'), '"{\\"a\\": [1, 2]}"')).toEqual(
      ok('{"a": [1, 2]}'),
    );
    expect(text(named('string', 'io.debezium.data.Uuid'), '"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"')).toEqual(
      ok('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
    );
    expect(text(named('string', 'io.debezium.data.Xml'), '"<a>b</a>"')).toEqual(ok('<a>b</a>'));
    expect(text(named('string', 'io.debezium.data.Enum', { allowed: 'red,green' }), '"green"')).toEqual(
      ok('green'),
    );
    expect(text(named('string', 'io.debezium.time.ZonedTimestamp'), '"2024-06-10T06:13:20.123456Z"')).toEqual(
      ok('2024-06-10T06:13:20.123456Z'),
    );
    expect(
      text(named('string', 'io.debezium.time.ZonedTime'), '"06:13:20.5Z"', accepting('timetz-offset')),
    ).toEqual(ok('06:13:20.5Z'));
    expect(text(named('string', 'io.debezium.time.Interval'), '"P1Y2M3DT4H5M6.78S"')).toEqual(
      ok('P1Y2M3DT4H5M6.78S'),
    );
    expect(text(named('string', 'com.example.Unknown'), '"as is"')).toEqual(ok('as is'));
    expect(text(named('int32', 'io.debezium.time.Year'), '2024')).toEqual(ok('2024'));
  });
});

describe('NUMERIC', () => {
  it('converts Decimal bytes with their scale, all digits kept', () => {
    expect(text(decimal('10'), '"A6DJIHXA2/O4rLxfls4/CtI="')).toEqual(
      ok('123456789012345678901234567890.1234567890'),
    );
    expect(text(decimal('10'), '"/F8234o/JAxHU0OgaTHA9S4="')).toEqual(
      ok('-123456789012345678901234567890.1234567890'),
    );
    expect(text(decimal('0'), '"ew=="')).toEqual(ok('123'));
  });

  it('converts money (Decimal with scale 2)', () => {
    expect(text(decimal('2'), '"+w=="')).toEqual(ok('-0.05'));
  });

  it('converts Decimal written as a JSON number (decimal.format=NUMERIC)', () => {
    expect(text(decimal('2'), '12.3')).toEqual(ok('12.30'));
    expect(text(decimal('10'), '123456789012345678901234567890.1234567890')).toEqual(
      ok('123456789012345678901234567890.1234567890'),
    );
  });

  it('refuses a Decimal without a scale', () => {
    expect(
      failed(
        text({ type: 'bytes', optional: true, name: 'org.apache.kafka.connect.data.Decimal' }, '"ew=="'),
      ),
    ).toBe(true);
  });

  it('converts VariableScaleDecimal structs', () => {
    const schema: ConnectSchema = {
      type: 'struct',
      fields: [
        { type: 'int32', optional: false, field: 'scale' },
        { type: 'bytes', optional: false, field: 'value' },
      ],
      optional: true,
      name: 'io.debezium.data.VariableScaleDecimal',
      version: 1,
      doc: 'Variable scaled decimal',
    };
    expect(text(schema, '{"scale":3,"value":"+w=="}')).toEqual(ok('-0.005'));
    expect(text(schema, '{"scale":10,"value":"A6DJIHXA2/O4rLxfls4/CtI="}')).toEqual(
      ok('123456789012345678901234567890.1234567890'),
    );
    expect(failed(text(schema, '{"scale":3}'))).toBe(true);
  });

  it('passes decimal.handling.mode=string through, mapping specials when the source type is numeric', () => {
    expect(text({ type: 'string', optional: true }, '"1234.5600"')).toEqual(ok('1234.5600'));
    expect(text({ type: 'string', optional: true }, '"NAN"')).toEqual(ok('NAN')); // could be any text
    expect(text(source('string', 'NUMERIC'), '"NAN"')).toEqual(ok('NaN'));
    expect(text(source('string', 'NUMERIC'), '"POSITIVE_INFINITY"')).toEqual(ok('Infinity'));
    expect(text(source('string', 'NUMERIC'), '"NEGATIVE_INFINITY"')).toEqual(ok('-Infinity'));
  });

  it('passes decimal.handling.mode=double through as the double it is', () => {
    expect(text({ type: 'float64', optional: true }, '1234.56')).toEqual(ok('1234.56'));
  });
});

describe('temporal types', () => {
  it.each([
    [named('int32', 'io.debezium.time.Date'), '-165', '1969-07-20'],
    [named('int32', 'org.apache.kafka.connect.data.Date'), '-719163', '0001-12-31 BC'],
    [named('int32', 'io.debezium.time.Time'), '45296789', '12:34:56.789'],
    [named('int32', 'org.apache.kafka.connect.data.Time'), '0', '00:00:00'],
    [named('int64', 'io.debezium.time.MicroTime'), '86400000000', '24:00:00'],
    [named('int64', 'io.debezium.time.NanoTime'), '45296789012345', '12:34:56.789012345'],
    [named('int64', 'io.debezium.time.Timestamp'), '-1', '1969-12-31 23:59:59.999'],
    [named('int64', 'org.apache.kafka.connect.data.Timestamp'), '1718000000123', '2024-06-10 06:13:20.123'],
    [named('int64', 'io.debezium.time.MicroTimestamp'), '-14182939999999', '1969-07-20 20:17:40.000001'],
    [named('int64', 'io.debezium.time.MicroTimestamp'), '5711817599999999', '2150-12-31 23:59:59.999999'],
    [named('int64', 'io.debezium.time.MicroTimestamp'), '9223372036825200000', 'infinity'],
    [
      named('int64', 'io.debezium.time.NanoTimestamp'),
      '1718000000123456789',
      '2024-06-10 06:13:20.123456789',
    ],
    [named('double', 'io.debezium.time.MicroDuration'), '3.723000004E9', '01:02:03.000004'],
    [named('int64', 'io.debezium.time.MicroDuration'), '9467280000000002', '2629800:00:00.000002'],
    [named('int64', 'io.debezium.time.MicroDuration'), '9223372036854775806', '2562047788:00:54.775806'],
    [
      named('string', 'io.debezium.time.ZonedTimestamp'),
      '"+10000-01-01T00:00:00.000000Z"',
      '10000-01-01 00:00:00.000000+00',
    ],
    [
      named('string', 'io.debezium.time.ZonedTimestamp'),
      '"-0043-03-15T12:00:00.000000Z"',
      '0044-03-15 12:00:00.000000+00 BC',
    ],
  ])('%o %s', (schema, json, expected) => {
    expect(text(schema, json)).toEqual(ok(expected));
  });

  it('refuses a time past 24:00 and a date that is not an int32', () => {
    expect(failed(text(named('int64', 'io.debezium.time.MicroTime'), '86400000001'))).toBe(true);
    expect(failed(text(named('int32', 'io.debezium.time.Date'), '"2024-01-01"'))).toBe(true);
    expect(failed(text(named('int64', 'io.debezium.time.MicroDuration'), '1.5'))).toBe(true);
  });

  it('refuses the MicroDuration Debezium clamps to when an interval overflows its long', () => {
    // '178000000 years' and '-178000000 years' in interval.handling.mode=numeric (Debezium 3.6).
    const duration = named('int64', 'io.debezium.time.MicroDuration');
    const clamped = (bound: string) =>
      E.left(
        `io.debezium.time.MicroDuration is ${bound}: Debezium clamped an interval it could not hold ` +
          '(interval.handling.mode=string carries it exactly)',
      );
    expect(text(duration, '9223372036854775807')).toEqual(clamped('Long.MAX_VALUE'));
    expect(text(duration, '-9223372036854775808')).toEqual(clamped('Long.MIN_VALUE'));
    expect(failed(text(named('string', 'io.debezium.time.ZonedTimestamp'), '0'))).toBe(true);
  });
});

describe('arrays', () => {
  const textArray: ConnectSchema = {
    type: 'array',
    items: { type: 'string', optional: true },
    optional: true,
  };

  it('writes text[] with NULL, quotes, backslashes, commas, braces and empty strings quoted', () => {
    expect(text(textArray, '["plain",null,"a \\"q\\"","back\\\\slash","x,y","{b}","","NULL","👩‍💻"]')).toEqual(
      ok('{plain,NULL,"a \\"q\\"","back\\\\slash","x,y","{b}","","NULL",👩‍💻}'),
    );
    expect(text(textArray, '[]')).toEqual(ok('{}'));
  });

  it('converts each element by the items schema', () => {
    const ints: ConnectSchema = { type: 'array', items: { type: 'int64', optional: true }, optional: true };
    expect(text(ints, '[1,null,9223372036854775807]')).toEqual(ok('{1,NULL,9223372036854775807}'));
    const stamps: ConnectSchema = {
      type: 'array',
      items: named('int64', 'io.debezium.time.MicroTimestamp'),
      optional: true,
    };
    expect(text(stamps, '[0,-1]')).toEqual(ok('{"1970-01-01 00:00:00","1969-12-31 23:59:59.999999"}'));
    const byteas: ConnectSchema = { type: 'array', items: { type: 'bytes', optional: true }, optional: true };
    expect(text(byteas, '["3q0="]')).toEqual(ok('{"\\\\xdead"}'));
    const decimals: ConnectSchema = { type: 'array', items: decimal('2'), optional: true };
    expect(text(decimals, '["AeI=","+w=="]')).toEqual(ok('{4.82,-0.05}'));
  });

  it('nests arrays of arrays', () => {
    const matrix: ConnectSchema = {
      type: 'array',
      items: { type: 'array', items: { type: 'int32', optional: true }, optional: true },
      optional: true,
    };
    expect(text(matrix, '[[1,2],[3,null]]')).toEqual(ok('{{1,2},{3,NULL}}'));
  });

  it('refuses the Java references Debezium sends for the rows of a multidimensional array', () => {
    // text[][] '{{a,b},{c,d}}' as Debezium 3.6 sends it, snapshot and streaming alike.
    const refused = text(textArray, '["[Ljava.lang.String;@47056e8d","[Ljava.lang.String;@123f7d97"]');
    expect(refused).toEqual(
      E.left('array element is a Java array reference: Debezium does not carry multidimensional arrays'),
    );
    expect(text(textArray, '["[Ljava.lang.String;@ text", "[I@1f"]')).toEqual(
      E.left('array element is a Java array reference: Debezium does not carry multidimensional arrays'),
    );
    expect(text(textArray, '["[Ljava.lang.String;@ with a space", "[x@1f"]')).toEqual(
      ok('{"[Ljava.lang.String;@ with a space",[x@1f}'),
    );
  });

  it('fails the whole array when one element does not match', () => {
    const ints: ConnectSchema = { type: 'array', items: { type: 'int32', optional: true }, optional: true };
    expect(failed(text(ints, '[1,"two"]'))).toBe(true);
    expect(failed(text(ints, '"{1,2}"'))).toBe(true);
  });
});

describe('maps, structs and other logical types', () => {
  it('writes hstore (map mode) as an hstore literal', () => {
    const hstore: ConnectSchema = {
      type: 'map',
      keys: { type: 'string', optional: false },
      values: { type: 'string', optional: true },
      optional: true,
    };
    expect(text(hstore, '{"a":"1","b \\"q\\"":null}')).toEqual(ok('"a"=>"1", "b \\"q\\""=>NULL'));
  });

  it('writes an empty hstore (map mode) as the empty literal', () => {
    const hstore: ConnectSchema = {
      type: 'map',
      keys: { type: 'string', optional: false },
      values: { type: 'string', optional: true },
      optional: true,
    };
    expect(text(hstore, '{}')).toEqual(ok(''));
  });

  describe('hstore as JSON (io.debezium.data.Json, source type HSTORE: hstore.handling.mode=json)', () => {
    const hstore: ConnectSchema = {
      ...named('string', 'io.debezium.data.Json'),
      parameters: { '__debezium.source.column.type': 'HSTORE' },
    };
    const json = (object: Record<string, string | null>): string => JSON.stringify(JSON.stringify(object));

    it('quotes keys and values, escapes quotes and backslashes, keeps NULL values', () => {
      expect(text(hstore, json({ 'a b': 'c,d', 'q"': 'x=>y\\', e: null, NULL: 'NULL', '': '' }))).toEqual(
        ok('"a b"=>"c,d", "q\\""=>"x=>y\\\\", "e"=>NULL, "NULL"=>"NULL", ""=>""'),
      );
    });

    it('writes an empty hstore as the empty literal', () => {
      expect(text(hstore, json({}))).toEqual(ok(''));
    });

    it('keeps a key named __proto__ (JSON.parse makes it an own key, not the prototype)', () => {
      expect(text(hstore, JSON.stringify('{"__proto__":"p","k":"12345678901234567890"}'))).toEqual(
        ok('"__proto__"=>"p", "k"=>"12345678901234567890"'),
      );
    });

    it('refuses JSON that is not an object of strings and nulls', () => {
      expect(failed(text(hstore, JSON.stringify('[1]')))).toBe(true);
      expect(failed(text(hstore, JSON.stringify('{"a":1}')))).toBe(true);
      expect(failed(text(hstore, JSON.stringify('not json')))).toBe(true);
    });

    it('leaves json and jsonb (another source type) as they are', () => {
      const jsonb = {
        ...named('string', 'io.debezium.data.Json'),
        parameters: { '__debezium.source.column.type': 'JSONB' },
      };
      expect(text(jsonb, JSON.stringify('{"a": "1"}'))).toEqual(ok('{"a": "1"}'));
    });

    it('converts each item of an hstore[] (the source type sits on the array schema)', () => {
      const array: ConnectSchema = {
        type: 'array',
        items: named('string', 'io.debezium.data.Json'),
        optional: true,
        parameters: { '__debezium.source.column.type': '_HSTORE' },
      };
      expect(text(array, JSON.stringify(['{"a":"1"}', null, '{}']))).toEqual(
        ok('{"\\"a\\"=>\\"1\\"",NULL,""}'),
      );
    });
  });

  it('reads the bytes of array items of a type Debezium does not know as their text (a composite, a domain)', () => {
    const composites = (arrayType: string): ConnectSchema => ({
      type: 'array',
      items: { type: 'bytes', optional: true },
      optional: true,
      parameters: { '__debezium.source.column.type': arrayType },
    });
    const items = JSON.stringify([Buffer.from('(1,a)').toString('base64'), null]);
    expect(text(composites('"S"."_PAIR"'), items)).toEqual(ok('{"(1,a)",NULL}'));
    expect(text(composites('_PAIR'), items)).toEqual(ok('{"(1,a)",NULL}'));
    expect(text(composites('_BYTEA'), items)).toEqual(ok('{"\\\\x28312c6129",NULL}'));
  });

  it('writes bit(n) with the declared length, most significant bit first', () => {
    const bit = (length: string): ConnectSchema => ({
      ...named('bytes', 'io.debezium.data.Bits', { length }),
      parameters: { length, '__debezium.source.column.type': 'BIT' },
    });
    expect(text(bit('8'), '"Cw=="')).toEqual(ok('00001011'));
    expect(text(bit('8'), '"oA=="')).toEqual(ok('10100000'));
    expect(text(bit('16'), '"AQE="')).toEqual(ok('0000000100000001'));
    expect(text(bit('3'), '"AQE="')).toSatisfy(failed);
  });

  describe('varbit, whose real length Debezium drops (it sends the declared maximum)', () => {
    const varbit = (length: string): ConnectSchema => ({
      ...named('bytes', 'io.debezium.data.Bits', { length }),
      parameters: { length, '__debezium.source.column.type': 'VARBIT' },
    });

    it("refuses a value shorter than the maximum: B'101' in a varbit(16) is not 0000000000000101", () => {
      expect(valueAt(text(varbit('16'), '"BQ=="'))).toBe(LOSS_REASONS['varbit-length']);
      expect(valueAt(text(varbit('4'), '""'))).toBe(LOSS_REASONS['varbit-length']);
    });

    it('writes a value whose highest bit sits at the maximum: nothing was lost', () => {
      expect(text(varbit('3'), '"BQ=="')).toEqual(ok('101'));
    });

    it("pads to the maximum only when the 'varbit-length' loss is accepted", () => {
      expect(text(varbit('16'), '"BQ=="', accepting('varbit-length'))).toEqual(ok('0000000000000101'));
    });

    it('refuses an unbounded varbit shorter than 2^31 - 1 bits, accepted or not', () => {
      expect(valueAt(text(varbit('2147483647'), '"Aw=="'))).toBe(LOSS_REASONS['varbit-length']);
      expect(valueAt(text(varbit('2147483647'), '"Aw=="', accepting('varbit-length')))).toMatch(
        /unbounded varbit/,
      );
    });

    it('refuses Bits without a propagated source type unless the value fills its length', () => {
      const bits = named('bytes', 'io.debezium.data.Bits', { length: '8' });
      expect(valueAt(text(bits, '"Cw=="'))).toBe(NEVER_CARRIED.unsizedBits);
      expect(text(bits, '"oA=="')).toEqual(ok('10100000'));
    });
  });

  it('refuses bit and varbit arrays, which Debezium sends as null whatever they hold', () => {
    const bitArray: ConnectSchema = {
      ...named('bytes', 'io.debezium.data.Bits', { length: '3' }),
      parameters: { length: '3', '__debezium.source.column.type': '_BIT' },
    };
    expect(valueAt(text(bitArray, 'null'))).toBe(NEVER_CARRIED.bitArray);
    expect(text(bitArray, 'null', { ...options, refuseNeverCarried: false })).toEqual(ok(null));
  });

  it('refuses int2vector and oidvector: Debezium sends an empty array whatever they hold, and null for an empty one', () => {
    const vector = (columnType: string, items: ConnectSchema['type']): ConnectSchema => ({
      ...source('array', columnType),
      items: { type: items, optional: false },
    });
    expect(valueAt(text(vector('INT2VECTOR', 'int16'), '[]'))).toBe(NEVER_CARRIED.vectorType);
    expect(valueAt(text(vector('OIDVECTOR', 'int64'), '[]'))).toBe(NEVER_CARRIED.vectorType);
    expect(valueAt(text(vector('INT2VECTOR', 'int16'), 'null'))).toBe(NEVER_CARRIED.vectorType);
    expect(text(vector('INT2VECTOR', 'int16'), '[]', { ...options, refuseNeverCarried: false })).toEqual(
      ok('{}'),
    );
    expect(text(vector('_INT2', 'int16'), '[]')).toEqual(ok('{}'));
  });

  it('refuses timetz unless its lost offset is accepted', () => {
    const timetz = named('string', 'io.debezium.time.ZonedTime');
    expect(valueAt(text(timetz, '"07:04:56.789012Z"'))).toBe(LOSS_REASONS['timetz-offset']);
    expect(text(timetz, '"07:04:56.789012Z"', accepting('timetz-offset'))).toEqual(ok('07:04:56.789012Z'));
    expect(text(timetz, 'null')).toEqual(ok(null));
    const timetzArray: ConnectSchema = { type: 'array', items: timetz, optional: true };
    expect(valueAt(text(timetzArray, '["07:00:00Z"]'))).toBe(LOSS_REASONS['timetz-offset']);
  });

  it('writes points and vectors', () => {
    const point: ConnectSchema = {
      type: 'struct',
      fields: [
        { type: 'float64', optional: false, field: 'x' },
        { type: 'float64', optional: false, field: 'y' },
        { type: 'bytes', optional: true, field: 'wkb' },
        { type: 'int32', optional: true, field: 'srid' },
      ],
      optional: true,
      name: 'io.debezium.data.geometry.Point',
      version: 1,
    };
    expect(text(point, '{"x":1.5,"y":-2,"wkb":"AQEAAAAAAAAAAAD4PwAAAAAAAADA","srid":null}')).toEqual(
      ok('(1.5,-2)'),
    );
    const vector: ConnectSchema = {
      type: 'array',
      items: { type: 'float64', optional: false },
      optional: true,
      name: 'io.debezium.data.DoubleVector',
    };
    expect(text(vector, '[1,2.5,-3]')).toEqual(ok('[1,2.5,-3]'));
  });

  it('refuses PostGIS geometry, unknown structs and non-string maps with a reason', () => {
    const geometry = valueAt(
      text(
        {
          type: 'struct',
          fields: [
            { type: 'bytes', optional: false, field: 'wkb' },
            { type: 'int32', optional: true, field: 'srid' },
          ],
          optional: true,
          name: 'io.debezium.data.geometry.Geometry',
        },
        '{"wkb":"AQ==","srid":4326}',
      ),
    );
    expect(geometry).toMatch(/Geometry is not supported/);
    expect(valueAt(text({ type: 'struct', fields: [], optional: true }, '{}'))).toMatch(/no PostgreSQL text/);
    const intMap: ConnectSchema = {
      type: 'map',
      keys: { type: 'int32', optional: false },
      values: { type: 'string', optional: true },
      optional: true,
    };
    expect(failed(text(intMap, '[[1,"a"]]'))).toBe(true);
  });

  it('refuses null in a required field, accepts it in an optional one', () => {
    expect(failed(text({ type: 'int32', optional: false }, 'null'))).toBe(true);
    expect(text({ type: 'int32', optional: true }, 'null')).toEqual(ok(null));
  });
});

function valueAt(result: E.Either<string, unknown>): string {
  return E.isLeft(result) ? result.left : 'no failure';
}
