/**
 * Turns a batch of routed changes into work items for known target tables, purely: each change
 * either becomes one item (upsert, delete or truncate, with its values in column order) or a
 * Failure whose reason says what to fix. No SQL runs here; the writer looks the tables up first.
 */
import pg from 'pg';
import { changeFailure } from '../errors.js';
import {
  UNAVAILABLE,
  type ColumnValue,
  type Failure,
  type RoutedChange,
  type Row,
  type TableRef,
} from '../types.js';
import { tableKey, type TableLookup, type TargetTable } from './catalog.js';
import { positionText, sourcePositionOf } from './source-position.js';

/** What to do with a column the event has and the target table does not. */
export type UnknownColumnPolicy = 'ignore' | 'dead-letter';

interface ItemBase {
  readonly change: RoutedChange;
  readonly table: TargetTable;
}

/** Write a row: the given columns, whole primary key included, values aligned with them. */
export interface UpsertItem extends ItemBase {
  readonly op: 'upsert';
  /** The row's primary-key values, as one string: tells two changes of one row apart from others. */
  readonly rowKey: string;
  readonly columns: readonly string[];
  readonly values: readonly (string | null)[];
}

/** Delete a row by its primary key: values in primary-key order. */
export interface DeleteItem extends ItemBase {
  readonly op: 'delete';
  readonly rowKey: string;
  readonly values: readonly string[];
  /** The change's source position (`{c,r,l}`) where the table has the guard's column. */
  readonly position?: string;
}

/** Empty the table. */
export interface TruncateItem extends ItemBase {
  readonly op: 'truncate';
}

export type WorkItem = UpsertItem | DeleteItem | TruncateItem;

/** An event column the target does not have, dropped under the 'ignore' policy. */
export interface IgnoredColumn {
  readonly table: TableRef;
  readonly column: string;
}

/** The batch, planned. Items keep the input order. */
export interface Plan {
  readonly items: readonly WorkItem[];
  readonly failures: readonly Failure[];
  readonly ignoredColumns: readonly IgnoredColumn[];
}

/** How changes map onto target rows. */
export interface PlanOptions {
  /** The column the sink sets itself; an event value for it is not written. */
  readonly syncedAtColumn: string;
  readonly unknownColumns: UnknownColumnPolicy;
  /**
   * PIPELINE_SOURCE_POSITION_COLUMN: where a table has this column, the change's source position
   * is written to it (never an event value) and the stale-write guard applies. Empty or absent: off.
   */
  readonly sourcePositionColumn?: string;
}

/** No guard: one shared value, as this is asked for every change. */
const UNGUARDED = { column: null } as const;

/** The type the guard's column must have: positions compare as arrays (source-position.ts). */
export const POSITION_COLUMN_TYPE = 'bigint[]';

/**
 * The guard's column of `table`, null when the guard is off or the table lacks it, or the reason
 * the column cannot hold positions.
 */
export function positionColumnOf(
  table: TargetTable,
  column: string | undefined,
): { readonly column: string | null } | string {
  if (column === undefined || column === '') return UNGUARDED;
  const found = table.columns.get(column);
  if (found === undefined) return UNGUARDED;
  if (found.type === POSITION_COLUMN_TYPE && !table.primaryKey.includes(column) && !found.generated)
    return { column };
  return (
    `column ${pg.escapeIdentifier(column)} of ${table.sqlName} (PIPELINE_SOURCE_POSITION_COLUMN) is ${found.type}` +
    `${found.generated ? ', generated' : ''}${table.primaryKey.includes(column) ? ', in the primary key' : ''}: ` +
    `the stale-write guard needs a plain ${POSITION_COLUMN_TYPE} column: ` +
    `ALTER TABLE ${table.sqlName} DROP COLUMN ${pg.escapeIdentifier(column)}, ADD COLUMN ${pg.escapeIdentifier(column)} ${POSITION_COLUMN_TYPE}`
  );
}

/** The change's position as the guard's column stores it, or why there is none. */
function positionValue(change: RoutedChange, table: TargetTable): string {
  const position = sourcePositionOf(change);
  if (position !== undefined) return positionText(position);
  throw new PlanRefusal(
    `the change carries no source position (source.lsn, source.sequence) to order it by, and ${table.sqlName} ` +
      'has the stale-write guard column: a Debezium PostgreSQL connector sends them; or drop the column from the table',
  );
}

/** A change that cannot become a work item: its message is the reason. */
class PlanRefusal extends Error {}

/** The columns a change carries that `table` does not have (what a catalog refresh may fix). */
export function unknownColumnsOf(table: TargetTable, change: RoutedChange): string[] {
  const row = change.op === 'd' || change.op === 't' ? null : change.after;
  return row === null ? [] : Object.keys(row).filter((column) => !table.columns.has(column));
}

/** Plans `changes` against the looked-up tables (`lookups` by `tableKey`). */
export function planChanges(
  changes: readonly RoutedChange[],
  lookups: ReadonlyMap<string, TableLookup>,
  options: PlanOptions,
): Plan {
  const items: WorkItem[] = [];
  const failures: Failure[] = [];
  const ignoredColumns: IgnoredColumn[] = [];
  for (const change of changes) {
    const lookup = lookups.get(tableKey(change.target));
    if (lookup === undefined)
      throw new RangeError(`planChanges: table ${tableKey(change.target)} was not looked up`);
    if (lookup.kind === 'refused') {
      failures.push(changeFailure(change, 'apply', lookup.reason));
      continue;
    }
    const planned = planChange(change, lookup.table, options);
    if (typeof planned === 'string') {
      failures.push(changeFailure(change, 'apply', planned));
      continue;
    }
    items.push(planned.item);
    for (const column of planned.ignored) ignoredColumns.push({ table: change.target, column });
  }
  return { items, failures, ignoredColumns };
}

/** One change as a work item, or the reason it cannot be one. */
function planChange(
  change: RoutedChange,
  table: TargetTable,
  options: PlanOptions,
): { readonly item: WorkItem; readonly ignored: readonly string[] } | string {
  if (change.op === 't') return { item: { op: 'truncate', change, table }, ignored: [] };
  const guard = positionColumnOf(table, options.sourcePositionColumn);
  if (typeof guard === 'string') return guard;
  try {
    return change.op === 'd'
      ? planDelete(change, table, guard.column)
      : planUpsert(change, table, options, guard.column);
  } catch (error) {
    if (error instanceof PlanRefusal) return error.message;
    throw error;
  }
}

function planDelete(
  change: RoutedChange,
  table: TargetTable,
  positionColumn: string | null,
): { readonly item: DeleteItem; readonly ignored: [] } | string {
  const values: string[] = [];
  for (const key of table.primaryKey) {
    const value = keyValue(key, change.key, change.before);
    if (typeof value !== 'string') return missingKeyReason(table, key);
    values.push(value);
  }
  const item: DeleteItem = { op: 'delete', change, table, rowKey: JSON.stringify(values), values };
  return {
    item: positionColumn === null ? item : { ...item, position: positionValue(change, table) },
    ignored: [],
  };
}

/**
 * The columns written are those the event has a value for, in table order. Left out: a column the
 * event lacks, one it has as UNAVAILABLE (TOAST: the target keeps its stored value), a generated
 * column (the target computes it) and the sync-time column (the sink sets it). The guard's
 * position column, when the table has it, takes the change's source position.
 */
function planUpsert(
  change: RoutedChange,
  table: TargetTable,
  { syncedAtColumn, unknownColumns }: PlanOptions,
  positionColumn: string | null,
): { readonly item: UpsertItem; readonly ignored: readonly string[] } | string {
  const after = change.after;
  if (after === null)
    return `a change with op '${change.op}' has no after image, so there is no row to write`;
  const unknown = unknownColumnsOf(table, change);
  if (unknown.length > 0 && unknownColumns === 'dead-letter') {
    return (
      `column${unknown.length === 1 ? '' : 's'} ${unknown.map(pg.escapeIdentifier).join(', ')} not in target table ${table.sqlName}: ` +
      'add them to the target table, or run with PIPELINE_UNKNOWN_COLUMNS=ignore to leave their values out'
    );
  }
  const columns: string[] = [];
  const values: (string | null)[] = [];
  const keyValues: string[] = [];
  for (const column of table.columns.values()) {
    const isKey = table.primaryKey.includes(column.name);
    if (isKey) {
      const value = keyValue(column.name, after, change.key);
      if (typeof value !== 'string') return missingKeyReason(table, column.name);
      keyValues.push(value);
      columns.push(column.name);
      values.push(value);
      continue;
    }
    if (column.name === positionColumn) {
      columns.push(column.name);
      values.push(positionValue(change, table));
      continue;
    }
    if (column.generated || column.name === syncedAtColumn || !Object.hasOwn(after, column.name)) continue;
    const value = after[column.name];
    if (value === undefined || value === UNAVAILABLE) continue;
    columns.push(column.name);
    values.push(value);
  }
  return {
    item: { op: 'upsert', change, table, rowKey: JSON.stringify(keyValues), columns, values },
    ignored: unknown,
  };
}

/** A key column's value from the first row that has one (the record key, or the row image). */
function keyValue(column: string, ...rows: readonly (Row | null)[]): ColumnValue | undefined {
  for (const row of rows) {
    if (row !== null && Object.hasOwn(row, column)) return row[column];
  }
  return undefined;
}

function missingKeyReason(table: TargetTable, column: string): string {
  return `primary key column ${pg.escapeIdentifier(column)} of ${table.sqlName} has no value in the change (absent, NULL or unavailable)`;
}
