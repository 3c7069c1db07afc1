import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { unwrap } from '../../src/debezium/envelope.js';
import { ExactNumber, parseJson } from '../../src/debezium/parse-json.js';
import { createSchemaCache, parseWrapped, withoutPreciseTimes } from '../../src/debezium/parse-wrapped.js';

const schema = (type: 'int32' | 'int64') => ({
  type: 'struct',
  fields: [{ type, optional: false, field: 'id' }],
  optional: false,
  name: 'k',
});
const message = (type: 'int32' | 'int64', id: string) =>
  Buffer.from(`{"schema":${JSON.stringify(schema(type))},"payload":{"id":${id}}}`);
const general = (text: Buffer) => E.map(unwrap)(parseJson(text.toString()));

describe('parseWrapped', () => {
  it('gives what parsing the whole message and unwrapping gives, from the cache too', () => {
    const cache = createSchemaCache();
    for (const id of ['1', '2', '9223372036854775807']) {
      const parsed = parseWrapped(message('int64', id), cache);
      expect(
        E.map(({ schema, payload }: { schema: unknown; payload: unknown }) => ({ schema, payload }))(parsed),
      ).toEqual(general(message('int64', id)));
      // Split at its schema: the cached schema's text, which a kept record shares.
      expect(E.isRight(parsed) && parsed.right.schemaText?.toString()).toBe(JSON.stringify(schema('int64')));
    }
    expect(cache.size).toBe(1);
  });

  it('tells apart two schemas of the same length', () => {
    const cache = createSchemaCache();
    const first = parseWrapped(message('int32', '7'), cache);
    const second = parseWrapped(message('int64', '7'), cache);
    expect(cache.size).toBe(2);
    expect(E.isRight(first) && first.right.schema?.fields?.[0]?.type).toBe('int32');
    expect(E.isRight(second) && second.right.schema?.fields?.[0]?.type).toBe('int64');
  });

  it('takes the general path for other layouts and for schema-less messages', () => {
    const cache = createSchemaCache();
    const reordered = Buffer.from(`{"payload":{"id":1},"schema":${JSON.stringify(schema('int32'))}}`);
    expect(parseWrapped(reordered, cache)).toEqual(general(reordered));
    const bare = Buffer.from('{"id":1}');
    expect(parseWrapped(bare, cache)).toEqual(E.right({ schema: undefined, payload: { id: 1 } }));
    expect(E.isLeft(parseWrapped(Buffer.from('{"schema":{"type":'), cache))).toBe(true);
  });

  it('does not take a schema-shaped prefix followed by broken JSON for a message', () => {
    const cache = createSchemaCache();
    parseWrapped(message('int32', '1'), cache);
    const broken = Buffer.from(`{"schema":${JSON.stringify(schema('int32'))},"payload":{"id":}}`);
    expect(E.isLeft(parseWrapped(broken, cache))).toBe(true);
  });
});

describe('withoutPreciseTimes', () => {
  it('drops ts_us and ts_ns of the envelope and of its source block, and nothing else', () => {
    const payload =
      '{"before":null,"after":{"id":1,"ts_us":5,"ts_ns":6},"source":{"version":"3.6.1.Final","ts_ms":1,"ts_us":1795515034303099,"ts_ns":1795515034303099000,"lsn":7},"op":"c","ts_ms":2,"ts_us":1795515034631552,"ts_ns":1795515034631552612}';
    expect(JSON.parse(withoutPreciseTimes(payload))).toEqual({
      before: null,
      after: { id: 1, ts_us: 5, ts_ns: 6 },
      source: { version: '3.6.1.Final', ts_ms: 1, lsn: 7 },
      op: 'c',
      ts_ms: 2,
    });
  });

  it('drops either pair alone when only one is there (Debezium 2.x has no source pair)', () => {
    const envelopeOnly =
      '{"after":{"id":1},"source":{"version":"2.7","ts_ms":1},"op":"c","ts_ms":2,"ts_us":3,"ts_ns":4}';
    expect(withoutPreciseTimes(envelopeOnly)).toBe(
      '{"after":{"id":1},"source":{"version":"2.7","ts_ms":1},"op":"c","ts_ms":2}',
    );
    const sourceOnly =
      '{"after":{"id":1},"source":{"version":"3.6","ts_ms":1,"ts_us":5,"ts_ns":6},"op":"c","ts_ms":2}';
    expect(withoutPreciseTimes(sourceOnly)).toBe(
      '{"after":{"id":1},"source":{"version":"3.6","ts_ms":1},"op":"c","ts_ms":2}',
    );
  });

  it('leaves a row column named ts_us alone (rows come before the source block)', () => {
    const payload =
      '{"after":{"id":1,"ts_us":5,"ts_ns":6},"source":{"version":"2.7","ts_ms":1},"op":"c","ts_ms":2}';
    expect(withoutPreciseTimes(payload)).toBe(payload);
  });

  it('leaves a payload without them as it is', () => {
    const payload = '{"after":{"id":1},"source":{"version":"1.9","ts_ms":1},"op":"c","ts_ms":2}';
    expect(withoutPreciseTimes(payload)).toBe(payload);
  });
});

describe('parseWrapped and the precise times', () => {
  it('parses a Debezium 3.x message without keeping ts_us and ts_ns (so no number needs the exact path)', () => {
    const payload =
      '{"after":{"id":1,"at":9007199254740993},"source":{"version":"3.6.1.Final","ts_ms":1,"ts_us":1795515034303099,"ts_ns":1795515034303099000},"op":"c","ts_ms":2,"ts_us":1795515034631552,"ts_ns":1795515034631552612}';
    const text = Buffer.from(`{"schema":${JSON.stringify(schema('int32'))},"payload":${payload}}`);
    const result = parseWrapped(text, createSchemaCache());
    expect(E.isRight(result) && result.right.payload).toEqual({
      after: { id: 1, at: new ExactNumber('9007199254740993') },
      source: { version: '3.6.1.Final', ts_ms: 1 },
      op: 'c',
      ts_ms: 2,
    });
  });
});
