import { map, type OperatorFunction } from 'rxjs';
import { UNAVAILABLE, type Row, type RoutedChange } from '../types.js';
import { changeKey } from './lanes.js';

/** Compacts each batch: one final change per row (`compactBatch`). */
export function compact(): OperatorFunction<readonly RoutedChange[], RoutedChange[]> {
  return map(compactBatch);
}

/**
 * One final change per (target table, primary key) in a batch, in the manner of the Debezium JDBC
 * sink's per-table buffer. Ordering invariants, enforced here:
 * - the output is the input with superseded changes removed, in input order: each survivor sits at
 *   the position of its row's last change, so the sink can apply the elements in order;
 * - last write wins; a delete wins over the writes before it; a create, update or read after a
 *   delete wins over it (the upsert re-inserts the row);
 * - a column the later change has as UNAVAILABLE (an unchanged TOASTed value) takes the value an
 *   earlier upsert of the same row in this batch had: the placeholder never replaces a known value;
 * - a truncate drops every earlier change of its table in the batch (including an earlier
 *   truncate) and stays in place, so it is applied before the table's changes that follow it;
 * - a change without key columns (a table without a primary key) is kept as it is: no row
 *   identity, so nothing to merge it with.
 */
export function compactBatch(changes: readonly RoutedChange[]): RoutedChange[] {
  const survivors: (RoutedChange | undefined)[] = [];
  /** Row identity → index of its survivor in `survivors`, since the last truncate of its table. */
  const rowAt = new Map<string, number>();

  for (const change of changes) {
    if (change.op === 't') {
      survivors.forEach((earlier, index) => {
        if (earlier !== undefined && sameTable(earlier, change)) {
          survivors[index] = undefined;
          if (earlier.op !== 't') rowAt.delete(changeKey(earlier));
        }
      });
      survivors.push(change);
      continue;
    }
    if (Object.keys(change.key).length === 0) {
      survivors.push(change);
      continue;
    }
    const row = changeKey(change);
    const earlierAt = rowAt.get(row);
    const earlier = earlierAt === undefined ? undefined : survivors[earlierAt];
    if (earlierAt !== undefined) survivors[earlierAt] = undefined;
    rowAt.set(row, survivors.length);
    survivors.push(earlier === undefined ? change : supersede(earlier, change));
  }
  return survivors.filter((change) => change !== undefined);
}

/** The change that stands for `earlier` followed by `later`, two changes of one row. */
function supersede(earlier: RoutedChange, later: RoutedChange): RoutedChange {
  if (later.op === 'd' || earlier.op === 'd' || later.after === null || earlier.after === null) return later;
  const after = fillUnavailable(later.after, earlier.after);
  // Object.assign rather than a spread followed by `after` (slow in V8: see route.ts).
  return after === later.after ? later : Object.assign({}, later, { after });
}

/** `row` with each UNAVAILABLE column taken from `known` where that has a real value. */
function fillUnavailable(row: Row, known: Row): Row {
  let filled: Record<string, Row[string]> | undefined;
  for (const [column, value] of Object.entries(row)) {
    // Own properties only: a column may be called `__proto__` (or `constructor`).
    // Own properties only: a column may be called `__proto__` (or `constructor`).
    const knownValue = Object.hasOwn(known, column) ? known[column] : undefined;
    if (value === UNAVAILABLE && knownValue !== undefined && knownValue !== UNAVAILABLE) {
      filled ??= { ...row };
      filled[column] = knownValue;
    }
  }
  return filled ?? row;
}

function sameTable(a: RoutedChange, b: RoutedChange): boolean {
  return a.target.schema === b.target.schema && a.target.table === b.target.table;
}
