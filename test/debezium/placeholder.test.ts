import { describe, expect, it } from 'vitest';
import type { ConnectSchema } from '../../src/debezium/connect-schema.js';
import type { Json } from '../../src/debezium/parse-json.js';
import { isUnavailable, placeholderForms } from '../../src/debezium/placeholder.js';

const forms = placeholderForms('__debezium_unavailable_value');
const P = '__debezium_unavailable_value';
const PLACEHOLDER_BYTES = [
  95, 95, 100, 101, 98, 101, 122, 105, 117, 109, 95, 117, 110, 97, 118, 97, 105, 108, 97, 98, 108, 101, 95,
  118, 97, 108, 117, 101,
];

const schema = (type: ConnectSchema['type'], extra: Partial<ConnectSchema> = {}): ConnectSchema => ({
  type,
  optional: true,
  ...extra,
});

describe('isUnavailable (Debezium’s unchanged-TOAST placeholder)', () => {
  it.each<[string, ConnectSchema | undefined, Json]>([
    ['text', schema('string'), P],
    ['jsonb', schema('string', { name: 'io.debezium.data.Json' }), P],
    ['bytea', schema('bytes'), 'X19kZWJleml1bV91bmF2YWlsYWJsZV92YWx1ZQ=='],
    ['text[]', schema('array', { items: schema('string') }), [P]],
    ['int4[]', schema('array', { items: schema('int32') }), PLACEHOLDER_BYTES],
    ['int8[]', schema('array', { items: schema('int64') }), PLACEHOLDER_BYTES],
    ['hstore (map)', schema('map', { keys: schema('string'), values: schema('string') }), { [P]: P }],
    ['hstore (json)', schema('string', { name: 'io.debezium.data.Json' }), `{"${P}":"${P}"}`],
    ['schema-less text', undefined, P],
  ])('recognises it in a %s column', (_name, columnSchema, value) => {
    expect(isUnavailable(columnSchema, value, forms)).toBe(true);
  });

  it.each<[string, ConnectSchema | undefined, Json]>([
    ['ordinary text', schema('string'), 'hello'],
    ['the base64 form in a text column', schema('string'), 'X19kZWJleml1bV91bmF2YWlsYWJsZV92YWx1ZQ=='],
    ['the text form in a bytea column', schema('bytes'), P],
    ['a longer text[] holding it', schema('array', { items: schema('string') }), [P, 'x']],
    ['a short int4[]', schema('array', { items: schema('int32') }), [95, 95]],
    ['a number', schema('int32'), 95],
  ])('does not take %s for it', (_name, columnSchema, value) => {
    expect(isUnavailable(columnSchema, value, forms)).toBe(false);
  });

  it('uses the representation a schema declares, when it declares one', () => {
    const declared = (representation: string, type: ConnectSchema['type'] = 'string'): ConnectSchema =>
      schema(type, { parameters: { '__debezium.unavailable.value.placeholder': representation } });
    expect(isUnavailable(declared('~toast~'), '~toast~', forms)).toBe(true);
    expect(isUnavailable(declared('~toast~'), P, forms)).toBe(false);
    expect(isUnavailable(declared('["~t\\"~"]', 'array'), ['~t"~'], forms)).toBe(true);
    expect(isUnavailable(declared('[95,95]', 'array'), [95, 95], forms)).toBe(true);
    expect(isUnavailable(declared('{"k":"v"}', 'map'), { k: 'v' }, forms)).toBe(true);
  });

  it('follows a configured placeholder', () => {
    const custom = placeholderForms('<toasted>');
    expect(isUnavailable(schema('string'), '<toasted>', custom)).toBe(true);
    expect(isUnavailable(schema('string'), P, custom)).toBe(false);
  });
});
