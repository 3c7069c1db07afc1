/**
 * Target tables the pipeline makes (issue 12), for a user who never runs add-table: a table in a new
 * schema joins the connector by hand, and the pipeline under PIPELINE_SCHEMA_EVOLUTION=
 * create-and-add-columns creates its schema, its enum and the table with the source's exact
 * declared types (modifiers included), then adds a column the source gains. verify passes with
 * the documented losses reported apart, and still fails on a real difference.
 */
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipelineChild, type PipelineChild } from '../../infra/demo/pipeline-child.js';
import { equivalent, verifyTable, type TableVerdict } from '../../src/tools/verify.js';
import { cliEnv, runCli, shown } from './support/cli.js';
import { source, stack, target } from './support/stack.js';
import { cleanUp, restoreConfig, runningConfig, waitUntil, type Config } from './support/tables.js';
import { putConfig } from '../../src/tools/tables/connector-rest.js';
import { readConnectorFile } from '../../infra/stack/connect.js';

const RUN = `${process.pid}_${Date.now().toString(36)}`;
const SCHEMA = `evolve_${RUN}`;
const TABLE = `${SCHEMA}.matrix`;
const GROUP = `cdc-tables-evolution-${RUN}`;
const LOG_FILE = path.join(os.tmpdir(), `${GROUP}.log`);

const COLUMNS = `
  id          bigint PRIMARY KEY,
  code        char(5) NOT NULL,
  name        varchar(100),
  note        text,
  price       numeric(10,2) NOT NULL,
  ratio       numeric,
  whole       numeric(7),
  at_ms       timestamp(3),
  at_us       timestamp,
  at_tz       timestamptz(0),
  clock       time(2),
  clock_tz    timetz,
  span        interval(3),
  flags       bit(3),
  bits        varbit(7),
  tags        varchar(20)[],
  amounts     numeric(5,1)[],
  mood        ${SCHEMA}.mood,
  doc         jsonb,
  raw         bytea,
  uid         uuid,
  small       smallint NOT NULL,
  real_value  real,
  cash        money,
  day         date,
  ok          boolean`;

let original: Config;
let pipeline: PipelineChild | undefined;

const typesOf = (db: Parameters<Parameters<typeof source>[0]>[0]): Promise<string[]> =>
  db
    .query<{ c: string }>(
      `SELECT attname || ' ' || format_type(atttypid, atttypmod) || CASE WHEN attnotnull THEN ' NOT NULL' ELSE '' END AS c
         FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attname <> 'synced_at'
        ORDER BY attnum`,
      [TABLE],
    )
    .then((result) => result.rows.map((row) => row.c));

const verdict = (): Promise<TableVerdict> =>
  source((from) => target((to) => verifyTable(from, to, 'matrix', { schema: SCHEMA })));

async function converged(): Promise<TableVerdict> {
  let last: TableVerdict | undefined;
  const done = await waitUntil(async () => {
    last = await verdict().catch(() => undefined);
    return last && equivalent(last) && last.sourceRows > 0 ? last : undefined;
  });
  expect(done, `target ${TABLE} never matched: ${JSON.stringify(last)}; log ${LOG_FILE}`).toBeDefined();
  return done!;
}

beforeAll(async () => {
  original = await runningConfig();
  const prefix = original['topic.prefix'] ?? 'dbserver1';
  await source(async (db) => {
    await db.query(`CREATE SCHEMA ${SCHEMA}`);
    await db.query(`CREATE TYPE ${SCHEMA}.mood AS ENUM ('sad', 'ok', 'happy')`);
    await db.query(`CREATE TABLE ${TABLE} (${COLUMNS})`);
  });
  // Added by hand, as a user without add-table does: the connector's include list, by REST.
  await putConfig(stack().CONNECT_URL, readConnectorFile().name, {
    ...original,
    'table.include.list': `${original['table.include.list']},${TABLE}`,
  });
  await waitUntil(() =>
    source(async (db) =>
      (await db.query(`SELECT 1 FROM pg_publication_tables WHERE schemaname = $1`, [SCHEMA])).rowCount
        ? true
        : undefined,
    ),
  );
  pipeline = startPipelineChild(
    cliEnv({
      PIPELINE_GROUP_ID: GROUP,
      PIPELINE_TOPIC_PATTERN: `^${prefix}\\.${SCHEMA}\\.[^.]+$`,
      PIPELINE_NEW_GROUP_START: 'earliest',
      PIPELINE_SCHEMA_EVOLUTION: 'create-and-add-columns',
      PIPELINE_ACCEPT_LOSSES: 'timetz-offset,varbit-length',
      PIPELINE_METRICS_PORT: '0',
      PIPELINE_PROGRESS_INTERVAL_MS: '0',
      LOG_FORMAT: 'json',
    }),
    LOG_FILE,
  );
});

afterAll(async () => {
  await restoreConfig(original).catch(() => undefined);
  const stopped = await pipeline?.stop();
  const errors = await cleanUp([SCHEMA], original['topic.prefix'] ?? 'dbserver1', [GROUP]);
  expect(errors).toEqual([]);
  expect(stopped?.forced, `the pipeline stops gracefully (log ${LOG_FILE})`).toBe(false);
});

describe('PIPELINE_SCHEMA_EVOLUTION=create-and-add-columns', () => {
  it('creates the missing schema, enum and table with the exact source types, and applies the rows', async () => {
    await source((db) =>
      db.query(`INSERT INTO ${TABLE}
        SELECT i, 'c' || (i % 10), 'name ' || i, NULL, i * 1.25, i / 3.0, i, now(), now(), now(), '12:34:56.78',
               CASE WHEN i % 2 = 0 THEN '12:34:56.789+05:30'::timetz ELSE '08:00:00+00'::timetz END,
               '1 year 2 mons 3.456 seconds', B'101', CASE WHEN i % 3 = 0 THEN B'00101' ELSE B'1010101' END,
               ARRAY['a', 'b'], ARRAY[1.5, NULL], 'happy', '{"a": [1, 2.50]}', '\\x00ff', gen_random_uuid(),
               i % 100, 0.1, 12.34, '2024-02-29', i % 2 = 0
          FROM generate_series(1, 300) AS i`),
    );
    const done = await converged();
    expect(done.sourceRows).toBe(300);
    // The even rows' +05:30 became UTC, and every third row's 5-bit varbit was padded to its declared 7
    // bits: both documented losses (150 + 100 - the 50 with both). The others are exact.
    expect(done.losses.rows).toBe(200);
    expect(done.losses.columns).toEqual([
      { column: 'clock_tz', loss: 'timetz-offset' },
      { column: 'bits', loss: 'varbit-length' },
    ]);
    expect(await target(typesOf)).toEqual(await source(typesOf));
    expect(await target(typesOf)).toContain('span interval(3)');
  });

  it('adds a column the source gains, nullable and of the exact type; verify passes, and fails on a real difference', async () => {
    await source(async (db) => {
      await db.query(`ALTER TABLE ${TABLE} ADD COLUMN weight numeric(12,3), ADD COLUMN seen_at timestamp(3)`);
      await db.query(
        `UPDATE ${TABLE} SET weight = id / 7.0, seen_at = '2024-01-01 00:00:00.123' WHERE id <= 50`,
      );
    });
    await waitUntil(async () => {
      const columns = await target(typesOf);
      return columns.includes('weight numeric(12,3)') ? true : undefined;
    });
    await converged();
    expect((await target(typesOf)).slice(-2)).toEqual([
      'weight numeric(12,3)',
      'seen_at timestamp(3) without time zone',
    ]);

    const env = cliEnv();
    const clean = await runCli('verify', ['--table', TABLE], { env });
    expect(clean.code, shown(clean)).toBe(0);
    expect(clean.stdout).toContain(
      `✓ ${TABLE}: source 300 rows, target 300 rows, identical but for documented Debezium losses`,
    );

    await target((db) => db.query(`UPDATE ${TABLE} SET name = 'changed in the target' WHERE id = 7`));
    const differs = await runCli('verify', ['--table', TABLE], { env });
    expect(differs.code, shown(differs)).toBe(1);
    expect(differs.stdout).toContain('    1 differing: keys [7]');
    expect(differs.stdout).toContain('Source and target differ.');
  });
});
