/**
 * Source and target compared column by column, exactly: each column is read as PostgreSQL's own
 * text (`col::text`, in a UTC session on both sides) and compared as strings in JS. Where
 * Debezium cannot carry a value exactly, the column's `expected` SQL (run on the source) or the
 * `adjust` callback states the documented form instead; nothing else is tolerated.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { FidelityPipeline } from './fidelity-pipeline.js';
import { waitUntil } from './fidelity-pipeline.js';
import { source, target } from './stack.js';

/** A compared column; `expected` is the SQL (over alias `t`, on the source) of the text the target must hold. */
export interface ComparedColumn {
  readonly name: string;
  readonly expected?: string;
}

export type TextRow = Readonly<Record<string, string | null>>;

/** A source row → the row the target must hold, where that differs by a documented loss. */
export type Adjust = (id: string, row: TextRow) => TextRow;

export interface TableDiff {
  readonly missing: readonly string[];
  readonly extra: readonly string[];
  readonly different: readonly {
    id: string;
    column: string;
    expected: string | null;
    actual: string | null;
  }[];
}

export const NO_DIFFERENCE: TableDiff = { missing: [], extra: [], different: [] };

/** Longer texts are shown by length and md5 in a diff (the 2 MB row would drown the report). */
const SHOWN_CHARS = 120;

const shown = (text: string | null): string | null =>
  text === null || text.length <= SHOWN_CHARS
    ? text
    : `${text.slice(0, 60)}… (${text.length} chars, md5 ${createHash('md5').update(text).digest('hex')})`;

const columnText = (name: string): string => `t.${pg.escapeIdentifier(name)}::text`;

async function readRows(
  db: pg.Client,
  schema: string,
  table: string,
  columns: readonly ComparedColumn[],
  side: 'source' | 'target',
): Promise<Map<string, TextRow>> {
  await db.query("SET TIME ZONE 'UTC'");
  const selected = columns.map(
    ({ name, expected }) =>
      `${side === 'source' && expected !== undefined ? expected : columnText(name)} AS ${pg.escapeIdentifier(name)}`,
  );
  const { rows } = await db.query<Record<string, string | null> & { readonly __id: string }>(
    `SELECT t.id::text AS __id, ${selected.join(', ')}
       FROM ${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(table)} AS t ORDER BY t.id`,
  );
  return new Map(
    rows.map(({ __id, ...row }) => [
      __id,
      Object.fromEntries(columns.map(({ name }) => [name, row[name] ?? null])),
    ]),
  );
}

/** The differences between what the target must hold (from the source) and what it holds. */
export async function diffTable(
  schema: string,
  table: string,
  columns: readonly ComparedColumn[],
  adjust: Adjust = (_id, row) => row,
): Promise<TableDiff> {
  const [expected, actual] = await Promise.all([
    source((db) => readRows(db, schema, table, columns, 'source')),
    target((db) => readRows(db, schema, table, columns, 'target')),
  ]);
  const different: TableDiff['different'][number][] = [];
  for (const [id, sourceRow] of expected) {
    const targetRow = actual.get(id);
    if (targetRow === undefined) continue;
    const wanted = adjust(id, sourceRow);
    for (const { name } of columns) {
      if (wanted[name] !== targetRow[name])
        different.push({
          id,
          column: name,
          expected: shown(wanted[name] ?? null),
          actual: shown(targetRow[name] ?? null),
        });
    }
  }
  return {
    missing: [...expected.keys()].filter((id) => !actual.has(id)),
    extra: [...actual.keys()].filter((id) => !expected.has(id)),
    different,
  };
}

const isEmpty = (diff: TableDiff): boolean =>
  diff.missing.length + diff.extra.length + diff.different.length === 0;

/** Waits until the target matches the source (as adjusted), then returns the last diff (empty when it did). */
export async function waitForMatch(
  schema: string,
  table: string,
  columns: readonly ComparedColumn[],
  {
    adjust,
    pipelines = [],
    timeoutMs = 90_000,
  }: {
    adjust?: Adjust;
    pipelines?: readonly FidelityPipeline[];
    timeoutMs?: number;
  } = {},
): Promise<TableDiff> {
  let last: TableDiff = NO_DIFFERENCE;
  await waitUntil(
    async () => {
      last = await diffTable(schema, table, columns, adjust);
      return isEmpty(last);
    },
    { timeoutMs, pipelines },
  );
  return last;
}

/** The target's rows as `col::text`, ordered by id, for asserting exact documented values. */
export async function targetTexts(
  schema: string,
  table: string,
  columns: readonly string[],
): Promise<Record<string, string | null>[]> {
  return target(async (db) => {
    await db.query("SET TIME ZONE 'UTC'");
    const selected = ['id', ...columns].map((name) => `${columnText(name)} AS ${pg.escapeIdentifier(name)}`);
    const { rows } = await db.query<Record<string, string | null>>(
      `SELECT ${selected.join(', ')} FROM ${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(table)} AS t ORDER BY t.id`,
    );
    return rows;
  });
}
