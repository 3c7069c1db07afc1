/** Small builders for the sink's unit tests: catalog tables and routed changes, without a database. */
import type { TargetColumn, TargetTable } from '../../src/sinks/catalog.js';
import { quoteTable } from '../../src/sinks/catalog.js';
import type { Op, RoutedChange, Row, TableRef } from '../../src/types.js';

export function column(name: string, castType: string, options: Partial<TargetColumn> = {}): TargetColumn {
  return {
    name,
    type: castType,
    castType,
    notNull: false,
    hasDefault: false,
    generated: false,
    identityAlways: false,
    ...options,
  };
}

export function targetTable(
  ref: TableRef,
  columns: readonly TargetColumn[],
  primaryKey: readonly string[],
): TargetTable {
  return { ref, sqlName: quoteTable(ref), columns: new Map(columns.map((c) => [c.name, c])), primaryKey };
}

let offset = 0;

export function change(
  target: TableRef,
  op: Op,
  { key = {}, before = null, after = null }: { key?: Row; before?: Row | null; after?: Row | null } = {},
): RoutedChange {
  offset += 1;
  return {
    kind: 'change',
    op,
    key,
    before,
    after,
    source: { schema: target.schema, table: target.table, lsn: null, txId: null, tsMs: 0, snapshot: 'false' },
    origin: { topic: `test.${target.schema}.${target.table}`, partition: 0, offset: String(offset) },
    record: { key: Buffer.from(JSON.stringify(key)), value: Buffer.from(JSON.stringify({ op })) },
    sizeBytes: 0,
    target,
  };
}
