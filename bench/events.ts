/**
 * Realistic Debezium change events for the benchmark: the JSON envelope with the Connect schema
 * (schemas.enable=true), exactly as Kafka Connect's JsonConverter writes them for a PostgreSQL table
 * bench_items(id int pk, name varchar, quantity int, price numeric(12,2), updated_at timestamp,
 * note text), with REPLICA IDENTITY FULL before-images.
 */
export const BENCH_TABLE = 'bench_items';

export const TARGET_DDL = `
CREATE TABLE IF NOT EXISTS ${BENCH_TABLE} (
  id         INTEGER PRIMARY KEY,
  name       VARCHAR(100) NOT NULL,
  quantity   INTEGER NOT NULL,
  price      NUMERIC(12, 2) NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  note       TEXT,
  synced_at  TIMESTAMPTZ NOT NULL DEFAULT now()
)`;

const rowFields = [
  { type: 'int32', optional: false, default: 0, field: 'id' },
  { type: 'string', optional: false, field: 'name' },
  { type: 'int32', optional: false, field: 'quantity' },
  {
    type: 'bytes',
    optional: false,
    name: 'org.apache.kafka.connect.data.Decimal',
    version: 1,
    parameters: { scale: '2', 'connect.decimal.precision': '12' },
    field: 'price',
  },
  {
    type: 'int64',
    optional: false,
    name: 'io.debezium.time.MicroTimestamp',
    version: 1,
    field: 'updated_at',
  },
  { type: 'string', optional: true, field: 'note' },
];

function valueSchema(prefix: string): object {
  const row = (field: string) => ({
    type: 'struct',
    fields: rowFields,
    optional: true,
    name: `${prefix}.public.${BENCH_TABLE}.Value`,
    field,
  });
  return {
    type: 'struct',
    fields: [
      row('before'),
      row('after'),
      {
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
        version: 1,
        field: 'source',
      },
      {
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
      },
      { type: 'string', optional: false, field: 'op' },
      { type: 'int64', optional: true, field: 'ts_ms' },
      { type: 'int64', optional: true, field: 'ts_us' },
      { type: 'int64', optional: true, field: 'ts_ns' },
    ],
    optional: false,
    name: `${prefix}.public.${BENCH_TABLE}.Envelope`,
    version: 2,
  };
}

function keySchema(prefix: string): object {
  return {
    type: 'struct',
    fields: [{ type: 'int32', optional: false, default: 0, field: 'id' }],
    optional: false,
    name: `${prefix}.public.${BENCH_TABLE}.Key`,
  };
}

export interface BenchRow {
  id: number;
  name: string;
  quantity: number;
  /** Price in cents: the unscaled value of NUMERIC(12,2). */
  priceCents: number;
  updatedAtMicros: number;
  note: string | null;
}

/** Decimal's unscaled value as Connect writes it: big-endian two's complement, base64. */
function decimalBytes(unscaled: number): string {
  let hex = BigInt(unscaled).toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
  return Buffer.from(hex, 'hex').toString('base64');
}

const rowPayload = (row: BenchRow) => ({
  id: row.id,
  name: row.name,
  quantity: row.quantity,
  price: decimalBytes(row.priceCents),
  updated_at: row.updatedAtMicros,
  note: row.note,
});

export interface BenchMessage {
  /** The row's id: the bench chooses the partition from it, so it knows each partition's content. */
  id: number;
  key: string;
  value: string | null;
}

export function envelope(
  prefix: string,
  op: 'c' | 'u' | 'd',
  before: BenchRow | null,
  after: BenchRow | null,
  lsn: number,
): BenchMessage {
  const id = (after ?? before)!.id;
  const nowMs = Date.now();
  const keyJson = JSON.stringify({ schema: keySchema(prefix), payload: { id } });
  const value = JSON.stringify({
    schema: valueSchema(prefix),
    payload: {
      before: before && rowPayload(before),
      after: after && rowPayload(after),
      source: {
        version: '3.6.1.Final',
        connector: 'postgresql',
        name: prefix,
        ts_ms: nowMs,
        snapshot: 'false',
        db: 'sourcedb',
        sequence: `[null,"${lsn}"]`,
        ts_us: nowMs * 1000,
        ts_ns: nowMs * 1_000_000,
        schema: 'public',
        table: BENCH_TABLE,
        txId: 1000 + lsn,
        lsn,
        xmin: null,
      },
      transaction: null,
      op,
      ts_ms: nowMs,
      ts_us: nowMs * 1000,
      ts_ns: nowMs * 1_000_000,
    },
  });
  return { id, key: keyJson, value };
}

/**
 * N events over `keys` ids: about 50% inserts (of absent ids), 35% updates, 15% deletes (each
 * delete followed by its tombstone, as Debezium does), and the final state of every id.
 */
export function* generateEvents(
  prefix: string,
  count: number,
  keys: number,
  random: () => number,
): Generator<BenchMessage, Map<number, BenchRow>> {
  const rows = new Map<number, BenchRow>();
  let lsn = 1_000_000;
  let emitted = 0;
  while (emitted < count) {
    const id = 1 + Math.floor(random() * keys);
    const current = rows.get(id);
    lsn += 1;
    const stamp = 1_700_000_000_000_000 + lsn * 1000 + 123;
    if (!current) {
      const row: BenchRow = {
        id,
        name: `item ${id}`,
        quantity: 1,
        priceCents: Math.floor(random() * 1_000_000),
        updatedAtMicros: stamp,
        note: random() < 0.3 ? null : `created at ${lsn}`,
      };
      rows.set(id, row);
      yield envelope(prefix, 'c', null, row, lsn);
    } else if (random() < 0.7) {
      const row: BenchRow = {
        ...current,
        quantity: current.quantity + 1,
        priceCents: Math.floor(random() * 1_000_000),
        updatedAtMicros: stamp,
        note: random() < 0.2 ? null : `updated at ${lsn}`,
      };
      rows.set(id, row);
      yield envelope(prefix, 'u', current, row, lsn);
    } else {
      rows.delete(id);
      yield envelope(prefix, 'd', current, null, lsn);
      emitted += 1;
      if (emitted >= count) break;
      yield { id, key: JSON.stringify({ schema: keySchema(prefix), payload: { id } }), value: null };
    }
    emitted += 1;
  }
  return rows;
}
