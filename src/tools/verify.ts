/**
 * Source and target compared table by table, for `npm run verify`: row counts and a per-row hash of
 * the columns both tables share (synced_at aside), keyed by primary key. Both sides are streamed
 * through cursors in the same order (the key's text, byte order) and merge-joined, so memory stays
 * flat however large the tables. A row that differs only by a documented Debezium loss (a second
 * hash, of the values normalised as verify-losses.ts says) is counted apart from real differences.
 */
import type pg from 'pg';
import Cursor from 'pg-cursor';
import type { DebeziumLoss } from '../debezium/losses.js';
import { primaryKeyOf, quoteTable, readColumns, type ColumnRow } from '../sinks/catalog.js';
import type { TableRef } from '../types.js';
import { lossyColumns, type LossyColumn } from './verify-losses.js';

export const FETCH_ROWS = 2000;
/** Columns of the target that the pipeline writes for itself: never compared. */
export const PIPELINE_COLUMNS = ['synced_at'];

export interface TableVerdict {
  readonly table: string;
  readonly sourceRows: number;
  readonly targetRows: number;
  readonly counts: { readonly missing: number; readonly extra: number; readonly different: number };
  /** The first keys of each kind (as JSON arrays of the key values). */
  readonly missing: readonly string[];
  readonly extra: readonly string[];
  readonly different: readonly string[];
  readonly comparedColumns: readonly string[];
  /**
   * Source columns the target lacks: not compared, so "identical" says nothing of them. Under
   * PIPELINE_UNKNOWN_COLUMNS=ignore their values are dropped by the pipeline.
   */
  readonly sourceOnlyColumns: readonly string[];
  /**
   * Rows that differ only by documented Debezium losses (docs/data-fidelity.md): not differences.
   * `columns` are the compared columns whose type has each loss.
   */
  readonly losses: {
    readonly rows: number;
    readonly keys: readonly string[];
    readonly columns: readonly { readonly column: string; readonly loss: DebeziumLoss }[];
  };
}

/** Exactly equal: no row missing, extra, differing, or differing by a loss. */
export const identical = (verdict: TableVerdict): boolean => equivalent(verdict) && verdict.losses.rows === 0;

/** Equal but for documented Debezium losses: what verify's exit code stands for. */
export const equivalent = (verdict: TableVerdict): boolean =>
  verdict.counts.missing + verdict.counts.extra + verdict.counts.different === 0;

interface Shape {
  readonly rows: readonly ColumnRow[];
  readonly columns: readonly string[];
  readonly key: readonly string[];
}

async function shapeOf(db: pg.ClientBase, ref: TableRef): Promise<Shape | undefined> {
  const rows = await readColumns(db, ref);
  if (rows.length === 0) return undefined;
  return { rows, columns: rows.map((row) => row.name), key: primaryKeyOf(rows) };
}

interface KeyedHash {
  readonly key: string;
  readonly hash: string;
  /** The hash with the lossy columns normalised; the same as `hash` when there are none. */
  readonly normal: string;
}

/** Streams (key, row hash) in key-text byte order. */
async function* keyedHashes(
  db: pg.ClientBase,
  qualified: string,
  key: readonly string[],
  columns: readonly string[],
  lossy: readonly LossyColumn[],
): AsyncGenerator<KeyedHash> {
  const id = (name: string): string => db.escapeIdentifier(name);
  const keyText = `jsonb_build_array(${key.map(id).join(', ')})::text`;
  const hash = `md5(ROW(${columns.map(id).join(', ')})::text)`;
  const normalised = columns.map((column) => lossy.find((l) => l.column === column)?.sql ?? id(column));
  const normal = lossy.length === 0 ? hash : `md5(ROW(${normalised.join(', ')})::text)`;
  const cursor = db.query(
    new Cursor<KeyedHash>(
      `SELECT ${keyText} AS key, ${hash} AS hash, ${normal} AS normal FROM ${qualified} ORDER BY ${keyText} COLLATE "C"`,
    ),
  );
  try {
    for (;;) {
      const rows = await cursor.read(FETCH_ROWS);
      if (rows.length === 0) return;
      yield* rows;
    }
  } finally {
    await cursor.close();
  }
}

const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

export async function verifyTable(
  source: pg.ClientBase,
  target: pg.ClientBase,
  table: string,
  { schema = 'public', sample = 10 }: { schema?: string; sample?: number } = {},
): Promise<TableVerdict> {
  const ref = { schema, table };
  const [from, to] = await Promise.all([shapeOf(source, ref), shapeOf(target, ref)]);
  const name = `${schema}.${table}`;
  if (!from) throw new Error(`${name} does not exist in the source`);
  if (!to)
    throw new Error(
      `${name} does not exist in the target\n  fix: create it there (see "Adding a table" in the README)`,
    );
  if (from.key.length === 0)
    throw new Error(`${name} has no primary key in the source: rows cannot be matched by key`);
  const shared = from.columns.filter(
    (column) => to.columns.includes(column) && !PIPELINE_COLUMNS.includes(column),
  );
  const qualified = quoteTable(ref);
  const lossy = lossyColumns(from.rows, shared, (name) => source.escapeIdentifier(name));
  const losses = {
    rows: 0,
    keys: [] as string[],
    columns: lossy.map(({ column, loss }) => ({ column, loss })),
  };

  const verdict = {
    sourceRows: 0,
    targetRows: 0,
    counts: { missing: 0, extra: 0, different: 0 },
    missing: [] as string[],
    extra: [] as string[],
    different: [] as string[],
  };
  const note = (kind: 'missing' | 'extra' | 'different', key: string): void => {
    verdict.counts[kind] += 1;
    if (verdict[kind].length < sample) verdict[kind].push(key);
  };
  const left = keyedHashes(source, qualified, from.key, shared, lossy);
  const right = keyedHashes(target, qualified, from.key, shared, lossy);
  let a = await left.next();
  let b = await right.next();
  while (!a.done || !b.done) {
    const order = a.done ? 1 : b.done ? -1 : byteOrder(a.value.key, b.value.key);
    if (order < 0 && !a.done) {
      note('missing', a.value.key);
      verdict.sourceRows += 1;
      a = await left.next();
    } else if (order > 0 && !b.done) {
      note('extra', b.value.key);
      verdict.targetRows += 1;
      b = await right.next();
    } else if (!a.done && !b.done) {
      if (a.value.hash === b.value.hash) {
        // Equal.
      } else if (a.value.normal === b.value.normal) {
        losses.rows += 1;
        if (losses.keys.length < sample) losses.keys.push(a.value.key);
      } else note('different', a.value.key);
      verdict.sourceRows += 1;
      verdict.targetRows += 1;
      [a, b] = await Promise.all([left.next(), right.next()]);
    }
  }
  const sourceOnlyColumns = from.columns.filter((column) => !to.columns.includes(column));
  return { table: name, comparedColumns: shared, sourceOnlyColumns, ...verdict, losses };
}
