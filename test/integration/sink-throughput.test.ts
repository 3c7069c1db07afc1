/**
 * A quick figure, not a benchmark: one flush of 50,000 new rows, then one of 50,000 updates, into a
 * table shaped like the target's users. Prints rows per second; asserts correctness, never timing.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetPool } from '../../src/sinks/pool.js';
import { createPostgresSink } from '../../src/sinks/writer.js';
import type { RoutedChange, TableRef } from '../../src/types.js';
import { change } from '../sinks/fixtures.js';
import { qualified, tableRegistry } from '../sinks/target-tables.js';
import { stack } from './support/stack.js';

const ROWS = 50_000;

let pool: pg.Pool;
let registry: ReturnType<typeof tableRegistry>;

beforeAll(() => {
  pool = createTargetPool(stack().TARGET_DATABASE_URL, { max: 2 });
  registry = tableRegistry(pool);
});
afterAll(async () => {
  await registry.dropTables();
  await pool.end();
});

const users = (table: TableRef, op: 'c' | 'u', suffix: string): RoutedChange[] =>
  Array.from({ length: ROWS }, (_, index) => {
    const id = String(index + 1);
    return change(table, op, {
      key: { id },
      after: {
        id,
        name: `User ${id} ${suffix}`,
        email: `user${id}@example.com`,
        created_at: '2024-01-02 03:04:05.678901',
      },
    });
  });

describe('Postgres sink throughput', () => {
  it(`flushes ${ROWS} rows in one batch`, async () => {
    const table = await registry.createTable(`
      id integer PRIMARY KEY,
      name varchar(100) NOT NULL,
      email varchar(255) NOT NULL,
      created_at timestamp NOT NULL,
      synced_at timestamptz NOT NULL DEFAULT now()`);
    const sink = createPostgresSink({ pool, unknownColumns: 'ignore' });

    for (const [label, op, suffix] of [
      ['insert', 'c', 'v1'],
      ['update', 'u', 'v2'],
    ] as const) {
      const batch = users(table, op, suffix);
      const started = performance.now();
      const result = await sink.flush(batch);
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `[sink throughput] ${label}: ${ROWS} rows in ${seconds.toFixed(2)} s = ${Math.round(ROWS / seconds)} rows/s`,
      );
      expect(result.failed).toEqual([]);
      expect(result.applied).toHaveLength(ROWS);
    }
    // One poison record in the batch: bisection isolates it in about 2·log2(n) transactions.
    const poisoned = users(table, 'u', 'v3');
    const poisonId = String(ROWS / 2 + 1);
    poisoned[ROWS / 2] = change(table, 'u', { key: { id: poisonId }, after: { id: poisonId, name: null } });
    const started = performance.now();
    const result = await sink.flush(poisoned);
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `[sink throughput] update with one poison record: ${ROWS} rows in ${seconds.toFixed(2)} s = ${Math.round(ROWS / seconds)} rows/s`,
    );
    expect(result.failed).toHaveLength(1);
    expect(result.applied).toHaveLength(ROWS - 1);

    const { rows } = await pool.query<{ count: string; updated: string }>(
      `SELECT count(*) AS count, count(*) FILTER (WHERE name LIKE '% v3') AS updated FROM ${qualified(table)}`,
    );
    expect(rows[0]).toEqual({ count: String(ROWS), updated: String(ROWS - 1) });
  });
});
