/** The dead-letter destination against the real target database, in tables of its own. */
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeadLetterSink } from '../../src/sinks/dead-letters.js';
import { createTargetPool } from '../../src/sinks/pool.js';
import type { Failure, TableRef } from '../../src/types.js';
import { qualified, uniqueTableName } from '../sinks/target-tables.js';
import { stack } from './support/stack.js';

let pool: pg.Pool;
const table = { schema: 'public', table: uniqueTableName('sink_test_dead_letters') };
const oldTable = { schema: 'public', table: uniqueTableName('sink_test_old_dead_letters') };

beforeAll(() => {
  pool = createTargetPool(stack().TARGET_DATABASE_URL, { max: 2 });
});
afterAll(async () => {
  await pool.query(`DROP TABLE IF EXISTS ${qualified(table)}, ${qualified(oldTable)}`);
  await pool.end();
});

/** A row value that must never reach a log line above debug. */
const SECRET = 'alice@secret.example';

const failure = (offset: string, overrides: Partial<Failure> = {}): Failure => ({
  kind: 'failure',
  stage: 'apply',
  reason: 'upsert into "public"."users" failed (SQLSTATE 23502, column "name"): NOT NULL violation',
  detail: `null value in column "name" violates not-null constraint\nDETAIL: Failing row contains (1, null, ${SECRET}).`,
  origin: { topic: 'dbserver1.public.users', partition: 3, offset },
  record: {
    key: Buffer.from('{"id":1}'),
    value: Buffer.from(`{"op":"c","after":{"id":1,"name":null,"email":"${SECRET}"}}`),
  },
  ...overrides,
});

interface StoredRow {
  topic: string;
  kafka_partition: number;
  kafka_offset: string;
  record_key: string | null;
  record_value: string | null;
  raw_key: Buffer | null;
  raw_value: Buffer | null;
  stage: string;
  reason: string;
  detail: string | null;
  attempts: number;
}

const stored = async (ref: TableRef): Promise<StoredRow[]> =>
  (
    await pool.query<StoredRow>(
      `SELECT topic, kafka_partition, kafka_offset, record_key, record_value, raw_key, raw_value, stage, reason, detail, attempts
         FROM ${qualified(ref)} ORDER BY id`,
    )
  ).rows;

const columnsOf = async (ref: TableRef): Promise<string[]> =>
  (
    await pool.query<{ column_name: string; data_type: string }>(
      'SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
      [ref.schema, ref.table],
    )
  ).rows.map((row) => `${row.column_name} ${row.data_type}`);

const ALL_COLUMNS = [
  'id bigint',
  'topic text',
  'kafka_partition integer',
  'kafka_offset bigint',
  'record_key text',
  'record_value text',
  'stage text',
  'reason text',
  'failed_at timestamp with time zone',
  'raw_key bytea',
  'raw_value bytea',
  'detail text',
  'attempts integer',
  'retried_at timestamp with time zone',
];

/** A pino logger that keeps its lines, parsed. */
function capturingLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

describe('dead-letter sink', () => {
  it('creates its table at start, and again is harmless', async () => {
    await createDeadLetterSink({ pool, table });
    await createDeadLetterSink({ pool, table });
    expect(await columnsOf(table)).toEqual(ALL_COLUMNS);
  });

  it('upgrades a table made by an older version in place, keeping its rows', async () => {
    await pool.query(`CREATE TABLE ${qualified(oldTable)} (
      id bigserial PRIMARY KEY, topic text NOT NULL, kafka_partition integer NOT NULL,
      kafka_offset bigint NOT NULL, record_key text, record_value text, stage text NOT NULL,
      reason text NOT NULL, failed_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (topic, kafka_partition, kafka_offset, stage))`);
    await pool.query(
      `INSERT INTO ${qualified(oldTable)} (topic, kafka_partition, kafka_offset, record_value, stage, reason)
       VALUES ('t', 0, 1, 'old text', 'decode', 'old reason')`,
    );

    const sink = await createDeadLetterSink({ pool, table: oldTable });
    await sink.write([failure('2')]);

    expect(await columnsOf(oldTable)).toEqual(ALL_COLUMNS);
    const rows = await stored(oldTable);
    expect(rows.map((row) => [row.kafka_offset, row.record_value, row.raw_value, row.attempts])).toEqual([
      ['1', 'old text', null, 1],
      ['2', failure('2').record.value!.toString(), failure('2').record.value, 1],
    ]);
  });

  it('stores origin, raw key and value bytes, stage, reason and detail, once however often they are replayed', async () => {
    const sink = await createDeadLetterSink({ pool, table });
    const failures = [
      failure('9223372036854775806'),
      failure('12', {
        stage: 'decode',
        reason: 'value is not valid JSON (at position 0)',
        detail: null,
        record: { key: null, value: Buffer.from('not json') },
      }),
      failure('12', { stage: 'apply' }),
    ];

    await sink.write(failures);
    await sink.write(failures);
    await sink.write([failures[0]!, failure('13')]);
    await sink.write([]);

    expect(await stored(table)).toEqual(
      [failures[0]!, failures[1]!, failures[2]!, failure('13')].map((f) => ({
        topic: f.origin.topic,
        kafka_partition: f.origin.partition,
        kafka_offset: f.origin.offset,
        record_key: f.record.key?.toString() ?? null,
        record_value: f.record.value?.toString() ?? null,
        raw_key: f.record.key,
        raw_value: f.record.value,
        stage: f.stage,
        reason: f.reason,
        detail: f.detail,
        attempts: 1,
      })),
    );
  });

  it('keeps bytes that are not text exactly (NUL, invalid UTF-8); the readable copy has U+FFFD', async () => {
    const sink = await createDeadLetterSink({ pool, table });
    const value = Buffer.concat([Buffer.from('bad\u0000bytes\t"🐘"\n\\'), Buffer.from([0xff, 0xfe])]);
    await sink.write([failure('100', { stage: 'decode', record: { key: Buffer.from([0x00]), value } })]);

    const { rows } = await pool.query<{ record_value: string; raw_key: Buffer; raw_value: Buffer }>(
      `SELECT record_value, raw_key, raw_value FROM ${qualified(table)} WHERE kafka_offset = 100`,
    );
    expect(rows).toEqual([
      {
        record_value: 'bad\uFFFDbytes\t"🐘"\n\\\uFFFD\uFFFD',
        raw_key: Buffer.from([0x00]),
        raw_value: value,
      },
    ]);
  });

  it('logs one warning with counts by topic and stage, and row values at debug only', async () => {
    const { logger, lines } = capturingLogger();
    const sink = await createDeadLetterSink({ pool, table, logger });
    await sink.write([
      failure('200'),
      failure('201'),
      failure('202', {
        stage: 'decode',
        origin: { topic: 'dbserver1.public.orders', partition: 0, offset: '202' },
      }),
    ]);

    const warnings = lines.filter((line) => line['level'] === pino.levels.values['warn']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      count: 3,
      counts: { 'dbserver1.public.users apply': 2, 'dbserver1.public.orders decode': 1 },
      msg: expect.stringContaining('3 records dead-lettered'),
    });
    const aboveDebug = lines.filter((line) => Number(line['level']) > pino.levels.values['debug']!);
    expect(JSON.stringify(aboveDebug)).not.toContain(SECRET);
    // The detail is there for whoever turns debug on.
    expect(JSON.stringify(lines)).toContain(SECRET);
  });
});
