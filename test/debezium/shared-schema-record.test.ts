import { describe, expect, it } from 'vitest';
import { keepBytes, SharedSchemaRecord } from '../../src/debezium/shared-schema-record.js';

const schemaText =
  '{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}],"optional":false}';
const message = (payload: string) => `{"schema":${schemaText},"payload":${payload}}`;

describe('SharedSchemaRecord', () => {
  it('gives back the exact bytes of a key and value split at their shared schema', () => {
    const schema = Buffer.from(schemaText);
    const key = Buffer.from(message('{"id":7}'));
    const value = Buffer.from(message('{"id":7,"note":"é, \\"quoted\\" and \\u0000"}'));
    const record = new SharedSchemaRecord(keepBytes(key, schema), keepBytes(value, schema));
    expect(record.key?.equals(key)).toBe(true);
    expect(record.value?.equals(value)).toBe(true);
    expect(record.toJSON()).toEqual({ key, value });
  });

  it('holds its payload in its own memory and shares the schema, not the buffer it was sliced from', () => {
    const schema = Buffer.from(schemaText);
    const payload = '{"id":7,"name":"seven"}';
    // A fetch response holding several records, as kafkajs slices them (its own allocation).
    const text = `${message('{"id":6}')}${message(payload)}`;
    const fetched = Buffer.alloc(Buffer.byteLength(text));
    fetched.write(text);
    const slice = fetched.subarray(Buffer.byteLength(message('{"id":6}')));
    const kept = keepBytes(slice, schema);
    if (kept === null || Buffer.isBuffer(kept)) throw new Error('expected the message split at its schema');
    expect(kept.schemaText).toBe(schema);
    expect(kept.payload.toString()).toBe(payload);
    expect(kept.payload.buffer).not.toBe(fetched.buffer);
    expect(new SharedSchemaRecord(null, kept).value?.equals(slice)).toBe(true);
  });

  it('keeps a message whole when no schema was split off, and a null as null', () => {
    const bare = Buffer.from('{"id":7}');
    expect(keepBytes(bare, undefined)).toBe(bare);
    expect(keepBytes(null, Buffer.from(schemaText))).toBeNull();
    const record = new SharedSchemaRecord(keepBytes(bare, undefined), null);
    expect(record.key).toBe(bare);
    expect(record.value).toBeNull();
  });
});
