/**
 * Hand-written Debezium 3.x PostgreSQL connector messages, as Kafka Connect's JsonConverter writes
 * them (with `schemas.enable=true` unless said otherwise). Numbers that a JS number cannot hold
 * are written with `raw('…')` so they reach the message text digit for digit.
 */
import type { KafkaRecord } from '../../src/types.js';

type Fixture =
  null | boolean | number | string | Raw | readonly Fixture[] | { readonly [key: string]: Fixture };

/** A JSON number written as given (an int64 past 2^53, a long decimal). */
export class Raw {
  constructor(readonly text: string) {}
}
export const raw = (text: string): Raw => new Raw(text);

/** JSON text of a fixture, Raw numbers unquoted. */
export function json(value: Fixture): string {
  return JSON.stringify(value, (_key, v: unknown) => (v instanceof Raw ? `@@raw:${v.text}@@` : v)).replace(
    /"@@raw:([^@"]+)@@"/g,
    '$1',
  );
}

export type Field = { readonly [key: string]: Fixture };

/** The `source` struct schema of the PostgreSQL connector. */
export const sourceSchema: Field = {
  type: 'struct',
  fields: [
    { type: 'string', optional: false, field: 'version' },
    { type: 'string', optional: false, field: 'connector' },
    { type: 'string', optional: false, field: 'name' },
    { type: 'int64', optional: false, field: 'ts_ms' },
    {
      type: 'string',
      optional: true,
      name: 'io.debezium.data.Enum',
      version: 1,
      parameters: {
        allowed: 'true,first,first_in_data_collection,last_in_data_collection,last,false,incremental',
      },
      default: 'false',
      field: 'snapshot',
    },
    { type: 'string', optional: false, field: 'db' },
    { type: 'string', optional: true, field: 'sequence' },
    { type: 'int64', optional: true, field: 'ts_us' },
    { type: 'int64', optional: true, field: 'ts_ns' },
    { type: 'string', optional: false, field: 'schema' },
    { type: 'string', optional: false, field: 'table' },
    { type: 'int64', optional: true, field: 'txId' },
    { type: 'int64', optional: true, field: 'lsn' },
    { type: 'int64', optional: true, field: 'xmin' },
  ],
  optional: false,
  name: 'io.debezium.connector.postgresql.Source',
  field: 'source',
};

const transactionSchema: Field = {
  type: 'struct',
  fields: [
    { type: 'string', optional: false, field: 'id' },
    { type: 'int64', optional: false, field: 'total_order' },
    { type: 'int64', optional: false, field: 'data_collection_order' },
  ],
  optional: true,
  name: 'event.block',
  version: 1,
  field: 'transaction',
};

/** The Envelope schema of table `public.<table>` whose row has the given column schemas. */
export function envelopeSchema(columns: readonly Field[], table = 'users'): Field {
  const row = (field: string): Field => ({
    type: 'struct',
    fields: columns,
    optional: true,
    name: `dbserver1.public.${table}.Value`,
    field,
  });
  return {
    type: 'struct',
    fields: [
      row('before'),
      row('after'),
      sourceSchema,
      transactionSchema,
      { type: 'string', optional: false, field: 'op' },
      { type: 'int64', optional: true, field: 'ts_ms' },
      { type: 'int64', optional: true, field: 'ts_us' },
      { type: 'int64', optional: true, field: 'ts_ns' },
    ],
    optional: false,
    name: `dbserver1.public.${table}.Envelope`,
    version: 2,
  };
}

/** A `source` block; `snapshot` "false" (streaming) unless overridden. */
export function source(overrides: Field = {}): Field {
  return {
    version: '3.1.2.Final',
    connector: 'postgresql',
    name: 'dbserver1',
    ts_ms: 1718000000000,
    snapshot: 'false',
    db: 'inventory',
    sequence: '["24023928","24023976"]',
    ts_us: 1718000000000000,
    ts_ns: raw('1718000000000000000'),
    schema: 'public',
    table: 'users',
    txId: 771,
    lsn: 24023976,
    xmin: null,
    ...overrides,
  };
}

/** A change-event payload (the part under `payload`). */
export function payload(op: string, before: Field | null, after: Field | null, overrides: Field = {}): Field {
  return {
    before,
    after,
    source: source(),
    transaction: null,
    op,
    ts_ms: 1718000000123,
    ts_us: 1718000000123456,
    ts_ns: raw('1718000000123456789'),
    ...overrides,
  };
}

/** Wraps a payload with its schema as JsonConverter does with `schemas.enable=true`. */
export const wrapped = (schema: Field, body: Fixture): string => json({ schema, payload: body });

export const keySchema = (columns: readonly Field[], table = 'users'): Field => ({
  type: 'struct',
  fields: columns,
  optional: false,
  name: `dbserver1.public.${table}.Key`,
});

/** The usual key of `users`: `{"schema": …, "payload": {"id": 1}}`. */
export const userKey = (id: number | Raw = 1): string =>
  wrapped(keySchema([{ type: 'int32', optional: false, default: 0, field: 'id' }]), { id });

/** A Kafka record at `dbserver1.public.users` partition 0. */
export function record(key: string | null, value: string | null, offset = '0'): KafkaRecord {
  return {
    topic: 'dbserver1.public.users',
    partition: 0,
    offset,
    timestamp: '1718000000200',
    key: key === null ? null : Buffer.from(key, 'utf8'),
    value: value === null ? null : Buffer.from(value, 'utf8'),
  };
}

/** Column schemas of a realistic `users` table. */
export const userColumns: readonly Field[] = [
  { type: 'int32', optional: false, default: 0, field: 'id' },
  { type: 'string', optional: false, field: 'name' },
  { type: 'string', optional: true, field: 'bio' },
  {
    type: 'bytes',
    optional: true,
    name: 'org.apache.kafka.connect.data.Decimal',
    version: 1,
    parameters: { scale: '2', 'connect.decimal.precision': '10' },
    field: 'balance',
  },
  { type: 'int64', optional: true, name: 'io.debezium.time.MicroTimestamp', version: 1, field: 'created_at' },
  {
    type: 'string',
    optional: true,
    name: 'io.debezium.time.ZonedTimestamp',
    version: 1,
    field: 'updated_at',
  },
  { type: 'boolean', optional: false, default: true, field: 'active' },
  { type: 'array', items: { type: 'string', optional: true }, optional: true, field: 'tags' },
];

/** A `users` row as Debezium sends it. */
export const userRow = (overrides: Field = {}): Field => ({
  id: 1,
  name: 'Zoë 👩‍💻',
  bio: null,
  balance: 'AeI=', // 482 unscaled → 4.82
  created_at: 1718000000123456,
  updated_at: '2024-06-10T06:13:20.123456Z',
  active: true,
  tags: ['a', null, 'b c'],
  ...overrides,
});
