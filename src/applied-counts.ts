/**
 * What a flush applied, summed for metrics: changes written per target table and Debezium op, and
 * the source commit time of each. Counted from the compacted batch the sink wrote, so a change that
 * compaction merged away is not counted as applied (it never reached the target) and a change the
 * target refused is counted as a dead letter instead.
 */
import type { Failure, KafkaOrigin, Op, RoutedChange, TableRef } from './types.js';

/** How many changes of one table and op one flush wrote. */
export interface AppliedCount {
  /** `<schema>.<table>` of the target. */
  readonly table: string;
  readonly op: Op;
  readonly count: number;
}

export interface AppliedSummary {
  readonly applied: readonly AppliedCount[];
  /** Source commit time (Debezium's source.ts_ms, epoch ms) of each written change. */
  readonly sourceTsMs: readonly number[];
}

const originKey = (origin: KafkaOrigin): string => `${origin.topic}\0${origin.partition}\0${origin.offset}`;

export function summarizeApplied(
  compacted: readonly RoutedChange[],
  failed: readonly Failure[],
): AppliedSummary {
  // Almost every flush has no failure: only then is a set of origins worth building.
  const refused =
    failed.length === 0 ? undefined : new Set(failed.map((failure) => originKey(failure.origin)));
  // Counted by the change's TableRef (one object per topic, shared by its changes) and op, and
  // named once per table: no string is built per change.
  const counts = new Map<TableRef, Map<Op, number>>();
  const sourceTsMs: number[] = [];
  for (const change of compacted) {
    if (refused?.has(originKey(change.origin))) continue;
    let byOp = counts.get(change.target);
    if (byOp === undefined) counts.set(change.target, (byOp = new Map()));
    byOp.set(change.op, (byOp.get(change.op) ?? 0) + 1);
    sourceTsMs.push(change.source.tsMs);
  }
  const applied = new Map<string, { table: string; op: Op; count: number }>();
  for (const [target, byOp] of counts) {
    const table = `${target.schema}.${target.table}`;
    for (const [op, count] of byOp) {
      // Equal names from distinct TableRef objects (a library caller's own) still add up to one entry.
      const entry = applied.get(`${table}\0${op}`);
      if (entry === undefined) applied.set(`${table}\0${op}`, { table, op, count });
      else entry.count += count;
    }
  }
  return { applied: [...applied.values()], sourceTsMs };
}
