/**
 * The wider type matrix on the real stack (issue 16): ranges and multiranges, hstore, citext,
 * ltree, domains, text search, bit strings, geometric types, composites, the system types a table
 * may hold, and arrays of each. Every type ends in one of three states, as docs/data-fidelity.md
 * lists them: exact (through the snapshot and streaming, inserts, updates and deletes), refused
 * with a dead letter whose reason names Debezium's limit, or a documented loss.
 *
 * Isolation as in fidelity.test.ts: its own schema, its own two connectors (`main` with the shipped
 * options; `second` with hstore.handling.mode=map and without include.unknown.datatypes), its own
 * consumer groups; afterAll removes them all.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableRef } from '../../src/types.js';
import { NO_DIFFERENCE, targetTexts, waitForMatch, type ComparedColumn } from './support/fidelity-compare.js';
import { startFidelityPipeline, waitUntil, type FidelityPipeline } from './support/fidelity-pipeline.js';
import {
  assertConnectorRunning,
  connectorConfig,
  connectorsOf,
  createTopics,
  EXACT_OPTIONS,
  newRun,
  startConnector,
  sweepStaleRuns,
  tableTopic,
  teardownRun,
} from './support/fidelity-stack.js';
import {
  EXTENSIONS,
  REFUSALS,
  ALTERED_IN_ARRAYS,
  TYPES_EXACT,
  TYPES_LOST,
  typeRowSql,
  typeSetupSql,
  typeTableSql,
  typeUpdateSql,
  type TypeColumn,
} from './support/fidelity-types.js';
import { source, target } from './support/stack.js';
import { enumSql, matrixTableSql, MATRIX_TABLE } from './support/fidelity-matrix.js';
import { TYPE_VERDICTS, typeVerdict, verdictKey, type TypeState } from '../../src/debezium/type-verdicts.js';

const run = newRun();
const { main, defaults: second } = connectorsOf(run);
const S = run.schema;
const DEAD_LETTERS: TableRef = { schema: S, table: 'cdc_dead_letters' };
const EXACT = 'types_exact';
const LOST = 'types_lost';
const HSTORE_MAP = 'hstore_map';
const NAME_PLAIN = 'name_plain';
/** Streamed rows get ids past the snapshot's. */
const STREAMED = 100;

const MAIN_TABLES = [EXACT, LOST, ...REFUSALS.map(({ table }) => table)];
const SECOND_TABLES = [HSTORE_MAP, NAME_PLAIN];
const ALTERED: readonly TypeColumn[] = ALTERED_IN_ARRAYS.map(({ column }) => column);
const HSTORE_COLUMNS: readonly TypeColumn[] = TYPES_EXACT.filter(({ name }) => name === 'h');
const NAME_COLUMNS: readonly TypeColumn[] = TYPES_EXACT.filter(({ name }) => name === 'nm');

const compared = (columns: readonly TypeColumn[]): ComparedColumn[] => columns.map(({ name }) => ({ name }));
const qualified = (table: string): string => `${pg.escapeIdentifier(S)}.${pg.escapeIdentifier(table)}`;

let mainPipeline: FidelityPipeline | undefined;
let secondPipeline: FidelityPipeline | undefined;
const pipelines = (): FidelityPipeline[] => [mainPipeline, secondPipeline].filter((p) => p !== undefined);

const sourceRun = (...statements: string[]): Promise<void> =>
  source(async (db) => {
    for (const statement of statements) await db.query(statement);
  });

async function deadLetters(topic: string): Promise<{ offset: string; reason: string }[]> {
  return target(async (db) => {
    const { rows } = await db.query<{ offset: string; reason: string }>(
      `SELECT kafka_offset::text AS offset, reason FROM ${qualified(DEAD_LETTERS.table)} WHERE topic = $1 ORDER BY kafka_offset`,
      [topic],
    );
    return rows;
  });
}

/** Inserts rows 1–4 of `columns` with ids `base + 1 … base + 4`. */
const insertRows = (table: string, columns: readonly TypeColumn[], base: number): string[] =>
  ([1, 2, 3, 4] as const).map((row) => typeRowSql(S, table, columns, row, base + row));

beforeAll(async () => {
  await sweepStaleRuns();
  const tables = (side: 'source' | 'target'): string[] => [
    `CREATE SCHEMA ${S}`,
    ...typeSetupSql(S),
    ...typeTableSql(S, EXACT, TYPES_EXACT, side),
    ...typeTableSql(S, LOST, [{ name: 'v', type: 'text' }, ...TYPES_LOST, ...ALTERED], side),
    ...REFUSALS.flatMap(({ table, type }) => typeTableSql(S, table, [{ name: 'v', type }], side)),
    ...typeTableSql(S, HSTORE_MAP, HSTORE_COLUMNS, side),
    ...typeTableSql(S, NAME_PLAIN, NAME_COLUMNS, side),
  ];
  const extensions = EXTENSIONS.map((name) => `CREATE EXTENSION IF NOT EXISTS ${name}`);
  // fidelity.test.ts's type matrix, in the source only (no connector reads it): its catalog tells
  // which verdicts that test shows (see 'verdicts in code' below).
  const matrixCatalog = [enumSql(S), ...matrixTableSql(S, 'source')];
  await source(async (db) => {
    for (const statement of [...extensions, ...tables('source'), ...matrixCatalog]) await db.query(statement);
    // Rows that exist before the connectors: their initial snapshots read them (op r).
    for (const statement of [
      ...insertRows(EXACT, TYPES_EXACT, 0),
      ...insertRows(HSTORE_MAP, HSTORE_COLUMNS, 0),
      ...insertRows(NAME_PLAIN, NAME_COLUMNS, 0),
    ])
      await db.query(statement);
  });
  await target(async (db) => {
    for (const statement of [...extensions, ...tables('target')]) await db.query(statement);
  });

  const topicsOf = (connector: typeof main, names: readonly string[]): string[] =>
    names.map((table) => tableTopic(connector, S, table));
  await createTopics([...topicsOf(main, MAIN_TABLES), ...topicsOf(second, SECOND_TABLES)]);
  await startConnector(
    main,
    connectorConfig(
      main,
      MAIN_TABLES.map((table) => `${S}.${table}`),
      EXACT_OPTIONS,
    ),
  );
  await startConnector(
    second,
    connectorConfig(
      second,
      SECOND_TABLES.map((table) => `${S}.${table}`),
      { ...EXACT_OPTIONS, 'hstore.handling.mode': 'map', 'include.unknown.datatypes': 'false' },
    ),
  );
  mainPipeline = await startFidelityPipeline({
    groupId: `${run.groupPrefix}types-main`,
    topics: topicsOf(main, MAIN_TABLES),
    route: { topicPrefix: main.topicPrefix },
    deadLetterTable: DEAD_LETTERS,
    // The main connector sets include.unknown.datatypes=true (as the shipped one does); no loss is
    // accepted, so the refusal tables are refused.
    decode: { includeUnknownDatatypes: true },
  });
  secondPipeline = await startFidelityPipeline({
    groupId: `${run.groupPrefix}types-second`,
    topics: topicsOf(second, SECOND_TABLES),
    route: { topicPrefix: second.topicPrefix },
    deadLetterTable: DEAD_LETTERS,
  });
}, 240_000);

afterAll(async () => {
  for (const pipeline of pipelines()) await pipeline.stop().catch(() => undefined);
  const problems = await teardownRun(run);
  expect(problems).toEqual([]);
}, 120_000);

describe('exact: the wider type matrix', () => {
  it('arrives exactly through the snapshot, then inserts, updates (to values, to NULL and back) and deletes', async () => {
    const columns = compared(TYPES_EXACT);
    const snapshot = await waitForMatch(S, EXACT, columns, { pipelines: pipelines() });
    expect(await deadLetters(tableTopic(main, S, EXACT))).toEqual([]);
    expect(snapshot).toEqual(NO_DIFFERENCE);

    await sourceRun(...insertRows(EXACT, TYPES_EXACT, STREAMED));
    await sourceRun(
      typeUpdateSql(S, EXACT, TYPES_EXACT, 3, 2),
      typeUpdateSql(S, EXACT, TYPES_EXACT, 2, STREAMED + 3),
      typeUpdateSql(S, EXACT, TYPES_EXACT, 1, 3),
      typeUpdateSql(S, EXACT, TYPES_EXACT, 4, STREAMED + 1),
      `DELETE FROM ${qualified(EXACT)} WHERE id IN (4, ${STREAMED + 4})`,
    );
    await waitUntil(
      async () =>
        (await target((db) => db.query(`SELECT 1 FROM ${qualified(EXACT)} WHERE id = ${STREAMED + 4}`)))
          .rowCount === 0,
      { pipelines: pipelines() },
    );
    expect(await waitForMatch(S, EXACT, columns, { pipelines: pipelines() })).toEqual(NO_DIFFERENCE);
    const ids = (await targetTexts(S, EXACT, [])).map((row) => row['id']);
    expect(ids).toEqual(['1', '2', '3', '101', '102', '103']);
    expect(await deadLetters(tableTopic(main, S, EXACT))).toEqual([]);
  });

  it('hstore in map mode (hstore.handling.mode=map) arrives exactly too', async () => {
    await sourceRun(...insertRows(HSTORE_MAP, HSTORE_COLUMNS, STREAMED));
    await sourceRun(typeUpdateSql(S, HSTORE_MAP, HSTORE_COLUMNS, 4, 2));
    expect(await waitForMatch(S, HSTORE_MAP, compared(HSTORE_COLUMNS), { pipelines: pipelines() })).toEqual(
      NO_DIFFERENCE,
    );
    expect((await targetTexts(S, HSTORE_MAP, [])).length).toBe(8);
  });
});

describe('refused: a dead letter that names the Debezium limit, never a different value', () => {
  it.each(REFUSALS.map((refusal) => [refusal.table, refusal] as const))('%s', async (table, refusal) => {
    const topic = tableTopic(main, S, table);
    await sourceRun(
      ...refusal.rows.map(
        ({ id, value }) => `INSERT INTO ${qualified(table)} (id, v) VALUES (${id}, ${value})`,
      ),
    );
    const refused = refusal.rows.filter((row) => !row.applied);
    await waitUntil(async () => (await deadLetters(topic)).length >= refused.length, {
      pipelines: pipelines(),
    });
    const letters = await deadLetters(topic);
    expect(letters).toHaveLength(refused.length);
    for (const { reason } of letters) expect(reason).toMatch(refusal.reason);
    const applied = refusal.rows.filter((row) => row.applied).map(({ id }) => String(id));
    await waitUntil(async () => (await targetTexts(S, table, [])).length >= applied.length, {
      pipelines: pipelines(),
    });
    const sourceRows = await source(async (db) => {
      await db.query("SET TIME ZONE 'UTC'");
      const { rows } = await db.query<{ id: string; v: string | null }>(
        `SELECT id::text, v::text FROM ${qualified(table)} ORDER BY id`,
      );
      return rows;
    });
    expect(await targetTexts(S, table, ['v'])).toEqual(sourceRows.filter(({ id }) => applied.includes(id)));
  });

  it('name: a streamed change from a connector without include.unknown.datatypes (its names arrive as null)', async () => {
    const topic = tableTopic(second, S, NAME_PLAIN);
    // The snapshot read names over JDBC: exact, NULL row included.
    expect(await waitForMatch(S, NAME_PLAIN, compared(NAME_COLUMNS), { pipelines: pipelines() })).toEqual(
      NO_DIFFERENCE,
    );
    await sourceRun(
      typeRowSql(S, NAME_PLAIN, NAME_COLUMNS, 2, STREAMED + 2),
      typeRowSql(S, NAME_PLAIN, NAME_COLUMNS, 1, STREAMED + 1),
      `UPDATE ${qualified(NAME_PLAIN)} SET nm = 'changed' WHERE id = 2`,
    );
    await waitUntil(async () => (await deadLetters(topic)).length >= 3, { pipelines: pipelines() });
    const letters = await deadLetters(topic);
    expect(letters).toHaveLength(3);
    for (const { reason } of letters) {
      expect(reason).toMatch(/name: a streamed change carries null.*include\.unknown\.datatypes=true/);
    }
    // Nothing was written from them: row 2 keeps its snapshot value, the streamed rows are absent.
    expect(await targetTexts(S, NAME_PLAIN, ['nm'])).toEqual([
      { id: '1', nm: null },
      { id: '2', nm: 'a_name' },
      { id: '3', nm: '' },
      { id: '4', nm: 'with space "q"' },
    ]);
  });
});

describe('documented losses', () => {
  it('columns Debezium leaves out of its events, and arrays it sends as NULL, stay NULL in the target; timestamptz[] and time[] elements arrive altered', async () => {
    const lostColumns = TYPES_LOST.map(({ name }) => name);
    const altered = ALTERED.map(({ name }) => name);
    const kept: TypeColumn = { name: 'v', type: 'text', values: ["'kept'", "'kept'", "'kept'"] };
    await sourceRun(
      ...([2, 3, 4] as const).map((row) => typeRowSql(S, LOST, [kept, ...TYPES_LOST, ...ALTERED], row, row)),
    );
    await waitUntil(async () => (await targetTexts(S, LOST, [])).length === 3, { pipelines: pipelines() });
    const allNull = Object.fromEntries(lostColumns.map((name) => [name, null]));
    expect(await targetTexts(S, LOST, ['v', ...lostColumns, ...altered])).toEqual(
      ([2, 3, 4] as const).map((id) => ({
        id: String(id),
        v: 'kept',
        ...allNull,
        ...Object.fromEntries(ALTERED_IN_ARRAYS.map(({ column, arrives }) => [column.name, arrives[id - 2]])),
      })),
    );
    // The source holds values in every one of those columns: the loss is real, not an empty source.
    const sourceNulls = await source((db) =>
      db.query(
        `SELECT 1 FROM ${qualified(LOST)} WHERE ${lostColumns.map((c) => `${c} IS NULL`).join(' OR ')}`,
      ),
    );
    expect(sourceNulls.rowCount).toBe(0);
    expect(await deadLetters(tableTopic(main, S, LOST))).toEqual([]);
  });

  it('both connectors are still running: no type made a task fail', async () => {
    await assertConnectorRunning(main);
    await assertConnectorRunning(second);
  });
});

/** Each column of the run's source tables: its verdict key (see verdictKey) from the catalog. */
async function catalogVerdictKeys(): Promise<{ table: string; column: string; key: string }[]> {
  const { rows } = await source((db) =>
    db.query<{ table: string; column: string; type: string; kind: string }>(
      `SELECT c.relname AS "table", a.attname AS "column", format_type(b.oid, NULL) AS type,
              CASE WHEN format_type(t.oid, NULL) LIKE '%[]' THEN e.typtype ELSE b.typtype END AS kind
         FROM pg_catalog.pg_attribute a
         JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
         JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
         JOIN pg_catalog.pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
         LEFT JOIN pg_catalog.pg_type e ON e.oid = t.typelem
        WHERE c.relnamespace = $1::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped`,
      [S],
    ),
  );
  return rows.map(({ table, column, type, kind }) => ({ table, column, key: verdictKey(type, kind) }));
}

describe('verdicts in code (TYPE_VERDICTS, for verify to read)', () => {
  it('gives each column of this test the state it shows, and every verdict is shown by a column here or in fidelity.test.ts', async () => {
    const columns = await catalogVerdictKeys();
    const expected = (table: string, column: string): TypeState | 'lost or exception' | undefined => {
      if (column === 'id' || (table === LOST && column === 'v')) return undefined;
      if (table === EXACT || table === HSTORE_MAP || table === NAME_PLAIN) return 'exact';
      if (table === LOST) return 'lost or exception';
      if (REFUSALS.some((refusal) => refusal.table === table)) return 'refused';
      return undefined; // fidelity.test.ts's matrix: that test asserts its states
    };
    const wrong = columns.flatMap(({ table, column, key }) => {
      const verdict = typeVerdict(key);
      const want = expected(table, column);
      if (verdict === undefined) return [`${table}.${column}: no verdict for ${key}`];
      if (want === undefined) return [];
      const shows =
        want === 'lost or exception'
          ? verdict.state === 'lost' || verdict.except !== ''
          : verdict.state === want;
      return shows
        ? []
        : [`${table}.${column} (${key}): the test shows ${want}, TYPE_VERDICTS says ${verdict.state}`];
    });
    expect(wrong).toEqual([]);
    const shown = new Set(columns.map(({ key }) => key));
    expect(Object.keys(TYPE_VERDICTS).filter((key) => !shown.has(key))).toEqual([]);
    expect(columns.some(({ table }) => table === MATRIX_TABLE)).toBe(true);
  });
});
