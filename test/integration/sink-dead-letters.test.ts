/** The dead-letter destination against the real target database, in a table of its own. */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeadLetterSink } from '../../src/sinks/dead-letters.js';
import { createTargetPool } from '../../src/sinks/pool.js';
import type { Failure } from '../../src/types.js';
import { qualified, uniqueTableName } from '../sinks/target-tables.js';
import { stack } from './support/stack.js';

let pool: pg.Pool;
const table = { schema: 'public', table: uniqueTableName('sink_test_dead_letters') };

beforeAll(() => {
  pool = createTargetPool(stack().TARGET_DATABASE_URL, { max: 2 });
});
afterAll(async () => {
  await pool.query(`DROP TABLE IF EXISTS ${qualified(table)}`);
  await pool.end();
});

const failure = (offset: string, overrides: Partial<Failure> = {}): Failure => ({
  kind: 'failure',
  stage: 'apply',
  reason: 'insert into "public"."x" failed (SQLSTATE 23502): null value in column "name"',
  origin: { topic: 'dbserver1.public.users', partition: 3, offset },
  key: '{"id":1}',
  value: '{"op":"c","after":{"id":1,"name":null}}',
  ...overrides,
});

interface StoredRow {
  topic: string;
  kafka_partition: number;
  kafka_offset: string;
  record_key: string | null;
  record_value: string | null;
  stage: string;
  reason: string;
  failed_at: Date;
}

const stored = async (): Promise<StoredRow[]> =>
  (await pool.query<StoredRow>(`SELECT * FROM ${qualified(table)} ORDER BY id`)).rows;

describe('dead-letter sink', () => {
  it('creates its table at start, and again is harmless', async () => {
    await createDeadLetterSink({ pool, table });
    await createDeadLetterSink({ pool, table });
    const { rows } = await pool.query<{ column_name: string; data_type: string }>(
      'SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
      [table.schema, table.table],
    );
    expect(rows.map((row) => `${row.column_name} ${row.data_type}`)).toEqual([
      'id bigint',
      'topic text',
      'kafka_partition integer',
      'kafka_offset bigint',
      'record_key text',
      'record_value text',
      'stage text',
      'reason text',
      'failed_at timestamp with time zone',
    ]);
  });

  it('stores failures with origin, key, value, stage and reason, once however often they are replayed', async () => {
    const sink = await createDeadLetterSink({ pool, table });
    const failures = [
      failure('9223372036854775806'),
      failure('12', {
        stage: 'decode',
        key: null,
        value: null,
        reason: 'Invalid value undefined supplied to : Envelope/payload',
      }),
      failure('12', { stage: 'apply' }),
    ];

    await sink.write(failures);
    await sink.write(failures);
    await sink.write([failures[0]!, failure('13')]);
    await sink.write([]);

    const rows = await stored();
    expect(rows.map(({ failed_at: _, ...row }) => row)).toEqual(
      [failures[0]!, failures[1]!, failures[2]!, failure('13')].map((f) => ({
        id: expect.any(String),
        topic: f.origin.topic,
        kafka_partition: f.origin.partition,
        kafka_offset: f.origin.offset,
        record_key: f.key,
        record_value: f.value,
        stage: f.stage,
        reason: f.reason,
      })),
    );
    for (const row of rows) expect(row.failed_at).toBeInstanceOf(Date);
  });

  it('keeps a record whose raw text holds NUL, tabs, quotes and emoji (NUL as U+FFFD)', async () => {
    const sink = await createDeadLetterSink({ pool, table });
    await sink.write([failure('100', { stage: 'decode', value: 'bad\u0000bytes\t"🐘"\n\\' })]);

    const { rows } = await pool.query<{ record_value: string }>(
      `SELECT record_value FROM ${qualified(table)} WHERE kafka_offset = 100`,
    );
    expect(rows).toEqual([{ record_value: 'bad\uFFFDbytes\t"🐘"\n\\' }]);
  });
});
