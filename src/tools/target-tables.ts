/** A target table's newest rows, as text, for `cdc-pipeline check-target`. */
import type pg from 'pg';
import { quoteTable, readColumns } from '../sinks/catalog.js';
import { DEFAULT_SYNCED_AT_COLUMN } from '../sinks/statements.js';
import type { TableRef } from '../types.js';

export interface TableDump {
  /** `schema.table`. */
  readonly table: string;
  readonly total: number;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** How the rows shown were chosen: the newest by synced_at, or the first by primary key. */
  readonly order: 'newest synced_at' | 'primary key';
}

/** Longer values are cut for display (a 2 MB text would drown the terminal). */
const MAX_CELL_CHARS = 60;

const cell = (value: string | null): string => {
  if (value === null) return 'NULL';
  const flat = value.replace(/\n/g, '\\n').replace(/\t/g, '\\t');
  return flat.length > MAX_CELL_CHARS ? `${flat.slice(0, MAX_CELL_CHARS - 1)}…` : flat;
};

/**
 * Up to `limit` rows of a table and its row count. A table the pipeline writes (it has synced_at)
 * shows its most recently applied rows first, so the change just made is on top; any other table
 * shows its first rows by primary key.
 */
export async function dumpTable(db: pg.ClientBase, ref: TableRef, limit: number): Promise<TableDump> {
  const columns = await readColumns(db, ref);
  const qualified = quoteTable(ref);
  const synced = columns.some((column) => column.name === DEFAULT_SYNCED_AT_COLUMN);
  const keys = columns.filter((column) => column.key_position !== null).map((column) => column.name);
  const byKey = (keys.length > 0 ? keys : ['1']).map((key) => (key === '1' ? key : db.escapeIdentifier(key)));
  const order = synced ? [`${db.escapeIdentifier(DEFAULT_SYNCED_AT_COLUMN)} DESC`, ...byKey] : byKey;
  const { rows: countRows } = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${qualified}`);
  // Every value as PostgreSQL's own text (exact digits and microseconds).
  const result = await db.query({
    text: `SELECT * FROM ${qualified} ORDER BY ${order.join(', ')} LIMIT $1`,
    values: [limit],
    rowMode: 'array',
    types: { getTypeParser: () => (value: string) => value },
  });
  return {
    table: `${ref.schema}.${ref.table}`,
    total: Number(countRows[0]!.n),
    columns: result.fields.map((field) => field.name),
    rows: (result.rows as (string | null)[][]).map((row) => row.map(cell)),
    order: synced ? 'newest synced_at' : 'primary key',
  };
}
