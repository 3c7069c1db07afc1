import {
  groupBy,
  mergeMap,
  of,
  pipe,
  type Observable,
  type ObservableInput,
  type OperatorFunction,
} from 'rxjs';
import { DEFAULT_LANES } from '../defaults.js';
import type { RoutedChange } from '../types.js';
import { withBarriers } from './withBarriers.js';

/** How `lanes` partitions the stream and what each lane does. */
export interface LanesConfig<T, R> {
  /** How many lanes run in parallel; a positive integer. */
  readonly count?: number;
  /** The ordering key: items with equal keys share a lane, so they keep their order. */
  readonly key: (item: T) => string;
  /** Builds one lane from its items (hot: pipe it, subscribe synchronously, consume every item). */
  readonly lane: (items: Observable<T>, index: number) => ObservableInput<R>;
  /** Items ordered against all others (a truncate); see `withBarriers`. None when absent. */
  readonly isBarrier?: (item: T) => boolean;
}

/**
 * Partitions the stream into `count` lanes by a stable hash of each item's key and merges what the
 * lanes emit. Each lane is one sub-stream, so its items reach `lane` in arrival order and whatever
 * the lane does sequentially (`batch` then `concatMap(flush)`) stays in key order; different lanes
 * run in parallel. A lane is built the first time one of its items arrives.
 *
 * With `isBarrier`, a barrier item completes every lane (so each flushes what it holds), runs alone
 * through a fresh `lane` of its own, and only then do later items start new lanes: `lane` may be
 * called more than once per index.
 */
export function lanes<T, R>({
  count = DEFAULT_LANES,
  key,
  lane,
  isBarrier,
}: LanesConfig<T, R>): OperatorFunction<T, R> {
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`lanes: count must be a positive integer, got ${count}`);
  }
  const indexOf = (item: T): number => laneIndex(key(item), count);
  const fanOut: OperatorFunction<T, R> = pipe(
    groupBy(indexOf),
    mergeMap((items) => lane(items, items.key)),
  );
  if (isBarrier === undefined) return fanOut;
  return withBarriers({ isBarrier, segment: fanOut, barrier: (item) => lane(of(item), indexOf(item)) });
}

/**
 * Lanes for routed changes, the pipeline's ordering rule in one place:
 * - a row change is keyed by target table + primary key (`changeKey`), so one row's changes are
 *   applied in order. A primary-key change arrives as a delete of the old key and a create of the
 *   new one: two rows, two keys, possibly two lanes (and, in Kafka, possibly two partitions), and
 *   either order leaves the same end state (a second unique constraint on the target can still
 *   reject the create that lands first: an apply failure, not a silent divergence);
 * - a truncate has no key and concerns every row of its table, in every lane: it is a barrier. All
 *   changes before it are flushed first, it is applied alone, and changes after it wait for it.
 *   (Debezium sends it with a null Kafka key: only a one-partition topic orders it in Kafka.)
 */
export function changeLanes<R>({
  count,
  lane,
}: Pick<LanesConfig<RoutedChange, R>, 'count' | 'lane'>): OperatorFunction<RoutedChange, R> {
  return lanes({ count, lane, key: changeKey, isBarrier: (change) => change.op === 't' });
}

/**
 * The identity of the row a change applies to: target table and primary-key values, as JSON with
 * the key columns sorted, so equal rows give equal strings whatever order the columns came in.
 */
export function changeKey(change: RoutedChange): string {
  const known = changeKeys.get(change);
  if (known !== undefined) return known;
  const { target, key } = change;
  const columns = Object.keys(key);
  if (columns.length > 1) columns.sort();
  // The text JSON.stringify([schema, table, [column, value]…]) gives, built without the arrays
  // (this runs for every change). Its exact form matters: it picks the lane, and the lane offsets
  // kept in the target's positions are read back by later versions.
  let text = `[${JSON.stringify(target.schema)},${JSON.stringify(target.table)}`;
  for (const column of columns) text += `,[${JSON.stringify(column)},${JSON.stringify(key[column] ?? null)}]`;
  text += ']';
  changeKeys.set(change, text);
  return text;
}

/** Keys already computed: lanes and compaction both ask for each change's key (a pure memo). */
const changeKeys = new WeakMap<RoutedChange, string>();

/** 32-bit FNV-1a (http://www.isthe.com/chongo/tech/comp/fnv/): small, fast, well spread. */
const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * The lane of a key: 32-bit FNV-1a of its UTF-16 code units (the same as FNV-1a of the bytes for
 * ASCII keys) modulo `count`. Stable across runs and processes.
 */
export function laneIndex(key: string, count: number): number {
  let hash = FNV_OFFSET_BASIS;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, FNV_PRIME);
  }
  return (hash >>> 0) % count;
}
