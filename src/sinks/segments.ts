/**
 * Cuts planned work into segments that set-based statements can apply. Ordering invariants,
 * enforced here:
 * - tables are independent: each table's items are applied together, tables in order of first
 *   appearance (foreign keys between target tables are not ordered for: as in the Debezium JDBC sink);
 * - a truncate is a segment of its own, between the segment of the items before it and the segment
 *   of the items after it, so it removes what came before and nothing that came after;
 * - inside a rows segment every row key appears once, so its DELETE and its upserts touch disjoint
 *   rows and their order does not matter (nor does ON CONFLICT meet one row twice). A key seen twice
 *   (an uncompacted batch) starts a new segment, so the later change is applied after the earlier.
 */
import { tableKey, type TargetTable } from './catalog.js';
import type { DeleteItem, TruncateItem, UpsertItem, WorkItem } from './plan.js';

/** Rows of one table to upsert and delete, every row key once. */
export interface RowsSegment {
  readonly kind: 'rows';
  readonly table: TargetTable;
  readonly upserts: UpsertItem[];
  readonly deletes: DeleteItem[];
}

/** One truncate of one table. */
export interface TruncateSegment {
  readonly kind: 'truncate';
  readonly table: TargetTable;
  readonly item: TruncateItem;
}

export type Segment = RowsSegment | TruncateSegment;

/** Upserts that write the same columns: one statement. */
export interface UpsertGroup {
  readonly columns: readonly string[];
  readonly items: readonly UpsertItem[];
}

/** The items as segments, in the order they must be applied. */
export function segmentsOf(items: readonly WorkItem[]): Segment[] {
  const byTable = new Map<string, WorkItem[]>();
  for (const item of items) {
    const key = tableKey(item.table.ref);
    const tableItems = byTable.get(key);
    if (tableItems === undefined) byTable.set(key, [item]);
    else tableItems.push(item);
  }
  return [...byTable.values()].flatMap(tableSegments);
}

function tableSegments(items: readonly WorkItem[]): Segment[] {
  const segments: Segment[] = [];
  let open: RowsSegment | null = null;
  const keysInOpen = new Set<string>();
  for (const item of items) {
    if (item.op === 'truncate') {
      open = null;
      segments.push({ kind: 'truncate', table: item.table, item });
      continue;
    }
    if (open === null || keysInOpen.has(item.rowKey)) {
      open = { kind: 'rows', table: item.table, upserts: [], deletes: [] };
      keysInOpen.clear();
      segments.push(open);
    }
    keysInOpen.add(item.rowKey);
    if (item.op === 'upsert') open.upserts.push(item);
    else open.deletes.push(item);
  }
  return segments;
}

/**
 * Upserts grouped by the columns they write, in order of first appearance. Rows with an unavailable
 * (TOASTed) column write fewer columns, so they get their own statement whose DO UPDATE leaves
 * those columns as stored.
 */
export function upsertGroups(upserts: readonly UpsertItem[]): UpsertGroup[] {
  const groups = new Map<string, { columns: readonly string[]; items: UpsertItem[] }>();
  for (const item of upserts) {
    // Column names cannot contain NUL (PostgreSQL identifiers never do): joined by it, equal lists
    // and only they give equal keys, and joining costs less than JSON per upsert.
    const key = item.columns.join('\u0000');
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { columns: item.columns, items: [item] });
    else group.items.push(item);
  }
  return [...groups.values()];
}
