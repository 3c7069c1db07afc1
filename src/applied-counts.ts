/**
 * What a flush applied, summed for metrics: changes written per target table and Debezium op, and
 * the source commit time of each. Counted from the compacted batch the sink wrote, so a change that
 * compaction merged away is not counted as applied (it never reached the target) and a change the
 * target refused is counted as a dead letter instead.
 */
import type { Failure, KafkaOrigin, Op, RoutedChange } from './types.js';

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
  const counts = new Map<string, { table: string; op: Op; count: number }>();
  const sourceTsMs: number[] = [];
  for (const change of compacted) {
    if (refused?.has(originKey(change.origin))) continue;
    const table = `${change.target.schema}.${change.target.table}`;
    const key = `${table}\0${change.op}`;
    const entry = counts.get(key);
    if (entry === undefined) counts.set(key, { table, op: change.op, count: 1 });
    else entry.count += 1;
    sourceTsMs.push(change.source.tsMs);
  }
  return { applied: [...counts.values()], sourceTsMs };
}
