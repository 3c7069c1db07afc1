import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { decodeRecord, recordDecoder } from '../../src/debezium/decode-record.js';
import { type ChangeEvent, type Decoded, type Failure, UNAVAILABLE } from '../../src/types.js';
import {
  envelopeSchema,
  json,
  keySchema,
  payload,
  raw,
  record,
  source,
  userColumns,
  userKey,
  userRow,
  wrapped,
} from './fixtures.js';

const origin = { topic: 'dbserver1.public.users', partition: 0, offset: '0' };
const schema = envelopeSchema(userColumns);

function change(result: E.Either<Failure, Decoded>): ChangeEvent {
  if (E.isLeft(result)) throw new Error(`expected a change, got a failure: ${result.left.reason}`);
  if (result.right.kind !== 'change') throw new Error(`expected a change, got ${result.right.kind}`);
  return result.right;
}
function failure(result: E.Either<Failure, Decoded>): Failure {
  if (E.isRight(result)) throw new Error(`expected a failure, got ${result.right.kind}`);
  return result.left;
}

const convertedUser = {
  id: '1',
  name: 'Zoë 👩‍💻',
  bio: null,
  balance: '4.82',
  created_at: '2024-06-10 06:13:20.123456',
  updated_at: '2024-06-10T06:13:20.123456Z',
  active: 'true',
  tags: '{a,NULL,"b c"}',
};

describe('decodeRecord: change events with schemas (schemas.enable=true)', () => {
  it('decodes a create into a ChangeEvent with PostgreSQL text values', () => {
    const key = userKey();
    const value = wrapped(schema, payload('c', null, userRow()));
    const consumed = record(key, value);
    expect(decodeRecord(consumed)).toEqual(
      E.right({
        kind: 'change',
        op: 'c',
        key: { id: '1' },
        before: null,
        after: convertedUser,
        source: {
          schema: 'public',
          table: 'users',
          lsn: '24023976',
          txId: '771',
          tsMs: 1718000000000,
          snapshot: 'false',
          sequence: '["24023928","24023976"]',
        },
        origin,
        record: expect.anything(),
        sizeBytes: Buffer.byteLength(key) + Buffer.byteLength(value),
        // No transaction block: the connector runs without provide.transaction.metadata.
        transaction: null,
      }),
    );
    // A dead letter stores the exact bytes Kafka delivered: they come back whole when read.
    const decoder = recordDecoder();
    for (const pass of ['learns the schema', 'finds it cached']) {
      const kept = change(decoder(consumed)).record;
      expect(kept.key?.equals(consumed.key!), pass).toBe(true);
      expect(kept.value?.equals(consumed.value!), pass).toBe(true);
    }
  });

  it('decodes an update whose unchanged TOASTed column is the placeholder', () => {
    const after = userRow({ bio: '__debezium_unavailable_value', tags: ['__debezium_unavailable_value'] });
    const event = change(decodeRecord(record(userKey(), wrapped(schema, payload('u', null, after)))));
    expect(event.op).toBe('u');
    expect(event.after?.['bio']).toBe(UNAVAILABLE);
    expect(event.after?.['tags']).toBe(UNAVAILABLE);
    expect(event.before).toBeNull();
  });

  it('decodes a delete with its before image and a snapshot read', () => {
    const deleted = change(decodeRecord(record(userKey(), wrapped(schema, payload('d', userRow(), null)))));
    expect(deleted).toMatchObject({ op: 'd', before: convertedUser, after: null, key: { id: '1' } });
    const read = wrapped(schema, payload('r', null, userRow(), { source: source({ snapshot: 'first' }) }));
    expect(change(decodeRecord(record(userKey(), read)))).toMatchObject({
      op: 'r',
      source: { snapshot: 'first' },
    });
  });

  it('decodes before-images of deletes only when asked (beforeImages: deletes)', () => {
    const updated = wrapped(schema, payload('u', userRow(), userRow({ name: 'New' })));
    expect(change(decodeRecord(record(userKey(), updated))).before).toEqual(convertedUser);
    expect(change(decodeRecord(record(userKey(), updated), { beforeImages: 'deletes' })).before).toBeNull();
    const deleted = wrapped(schema, payload('d', userRow(), null));
    expect(change(decodeRecord(record(userKey(), deleted), { beforeImages: 'deletes' })).before).toEqual(
      convertedUser,
    );
  });

  it('decodes a truncate (no key, no rows) with an empty key', () => {
    const value = wrapped(
      schema,
      payload('t', null, null, { source: source({ lsn: raw('9223372036854775807') }) }),
    );
    expect(change(decodeRecord(record(null, value)))).toMatchObject({
      op: 't',
      key: {},
      before: null,
      after: null,
      source: { lsn: '9223372036854775807' },
    });
  });

  it('keeps int64 columns and keys past 2^53 exact', () => {
    const columns = [{ type: 'int64', optional: false, field: 'id' }];
    const value = wrapped(
      envelopeSchema(columns, 'big'),
      payload('c', null, { id: raw('9223372036854775807') }),
    );
    const key = wrapped(keySchema(columns, 'big'), { id: raw('9223372036854775807') });
    expect(change(decodeRecord(record(key, value)))).toMatchObject({
      key: { id: '9223372036854775807' },
      after: { id: '9223372036854775807' },
    });
  });

  it('uses the placeholder configured on the connector', () => {
    const value = wrapped(schema, payload('u', null, userRow({ bio: '<toast>' })));
    const event = change(decodeRecord(record(userKey(), value), { unavailableValuePlaceholder: '<toast>' }));
    expect(event.after?.['bio']).toBe(UNAVAILABLE);
  });

  it('converts a column named __proto__ as an ordinary column', () => {
    const columns = [{ type: 'int32', optional: false, field: '__proto__' }];
    const value = wrapped(envelopeSchema(columns), payload('c', null, { ['__proto__']: 1 }));
    expect(value).toContain('"after":{"__proto__":1}');
    const event = change(decodeRecord(record(userKey(), value)));
    expect(Object.hasOwn(event.after ?? {}, '__proto__')).toBe(true);
  });
});

describe('decodeRecord: schema-less messages (schemas.enable=false)', () => {
  it('converts values by JSON type: numbers via their digits, objects as JSON text', () => {
    const value = json(
      payload('c', null, {
        id: raw('9007199254740993'),
        price: 12.5,
        ok: false,
        doc: { a: [1] },
        s: 'x',
        n: null,
      }),
    );
    expect(change(decodeRecord(record('{"id":9007199254740993}', value)))).toMatchObject({
      key: { id: '9007199254740993' },
      after: { id: '9007199254740993', price: '12.5', ok: 'false', doc: '{"a":[1]}', s: 'x', n: null },
    });
  });

  it('keeps a column named __proto__ as a column, not as the row prototype', () => {
    // JSON.parse makes __proto__ an own key, as it is in the message.
    const value = json(payload('c', null, JSON.parse('{"id":1,"__proto__":"p"}')));
    const after = change(decodeRecord(record('{"id":1}', value))).after!;
    expect(Object.getPrototypeOf(after)).toBe(Object.prototype);
    expect(Object.keys(after)).toEqual(['id', '__proto__']);
    expect(Object.getOwnPropertyDescriptor(after, '__proto__')?.value).toBe('p');
  });

  it('still recognises the placeholder', () => {
    const value = json(payload('u', null, { id: 1, bio: '__debezium_unavailable_value' }));
    expect(change(decodeRecord(record('{"id":1}', value))).after).toEqual({ id: '1', bio: UNAVAILABLE });
  });

  it('accepts a wrapped key with a bare value and the other way round', () => {
    const bareValue = json(payload('c', null, { id: 1 }));
    expect(change(decodeRecord(record(userKey(), bareValue))).key).toEqual({ id: '1' });
    const wrappedValue = wrapped(schema, payload('c', null, userRow()));
    expect(change(decodeRecord(record('{"id":1}', wrappedValue))).key).toEqual({ id: '1' });
  });
});

describe('decodeRecord: records that carry no change', () => {
  it('skips a tombstone', () => {
    expect(decodeRecord(record(userKey(), null))).toEqual(
      E.right({ kind: 'skipped', reason: 'tombstone', origin }),
    );
  });

  it('skips a logical decoding message (op m)', () => {
    const message = json({
      op: 'm',
      ts_ms: 1718000000123,
      source: source({ schema: '', table: '' }),
      message: { prefix: 'audit', content: 'aGVsbG8=' },
    });
    expect(decodeRecord(record('{"prefix":"audit"}', message))).toEqual(
      E.right({ kind: 'skipped', reason: 'message', origin }),
    );
  });

  it('skips a heartbeat', () => {
    const heartbeat = wrapped(
      {
        type: 'struct',
        fields: [{ type: 'int64', optional: false, field: 'ts_ms' }],
        optional: false,
        name: 'io.debezium.connector.common.Heartbeat',
      },
      { ts_ms: 1718000000123 },
    );
    expect(decodeRecord(record('{"serverName":"dbserver1"}', heartbeat))).toEqual(
      E.right({ kind: 'skipped', reason: 'heartbeat', origin }),
    );
  });
});

describe('decodeRecord: failures', () => {
  it('fails a value that is not JSON, keeping the raw key and value', () => {
    const consumed = record('k', 'not json {');
    expect(decodeRecord(consumed)).toEqual(
      E.left({
        kind: 'failure',
        stage: 'decode',
        reason: expect.stringMatching(/^value is not valid JSON/),
        detail: null,
        origin,
        record: { key: consumed.key, value: consumed.value },
      }),
    );
  });

  it('fails a record whose key names another row than its value', () => {
    const created = wrapped(schema, payload('c', null, userRow()));
    expect(failure(decodeRecord(record(userKey(2), created))).reason).toBe(
      'key column "id" disagrees with "after": the record key and value name different rows',
    );
    const deleted = wrapped(schema, payload('d', userRow(), null));
    expect(failure(decodeRecord(record(userKey(2), deleted))).reason).toBe(
      'key column "id" disagrees with "before": the record key and value name different rows',
    );
    // A before-image without the key's column (key columns other than the replica identity) proves nothing.
    const sparse = json(payload('d', { name: 'Zoë' }, null));
    expect(change(decodeRecord(record('{"id":2}', sparse))).key).toEqual({ id: '2' });
  });

  it('fails an update that carries only a before-image', () => {
    const value = wrapped(schema, payload('u', userRow(), null));
    expect(failure(decodeRecord(record(userKey(), value))).reason).toBe('op "u" without "after"');
  });

  it('fails a JSON value of the wrong shape with a short io-ts path report', () => {
    const value = json({ op: 'x', source: { ts_ms: 1, schema: 'public' } });
    const { reason } = failure(decodeRecord(record(userKey(), value)));
    expect(reason).toMatch(/^not a Debezium change event: /);
    expect(reason).toContain('op: expected "c" | "u" | "d" | "r" | "t" | "m", got string');
    expect(reason).toContain('source.table: expected string, got nothing');
    expect(reason).not.toContain('"x"'); // kinds, not values
  });

  it('fails a change without a key, unless it is a truncate', () => {
    const value = wrapped(schema, payload('c', null, userRow()));
    expect(failure(decodeRecord(record(null, value))).reason).toMatch(/no key/);
    expect(failure(decodeRecord(record('[1', value))).reason).toMatch(/^key is not valid JSON/);
    expect(failure(decodeRecord(record('42', value))).reason).toBe('key: expected a struct, got number');
  });

  it('fails an op without the row it needs', () => {
    expect(failure(decodeRecord(record(userKey(), wrapped(schema, payload('c', null, null))))).reason).toBe(
      'op "c" without "after"',
    );
    expect(failure(decodeRecord(record(userKey(), wrapped(schema, payload('d', null, null))))).reason).toBe(
      'op "d" without "before"',
    );
  });

  it('fails a value that does not match its column schema, naming the column', () => {
    const value = wrapped(schema, payload('c', null, userRow({ balance: true, created_at: 'yesterday' })));
    expect(failure(decodeRecord(record(userKey(), value))).reason).toBe(
      'after.balance: org.apache.kafka.connect.data.Decimal expects base64 bytes or a number, got boolean',
    );
    const late = wrapped(schema, payload('c', null, userRow({ created_at: 'yesterday' })));
    expect(failure(decodeRecord(record(userKey(), late))).reason).toBe(
      'after.created_at: io.debezium.time.MicroTimestamp expects an integer, got string',
    );
  });

  it('fails a column the schema does not know', () => {
    const value = wrapped(schema, payload('c', null, { ...userRow(), extra: 1 }));
    expect(failure(decodeRecord(record(userKey(), value))).reason).toBe(
      'after.extra: column not in the schema',
    );
  });
});

describe('decodeRecord: values Debezium loses (issue 16)', () => {
  const nameColumn = {
    type: 'string',
    optional: true,
    parameters: { '__debezium.source.column.type': 'NAME' },
    field: 'handle',
  };
  const timetzColumn = { type: 'string', optional: true, name: 'io.debezium.time.ZonedTime', field: 'at' };
  const lossy = envelopeSchema([...userColumns, nameColumn, timetzColumn]);
  const row = (overrides = {}) => userRow({ handle: null, at: null, ...overrides });

  it('refuses a null name in a streamed change: Debezium streams every name as null without include.unknown.datatypes', () => {
    for (const op of ['c', 'u'] as const) {
      const value = wrapped(lossy, payload(op, null, row()));
      expect(failure(decodeRecord(record(userKey(), value))).reason).toMatch(
        /^after\.handle: name: .*include\.unknown\.datatypes=true/,
      );
    }
  });

  it('takes a null name as NULL in a snapshot read (JDBC carries names) and when told the connector includes unknown types', () => {
    const read = wrapped(lossy, payload('r', null, row(), { source: source({ snapshot: 'true' }) }));
    expect(change(decodeRecord(record(userKey(), read))).after?.['handle']).toBeNull();
    const streamed = wrapped(lossy, payload('c', null, row()));
    expect(
      change(decodeRecord(record(userKey(), streamed), { includeUnknownDatatypes: true })).after?.['handle'],
    ).toBeNull();
    expect(
      change(decodeRecord(record(userKey(), wrapped(lossy, payload('c', null, row({ handle: 'a_name' }))))))
        .after?.['handle'],
    ).toBe('a_name');
  });

  it('refuses a timetz unless the lost offset is accepted', () => {
    const value = wrapped(lossy, payload('c', null, row({ handle: 'a_name', at: '07:04:56Z' })));
    expect(failure(decodeRecord(record(userKey(), value))).reason).toMatch(
      /^after\.at: timetz: .*PIPELINE_ACCEPT_LOSSES=timetz-offset/,
    );
    expect(
      change(decodeRecord(record(userKey(), value), { acceptLosses: ['timetz-offset'] })).after?.['at'],
    ).toBe('07:04:56Z');
  });

  it('never refuses a delete for what its before-image lost: a delete is applied by key alone', () => {
    const value = wrapped(lossy, payload('d', row({ at: '07:04:56Z' }), null));
    expect(change(decodeRecord(record(userKey(), value))).op).toBe('d');
  });
});
