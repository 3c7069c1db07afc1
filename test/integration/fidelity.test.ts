/**
 * Data fidelity end to end on the real stack: every PostgreSQL type of the type matrix and every
 * Debezium event kind (snapshot read, create, update, delete, truncate, logical message, TOAST
 * placeholder, incremental snapshot) arrives in the target exactly, or exactly as documented in
 * docs/data-fidelity.md.
 *
 * Isolation: the test has its own schema in both databases, its own Debezium connectors (own slot,
 * publication and topic prefix, registered through Connect's REST API) and its own consumer groups;
 * afterAll removes all of them, whatever happened. The shared `postgres-connector` is not touched.
 * The pipeline runs in-process as a library (runPipeline, the Postgres sink, the dead-letter sink).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableRef } from '../../src/types.js';
import {
  diffTable,
  NO_DIFFERENCE,
  targetTexts,
  waitForMatch,
  type ComparedColumn,
} from './support/fidelity-compare.js';
import {
  bigText,
  enumSql,
  insertMatrixRows,
  lit,
  MATRIX_COLUMNS,
  MATRIX_COMPARED,
  MATRIX_ROWS,
  MATRIX_TABLE,
  matrixTableSql,
  snapshotRows,
} from './support/fidelity-matrix.js';
import { startFidelityPipeline, waitUntil, type FidelityPipeline } from './support/fidelity-pipeline.js';
import {
  assertConnectorRunning,
  committedOffsets,
  connectorConfig,
  connectorsOf,
  createTopics,
  endOffsets,
  DEBEZIUM_DEFAULT_OPTIONS,
  EXACT_OPTIONS,
  LARGE_MESSAGE_OPTIONS,
  messageTopic,
  newRun,
  readTopic,
  startConnector,
  sweepStaleRuns,
  tableTopic,
  teardownRun,
} from './support/fidelity-stack.js';
import { source, target } from './support/stack.js';

const run = newRun();
const { main, defaults } = connectorsOf(run);
const S = run.schema;
const SIGNAL_TABLE = 'fidelity_signal';
const DEAD_LETTERS: TableRef = { schema: S, table: 'cdc_dead_letters' };
const SNAPSHOT_ROWS = 300;
const PLACEHOLDER = '__debezium_unavailable_value';

/** Tables besides the type matrix: name → columns (the target adds synced_at). */
const TABLES = {
  toast_probe:
    'id integer PRIMARY KEY, note integer, big_text text, big_bytea bytea, big_jsonb jsonb, big_text_array text[], big_int_array integer[]',
  truncate_probe: 'id integer PRIMARY KEY, v text',
  schema_evolution: 'id integer PRIMARY KEY, a text',
  schema_dead_letter: 'id integer PRIMARY KEY, a text',
  snapshot_probe: 'id integer PRIMARY KEY, v text, n integer',
  debezium_limits: 'id integer PRIMARY KEY, int_matrix integer[], text_matrix text[], shifted integer[]',
  lossy_defaults:
    "id integer PRIMARY KEY, c_numeric numeric, c_interval interval, c_text_default text DEFAULT 'fallback', c_timestamptz_default timestamptz DEFAULT now()",
} as const;
type Table = keyof typeof TABLES | typeof MATRIX_TABLE;

const qualified = (table: string): string => `${pg.escapeIdentifier(S)}.${pg.escapeIdentifier(table)}`;
const topicOf = (table: Table): string =>
  table === 'lossy_defaults' ? tableTopic(defaults, S, table) : tableTopic(main, S, table);
const columns = (...names: string[]): ComparedColumn[] => names.map((name) => ({ name }));

/** Tables the main pipeline applies (schema_dead_letter has its own pipeline; the signal table none). */
const MAIN_TABLES: readonly Table[] = [
  MATRIX_TABLE,
  'toast_probe',
  'truncate_probe',
  'schema_evolution',
  'snapshot_probe',
  'debezium_limits',
  'lossy_defaults',
];
const MAIN_TOPICS = [...MAIN_TABLES.map(topicOf), messageTopic(main)];
const DEAD_LETTER_TOPICS = [topicOf('schema_dead_letter')];

let pipeline: FidelityPipeline | undefined;
let deadLetterPipeline: FidelityPipeline | undefined;
const pipelines = (): FidelityPipeline[] => [pipeline, deadLetterPipeline].filter((p) => p !== undefined);
const mainGroup = `${run.groupPrefix}main`;
let readers = 0;
const readerGroup = (): string => `${run.groupPrefix}read-${++readers}`;

const startMainPipeline = (): Promise<FidelityPipeline> =>
  startFidelityPipeline({
    groupId: mainGroup,
    topics: MAIN_TOPICS,
    route: {
      topicPrefix: main.topicPrefix,
      tables: { [topicOf('lossy_defaults')]: { schema: S, table: 'lossy_defaults' } },
    },
    deadLetterTable: DEAD_LETTERS,
    // The matrix has a timetz column: its documented loss (moved to UTC) is accepted here and
    // asserted as documented; refusing it by default is fidelity-types.test.ts's.
    decode: { acceptLosses: ['timetz-offset'], includeUnknownDatatypes: true },
  });

/** Runs each statement in its own transaction (autocommit), in order. */
const sourceRun = (...statements: string[]): Promise<void> =>
  source(async (db) => {
    for (const statement of statements) await db.query(statement);
  });

async function deadLetters(topic: string): Promise<{ stage: string; reason: string; key: string | null }[]> {
  return target(async (db) => {
    const { rows } = await db.query<{ stage: string; reason: string; key: string | null }>(
      `SELECT stage, reason, record_key AS key FROM ${qualified(DEAD_LETTERS.table)} WHERE topic = $1 ORDER BY id`,
      [topic],
    );
    return rows;
  });
}

beforeAll(async () => {
  await sweepStaleRuns();
  const tableSql = (side: 'source' | 'target'): string[] => [
    `CREATE SCHEMA ${S}`,
    enumSql(S),
    ...matrixTableSql(S, side),
    ...Object.entries(TABLES).map(
      ([name, definition]) =>
        `CREATE TABLE ${qualified(name)} (${definition}${side === 'target' ? ', synced_at timestamptz DEFAULT now()' : ''})`,
    ),
  ];
  await source(async (db) => {
    for (const statement of tableSql('source')) await db.query(statement);
    await db.query(`ALTER TABLE ${qualified('toast_probe')} REPLICA IDENTITY DEFAULT`);
    await db.query(
      `CREATE TABLE ${qualified(SIGNAL_TABLE)} (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))`,
    );
    // Rows that exist before the connector: its initial snapshot reads them (op r).
    await insertMatrixRows(db, S, 0);
    await db.query(
      `INSERT INTO ${qualified('snapshot_probe')} SELECT g, 'v' || g, 0 FROM generate_series(1, ${SNAPSHOT_ROWS}) AS g`,
    );
  });
  await target(async (db) => {
    for (const statement of tableSql('target')) await db.query(statement);
  });
  await createTopics([...MAIN_TOPICS, ...DEAD_LETTER_TOPICS]);
  const mainTables = [MATRIX_TABLE, ...Object.keys(TABLES), SIGNAL_TABLE]
    .filter((table) => table !== 'lossy_defaults')
    .map((table) => `${S}.${table}`);
  await startConnector(
    main,
    connectorConfig(main, mainTables, {
      ...EXACT_OPTIONS,
      ...LARGE_MESSAGE_OPTIONS,
      'signal.data.collection': `${S}.${SIGNAL_TABLE}`,
      'incremental.snapshot.chunk.size': '25',
    }),
  );
  await startConnector(
    defaults,
    connectorConfig(defaults, [`${S}.lossy_defaults`], DEBEZIUM_DEFAULT_OPTIONS),
  );
  pipeline = await startMainPipeline();
  deadLetterPipeline = await startFidelityPipeline({
    groupId: `${run.groupPrefix}dead-letter`,
    topics: DEAD_LETTER_TOPICS,
    route: { topicPrefix: main.topicPrefix },
    deadLetterTable: DEAD_LETTERS,
    unknownColumns: 'dead-letter',
  });
});

afterAll(async () => {
  const problems: string[] = [];
  for (const running of pipelines()) {
    await running
      .stop()
      .catch((error: unknown) => problems.push(`pipeline ${running.groupId}: ${String(error)}`));
  }
  problems.push(...(await teardownRun(run)));
  expect(problems).toEqual([]);
});

describe('snapshot: rows that existed before the connector', () => {
  const snapshotIds = new Set(MATRIX_ROWS.map(({ id }) => String(id)));

  it('arrive as op r and are applied like inserts', async () => {
    const diff = await waitForMatch(S, 'snapshot_probe', columns('v', 'n'), { pipelines: pipelines() });
    expect(diff).toEqual(NO_DIFFERENCE);
    const events = await readTopic(
      topicOf('snapshot_probe'),
      readerGroup(),
      (all) => all.length >= SNAPSHOT_ROWS,
    );
    expect(events).toHaveLength(SNAPSHOT_ROWS);
    expect(new Set(events.map(({ op }) => op))).toEqual(new Set(['r']));
    // first/last mark the ends of the whole snapshot, *_in_data_collection the ends of one table.
    const markers = new Set(['first', 'first_in_data_collection', 'true', 'last_in_data_collection', 'last']);
    expect(events.filter(({ snapshot }) => !markers.has(snapshot ?? 'false'))).toEqual([]);
  });

  it('carry every type of the matrix exactly, except the snapshot’s documented date losses', async () => {
    const diff = await waitForMatch(S, MATRIX_TABLE, MATRIX_COMPARED, {
      adjust: snapshotRows(snapshotIds),
      pipelines: pipelines(),
    });
    expect(diff).toEqual(NO_DIFFERENCE);
    // The documented losses of the snapshot path (JDBC java.sql.Date), stated as values:
    const dates = await targetTexts(S, MATRIX_TABLE, ['c_date']);
    const dateOf = (id: number): string | null | undefined =>
      dates.find((row) => row['id'] === String(id))?.['c_date'];
    expect([dateOf(11), dateOf(12), dateOf(14)]).toEqual(['0044-03-15', '4713-01-01', '1582-10-20']);
  });
});

describe('the type matrix while streaming (REPLICA IDENTITY FULL)', () => {
  it('inserts arrive exactly', async () => {
    await source((db) => insertMatrixRows(db, S, 100));
    const snapshotOnly = new Set(MATRIX_ROWS.map(({ id }) => String(id)));
    const diff = await waitForMatch(S, MATRIX_TABLE, MATRIX_COMPARED, {
      adjust: snapshotRows(snapshotOnly),
      pipelines: pipelines(),
    });
    expect(diff).toEqual(NO_DIFFERENCE);
  });

  it('updates (min ↔ max, values ↔ NULL, the 2 MB text kept or replaced) and deletes arrive exactly', async () => {
    const table = qualified(MATRIX_TABLE);
    const all = MATRIX_COLUMNS.join(', ');
    const copy = (from: number, to: number): string =>
      `UPDATE ${table} AS t SET (${all}) = (SELECT ${all} FROM ${table} AS s WHERE s.id = ${from}) WHERE t.id = ${to}`;
    await sourceRun(
      copy(103, 102), // minimums → maximums
      copy(104, 101), // NULLs → unicode, fractions, zones
      copy(1, 104), // everything → NULL
      // Snapshot rows whose dates the snapshot got wrong: a streamed update carries them exactly.
      `UPDATE ${table} SET c_integer = 7 WHERE id IN (11, 12, 14)`,
      // The 2 MB text left untouched (FULL identity: Debezium sends it whole), then replaced.
      `UPDATE ${table} SET c_integer = 42 WHERE id = 116`,
      `UPDATE ${table} SET c_text = ${bigText('second')} WHERE id = 16`,
      `UPDATE ${table} SET c_numeric = '1.000', c_real = 'NaN', c_double = '0', c_text_default = NULL WHERE id = 105`,
      `UPDATE ${table} SET c_text_default = 'set' WHERE id = 2`,
      `DELETE FROM ${table} WHERE id IN (106, 7, 108)`,
    );
    const diff = await waitForMatch(S, MATRIX_TABLE, MATRIX_COMPARED, { pipelines: pipelines() });
    expect(diff).toEqual(NO_DIFFERENCE);

    // FULL identity really did carry the untouched 2 MB text in the update (no placeholder).
    const events = await readTopic(topicOf(MATRIX_TABLE), readerGroup(), (seen) =>
      seen.some((event) => event.op === 'u' && event.key?.['id'] === 116),
    );
    const untouched = events.find((event) => event.op === 'u' && event.key?.['id'] === 116);
    expect(String(untouched?.after?.['c_text']).length).toBeGreaterThan(2_000_000);
  });
});

/** SQL of large, incompressible values (so PostgreSQL TOASTs them out of line), from a seed. */
const largeValues = (seed: string): Record<string, string> => {
  const digests = `FROM generate_series(1, 20000) AS g`;
  const md5 = `md5(g::text || ${lit(seed)})`;
  return {
    big_text: `(SELECT string_agg(${md5}, '' ORDER BY g) || ' 🚀' ${digests})`,
    big_bytea: `(SELECT decode(string_agg(${md5}, '' ORDER BY g), 'hex') ${digests})`,
    big_jsonb: `(SELECT jsonb_build_object('k', string_agg(${md5}, '' ORDER BY g)) ${digests})`,
    big_text_array: `(SELECT array_agg(${md5} ORDER BY g) ${digests})`,
    big_int_array: `(SELECT array_agg(hashtext(${md5}) ORDER BY g) ${digests})`,
  };
};
const TOAST_COLUMNS = columns(
  'note',
  'big_text',
  'big_bytea',
  'big_jsonb',
  'big_text_array',
  'big_int_array',
);
const insertLarge = (id: number, seed: string): string => {
  const values = largeValues(seed);
  return `INSERT INTO ${qualified('toast_probe')} (id, note, ${Object.keys(values).join(', ')})
          VALUES (${id}, 0, ${Object.values(values).join(', ')})`;
};
const updateLarge = (id: number, seed: string, ...names: string[]): string => {
  const values = largeValues(seed);
  return `UPDATE ${qualified('toast_probe')} SET ${names.map((name) => `${name} = ${values[name]}`).join(', ')} WHERE id = ${id}`;
};
const touchNote = (id: number): string =>
  `UPDATE ${qualified('toast_probe')} SET note = note + 1 WHERE id = ${id}`;

/** Rows of toast_probe in the target holding the placeholder in any form (text, bytes, array, byte array). */
const placeholderRows = (): Promise<number> =>
  target(async (db) => {
    const { rows } = await db.query<{ count: string }>(
      `SELECT count(*) FROM ${qualified('toast_probe')}
        WHERE position($1 IN big_text) > 0 OR position(convert_to($1, 'UTF8') IN big_bytea) > 0
           OR position($1 IN big_jsonb::text) > 0 OR $1 = ANY (big_text_array)
           OR big_int_array[1:3] = '{95,95,100}'`,
      [PLACEHOLDER],
    );
    return Number(rows[0]?.count);
  });

describe('TOAST: unchanged large values (toast_probe, REPLICA IDENTITY DEFAULT)', () => {
  it('an update of another column keeps every large value (text, bytea, jsonb, text[], int[])', async () => {
    await sourceRun(insertLarge(1, 'a'), touchNote(1));
    const diff = await waitForMatch(S, 'toast_probe', TOAST_COLUMNS, { pipelines: pipelines() });
    expect(diff).toEqual(NO_DIFFERENCE);
    expect(await placeholderRows()).toBe(0);

    // Debezium did send the placeholder, in each column type's shape.
    const events = await readTopic(topicOf('toast_probe'), readerGroup(), (seen) =>
      seen.some(({ op }) => op === 'u'),
    );
    const after = events.find(({ op }) => op === 'u')?.after ?? {};
    expect(after['big_text']).toBe(PLACEHOLDER);
    expect(after['big_jsonb']).toBe(PLACEHOLDER);
    expect(after['big_bytea']).toBe(Buffer.from(PLACEHOLDER).toString('base64'));
    expect(after['big_text_array']).toEqual([PLACEHOLDER]);
    expect(after['big_int_array']).toEqual([...Buffer.from(PLACEHOLDER)]);
  });
});

describe('a backlog applied in one batch (the pipeline stopped while the source changes)', () => {
  it('TOAST: many updates of one key, changed and unchanged large values mixed, end exact; truncates in between keep their order', async () => {
    await pipeline?.stop();
    pipeline = undefined;
    const before = await endOffsets([topicOf('toast_probe'), topicOf('truncate_probe')]);
    const truncate = qualified('truncate_probe');
    await sourceRun(
      // Row 1 (in the target already): changed, unchanged, changed twice, unchanged.
      updateLarge(1, 'b1', 'big_text'),
      touchNote(1),
      updateLarge(1, 'b2', 'big_text', 'big_bytea', 'big_int_array'),
      touchNote(1),
      // Row 2: inserted and updated without its large values in the same batch.
      insertLarge(2, 'c'),
      touchNote(2),
      // Row 3: inserted, updated, deleted, inserted again with other values, updated.
      insertLarge(3, 'd1'),
      touchNote(3),
      `DELETE FROM ${qualified('toast_probe')} WHERE id = 3`,
      insertLarge(3, 'd2'),
      touchNote(3),
      // Truncate between inserts, all in the same backlog.
      `INSERT INTO ${truncate} VALUES (9, 'before'), (10, 'before')`,
      `TRUNCATE ${truncate}`,
      `INSERT INTO ${truncate} VALUES (11, 'after')`,
      `UPDATE ${truncate} SET v = 'after, updated' WHERE id = 11`,
    );
    // 12 toast records (11 changes and the tombstone after the delete), 5 truncate_probe records.
    const published = await waitUntil(async () => {
      const now = await endOffsets([...before.keys()]);
      return (
        now.get(topicOf('toast_probe'))! - before.get(topicOf('toast_probe'))! >= 12n &&
        now.get(topicOf('truncate_probe'))! - before.get(topicOf('truncate_probe'))! >= 5n
      );
    });
    expect(published).toBe(true);

    pipeline = await startMainPipeline();
    const toast = await waitForMatch(S, 'toast_probe', TOAST_COLUMNS, { pipelines: pipelines() });
    expect(toast).toEqual(NO_DIFFERENCE);
    expect(await placeholderRows()).toBe(0);
    const truncated = await waitForMatch(S, 'truncate_probe', columns('v'), { pipelines: pipelines() });
    expect(truncated).toEqual(NO_DIFFERENCE);
    expect(await targetTexts(S, 'truncate_probe', ['v'])).toEqual([{ id: '11', v: 'after, updated' }]);
    // The backlog was compacted: some flush received more changes than it wrote.
    expect(
      pipeline.reports.some((report) => report.type === 'flush' && report.received > report.written),
    ).toBe(true);
  });
});

describe('truncate and logical decoding messages', () => {
  it('insert, TRUNCATE, insert: the target holds exactly the rows after the truncate', async () => {
    const table = qualified('truncate_probe');
    await sourceRun(
      `INSERT INTO ${table} VALUES (1, 'one')`,
      `INSERT INTO ${table} VALUES (2, 'two')`,
      `TRUNCATE ${table}`,
      `INSERT INTO ${table} VALUES (3, 'three')`,
      `INSERT INTO ${table} VALUES (4, 'four')`,
    );
    expect(await waitForMatch(S, 'truncate_probe', columns('v'), { pipelines: pipelines() })).toEqual(
      NO_DIFFERENCE,
    );
    expect(await targetTexts(S, 'truncate_probe', ['v'])).toEqual([
      { id: '3', v: 'three' },
      { id: '4', v: 'four' },
    ]);

    // The same inside one transaction.
    await source(async (db) => {
      await db.query('BEGIN');
      await db.query(`INSERT INTO ${table} VALUES (5, 'five')`);
      await db.query(`TRUNCATE ${table}`);
      await db.query(`INSERT INTO ${table} VALUES (6, 'six'), (7, 'seven')`);
      await db.query('COMMIT');
    });
    expect(await waitForMatch(S, 'truncate_probe', columns('v'), { pipelines: pipelines() })).toEqual(
      NO_DIFFERENCE,
    );
    expect(await targetTexts(S, 'truncate_probe', ['v'])).toEqual([
      { id: '6', v: 'six' },
      { id: '7', v: 'seven' },
    ]);
  });

  it('op m (pg_logical_emit_message) is skipped and acknowledged: nothing written, nothing dead-lettered', async () => {
    const topic = messageTopic(main);
    const [start = 0n] = (await endOffsets([topic])).values();
    await source(async (db) => {
      await db.query('BEGIN');
      await db.query(`INSERT INTO ${qualified('truncate_probe')} VALUES (8, 'with a message')`);
      await db.query("SELECT pg_logical_emit_message(true, 'fidelity-test', 'transactional')");
      await db.query('COMMIT');
      await db.query("SELECT pg_logical_emit_message(false, 'fidelity-test', 'non-transactional')");
      await db.query(`INSERT INTO ${qualified('truncate_probe')} VALUES (9, 'after the messages')`);
    });
    // Skipped records are committed with the next flush of any lane (or at shutdown): a no-op
    // update of a row makes one, should the messages have been read after the last flush.
    let published = 0n;
    const acknowledged = await waitUntil(
      async () => {
        if (published === 0n) {
          const [end = 0n] = (await endOffsets([topic])).values();
          if (end >= start + 2n) published = end;
          return false;
        }
        const [committed = -1n] = (await committedOffsets(mainGroup, [topic])).values();
        if (committed >= published) return true;
        await sourceRun(`UPDATE ${qualified('truncate_probe')} SET v = v WHERE id = 9`);
        return false;
      },
      { pipelines: pipelines() },
    );
    expect(acknowledged).toBe(true);
    expect(await waitForMatch(S, 'truncate_probe', columns('v'), { pipelines: pipelines() })).toEqual(
      NO_DIFFERENCE,
    );
    expect(await deadLetters(topic)).toEqual([]);
  });
});

describe('schema changes while the pipeline runs', () => {
  const evolution = qualified('schema_evolution');

  it('a column added in source and target flows without a restart', async () => {
    await sourceRun(`INSERT INTO ${evolution} VALUES (1, 'a1')`);
    expect(await waitForMatch(S, 'schema_evolution', columns('a'), { pipelines: pipelines() })).toEqual(
      NO_DIFFERENCE,
    );
    await target((db) => db.query(`ALTER TABLE ${evolution} ADD COLUMN b text`));
    await sourceRun(
      `ALTER TABLE ${evolution} ADD COLUMN b text`,
      `INSERT INTO ${evolution} VALUES (2, 'a2', 'b2')`,
      `UPDATE ${evolution} SET b = 'b1' WHERE id = 1`,
    );
    expect(await waitForMatch(S, 'schema_evolution', columns('a', 'b'), { pipelines: pipelines() })).toEqual(
      NO_DIFFERENCE,
    );
  });

  it("a column added in the source only: policy 'ignore' applies the rest of the row and warns once", async () => {
    await sourceRun(
      `ALTER TABLE ${evolution} ADD COLUMN c text`,
      `INSERT INTO ${evolution} VALUES (3, 'a3', 'b3', 'c3')`,
      `UPDATE ${evolution} SET a = 'a2x', c = 'c2' WHERE id = 2`,
    );
    expect(await waitForMatch(S, 'schema_evolution', columns('a', 'b'), { pipelines: pipelines() })).toEqual(
      NO_DIFFERENCE,
    );
    const warnings = (pipeline?.logLines ?? []).filter((line) => line['column'] === 'c');
    expect(warnings).toEqual([
      expect.objectContaining({
        level: 40,
        table: `${S}.schema_evolution`,
        column: 'c',
        msg: 'event column not in the target table: ignored (add it to the target to keep its values)',
      }),
    ]);
    expect(await deadLetters(topicOf('schema_evolution'))).toEqual([]);
  });

  it('…added to the target later: new values flow, values sent meanwhile are not back-filled', async () => {
    await target((db) => db.query(`ALTER TABLE ${evolution} ADD COLUMN c text`));
    await sourceRun(`UPDATE ${evolution} SET a = 'a3x' WHERE id = 3`);
    const caughtUp = await waitUntil(
      async () => (await targetTexts(S, 'schema_evolution', ['a']))[2]?.['a'] === 'a3x',
      { pipelines: pipelines() },
    );
    expect(caughtUp).toBe(true);
    expect(await targetTexts(S, 'schema_evolution', ['a', 'b', 'c'])).toEqual([
      { id: '1', a: 'a1', b: 'b1', c: null },
      { id: '2', a: 'a2x', b: 'b2', c: null }, // 'c2' arrived while the target had no column c
      { id: '3', a: 'a3x', b: 'b3', c: 'c3' },
    ]);
  });

  it("a column added in the source only: policy 'dead-letter' sends the change to cdc_dead_letters with the reason", async () => {
    const table = qualified('schema_dead_letter');
    await sourceRun(`INSERT INTO ${table} VALUES (1, 'a1')`);
    expect(await waitForMatch(S, 'schema_dead_letter', columns('a'), { pipelines: pipelines() })).toEqual(
      NO_DIFFERENCE,
    );
    await sourceRun(
      `ALTER TABLE ${table} ADD COLUMN c text`,
      `INSERT INTO ${table} VALUES (2, 'a2', 'c2')`,
      `UPDATE ${table} SET c = 'c1' WHERE id = 1`,
    );
    const topic = topicOf('schema_dead_letter');
    const arrived = await waitUntil(async () => (await deadLetters(topic)).length >= 2, {
      pipelines: pipelines(),
    });
    expect(arrived).toBe(true);
    const reason = `column "c" not in target table "${S}"."schema_dead_letter": add them to the target table, or run with PIPELINE_UNKNOWN_COLUMNS=ignore to leave their values out`;
    // The dead letter keeps the raw Kafka key (the Connect schema and its payload), for an exact replay.
    expect(await deadLetters(topic)).toEqual([
      { stage: 'apply', reason, key: expect.stringContaining('"payload":{"id":2}') },
      { stage: 'apply', reason, key: expect.stringContaining('"payload":{"id":1}') },
    ]);
    expect(await targetTexts(S, 'schema_dead_letter', ['a'])).toEqual([{ id: '1', a: 'a1' }]);
  });
});

describe('re-snapshot while the pipeline runs', () => {
  it('an incremental snapshot (execute-snapshot signal) never regresses rows changed before or during it', async () => {
    const table = qualified('snapshot_probe');
    // Changed after the initial snapshot, before the re-snapshot.
    await sourceRun(`UPDATE ${table} SET v = 'newer', n = n + 1 WHERE id = 2`);
    expect(await waitForMatch(S, 'snapshot_probe', columns('v', 'n'), { pipelines: pipelines() })).toEqual(
      NO_DIFFERENCE,
    );

    const signal = JSON.stringify({ 'data-collections': [`${S}.snapshot_probe`], type: 'incremental' });
    await sourceRun(
      `INSERT INTO ${qualified(SIGNAL_TABLE)} (id, type, data) VALUES ('resnapshot-1', 'execute-snapshot', ${lit(signal)})`,
    );
    // Changed while the snapshot runs (every row but the last, whose read marks the end).
    let writing = true;
    const writer = source(async (db) => {
      for (let i = 0; writing && i < 2000; i += 1) {
        await db.query(`UPDATE ${table} SET v = 'during ' || $1, n = n + 1 WHERE id = $2`, [
          i,
          1 + ((i * 37) % (SNAPSHOT_ROWS - 1)),
        ]);
      }
    });
    const events = await readTopic(
      topicOf('snapshot_probe'),
      readerGroup(),
      (seen) => seen.some((event) => event.snapshot === 'incremental' && event.key?.['id'] === SNAPSHOT_ROWS),
      60_000,
    );
    writing = false;
    await writer;
    expect(
      events.filter((event) => event.snapshot === 'incremental' && event.op === 'r').length,
    ).toBeGreaterThan(0);
    expect(await waitForMatch(S, 'snapshot_probe', columns('v', 'n'), { pipelines: pipelines() })).toEqual(
      NO_DIFFERENCE,
    );
  });
});

describe('documented losses, asserted as documented', () => {
  it("with Debezium's default options: unconstrained numerics, intervals and NULLs in columns with a DEFAULT", async () => {
    const table = qualified('lossy_defaults');
    await sourceRun(
      `INSERT INTO ${table} VALUES (1, '1.50', '1 mon', NULL, NULL)`,
      `INSERT INTO ${table} VALUES (2, 'NaN', '1 year 2 mons 3 days 04:05:06.789012', 'kept', '2024-01-01 00:00:00+00')`,
      `INSERT INTO ${table} VALUES (3, 'Infinity', '300 years 00:00:00.000001', DEFAULT, '2000-01-01 00:00:00+00')`,
      `INSERT INTO ${table} VALUES (4, '-Infinity', '178000000 years', NULL, NULL)`,
      `INSERT INTO ${table} VALUES (5, '1234567890.1234567890123456789012345678900', '-1 mons', '', NULL)`,
      `INSERT INTO ${table} VALUES (6, '0', '-178000000 years', 'x', NULL)`,
    );
    const topic = topicOf('lossy_defaults');
    const settled = await waitUntil(
      async () =>
        (await targetTexts(S, 'lossy_defaults', [])).length === 4 && (await deadLetters(topic)).length === 2,
      { pipelines: pipelines() },
    );
    expect(settled).toBe(true);
    const epoch = '1970-01-01 00:00:00+00';
    const columnsOfTable = ['c_numeric', 'c_interval', 'c_text_default', 'c_timestamptz_default'];
    expect(await targetTexts(S, 'lossy_defaults', columnsOfTable)).toEqual([
      // '1.50' loses its display scale; a NULL in a column with a DEFAULT arrives as the default,
      // and for `DEFAULT now()` as Connect's default of the type: the epoch.
      {
        id: '1',
        c_numeric: '1.5',
        c_interval: '730:30:00',
        c_text_default: 'fallback',
        c_timestamptz_default: epoch,
      },
      // NaN (and ±Infinity) become NULL; a month is 30.4375 days, a year 365.25 days of length.
      {
        id: '2',
        c_numeric: null,
        c_interval: '10303:05:06.789012',
        c_text_default: 'kept',
        c_timestamptz_default: '2024-01-01 00:00:00+00',
      },
      // Debezium computes in double: past 2^53 µs (~285 years) an odd microsecond is rounded away.
      {
        id: '3',
        c_numeric: null,
        c_interval: '2629800:00:00.000002',
        c_text_default: 'fallback',
        c_timestamptz_default: '2000-01-01 00:00:00+00',
      },
      {
        id: '5',
        c_numeric: '1234567890.12345678901234567890123456789',
        c_interval: '-730:30:00',
        c_text_default: '',
        c_timestamptz_default: epoch,
      },
    ]);
    // Past ±2^63 µs Debezium clamps to Long.MAX_VALUE / Long.MIN_VALUE: the decoder refuses both.
    const clamped = (bound: string): string =>
      `after.c_interval: io.debezium.time.MicroDuration is ${bound}: Debezium clamped an interval it could not hold (interval.handling.mode=string carries it exactly)`;
    expect(await deadLetters(topic)).toEqual([
      {
        stage: 'decode',
        reason: clamped('Long.MAX_VALUE'),
        key: expect.stringContaining('"payload":{"id":4}'),
      },
      {
        stage: 'decode',
        reason: clamped('Long.MIN_VALUE'),
        key: expect.stringContaining('"payload":{"id":6}'),
      },
    ]);
  });

  it('arrays: multidimensional ones are not carried by Debezium, lower bounds are lost', async () => {
    const table = qualified('debezium_limits');
    await sourceRun(
      `INSERT INTO ${table} (id, int_matrix, shifted) VALUES (1, '{{1,2},{3,4}}', '[0:2]={1,2,3}')`,
      `INSERT INTO ${table} (id, text_matrix) VALUES (2, '{{a,b},{c,d}}')`,
    );
    const topic = topicOf('debezium_limits');
    const settled = await waitUntil(
      async () =>
        (await targetTexts(S, 'debezium_limits', [])).length === 1 && (await deadLetters(topic)).length === 1,
      { pipelines: pipelines() },
    );
    expect(settled).toBe(true);
    // int[][] arrives as one NULL per inner array: silently wrong, and no decoder can tell.
    expect(await targetTexts(S, 'debezium_limits', ['int_matrix', 'text_matrix', 'shifted'])).toEqual([
      { id: '1', int_matrix: '{NULL,NULL}', text_matrix: null, shifted: '{1,2,3}' },
    ]);
    // text[][] arrives as Java references: the decoder refuses the record.
    expect(await deadLetters(topic)).toEqual([
      {
        stage: 'decode',
        reason:
          'after.text_matrix: array element is a Java array reference: Debezium does not carry multidimensional arrays',
        key: expect.stringContaining('"payload":{"id":2}'),
      },
    ]);
  });

  it('nothing else was dead-lettered, and both connectors still run', async () => {
    for (const table of [
      MATRIX_TABLE,
      'toast_probe',
      'truncate_probe',
      'schema_evolution',
      'snapshot_probe',
    ] as const) {
      expect(await deadLetters(topicOf(table)), table).toEqual([]);
    }
    await assertConnectorRunning(main);
    await assertConnectorRunning(defaults);
    // The final state of every table, once more, after everything above.
    expect(await diffTable(S, MATRIX_TABLE, MATRIX_COMPARED)).toEqual(NO_DIFFERENCE);
  });
});
