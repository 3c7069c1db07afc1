/**
 * The apply side of PIPELINE_CONSISTENCY=transaction (issue 13): Kafka records, table topics and
 * the transaction topic together, to flushes of whole source transactions in commit order.
 *
 *   records ─┬─ transaction topic → BEGIN/END markers ─┐
 *            └─ table topics → decode → route ─────────┴→ assembleTransactions → batch → flush
 *
 * One lane: a flush holds several whole transactions (one target transaction, never part of a
 * source transaction), or one piece of a transaction larger than `maxChanges`. A record is
 * acknowledged only when its transaction is applied, so every partition's commit (and its
 * position in the target) stops at the start of the oldest transaction not wholly applied.
 */
import {
  concatMap,
  EMPTY,
  filter,
  finalize,
  from,
  map,
  merge,
  type Observable,
  share,
  Subject,
  takeUntil,
} from 'rxjs';
import { batch } from '../operators/batch.js';
import { concatBatches } from '../operators/concatBatches.js';
import {
  assembleTransactions,
  type AssemblyReset,
  type TopicListing,
  type TransactionStall,
  type TransactionUnit,
} from '../operators/assembleTransactions.js';
import { acknowledgeDropped, deadLetterFailures, type DeadLetterSinkPort } from '../streams/acknowledge.js';
import type { Committer } from '../streams/committer.js';
import type { Failure, KafkaOrigin, KafkaRecord, RoutedChange } from '../types.js';
import type { HeldRecords } from './held-records.js';
import {
  decodeTransactionMarker,
  postgresTransactionKey,
  tallyOf,
  type TransactionTally,
} from './transaction-marker.js';

/** What the pipeline needs to know to run in transaction consistency. */
export interface TransactionConsistency {
  /** Debezium's transaction topic (`<prefix>.transaction`), subscribed besides the table topics. */
  readonly topic: string;
  /** The oldest open transaction is applied in pieces once it holds this many changes; 0 = never. */
  readonly maxChanges: number;
  /** Whether the subscribed topics carry a data collection's (`schema.table`) changes. */
  readonly reads: (collection: string) => boolean;
  /** Partitions per subscribed topic: an assignment with fewer is refused (one consumer must see all). */
  readonly partitions?: Readonly<Record<string, number>>;
  /**
   * The table topics, listed again and again, each listing fetched after the one before reached the
   * assembler: a transaction stops waiting for a table whose topic was deleted (see TopicListing).
   * Without them a transaction captured before its table's topic was deleted waits for ever.
   */
  readonly listings?: Observable<TopicListing>;
  /** Told when a transaction stops waiting for tables whose topics were deleted. */
  readonly onTopicsGone?: (id: string, collections: readonly string[]) => void;
  /** Told when the oldest open transaction has held the rest back for `stalledAfterMs` (and again after as long). */
  readonly onStalled?: (stall: TransactionStall) => void;
  readonly stalledAfterMs?: number;
}

type FlushReport<R> = (
  received: readonly RoutedChange[],
  lane: number,
  options: {
    acknowledge: readonly KafkaOrigin[];
    positioned: readonly KafkaOrigin[] | 'none';
    piece: boolean;
    /** Source transactions the flush completes. */
    transactions: number;
  },
) => Promise<R>;

export interface TransactionFlushesParts<R> {
  readonly records: Observable<KafkaRecord>;
  /** A reset after each rebalance: partitions are read again, what the assembler held is forgotten. */
  readonly resets: Subject<AssemblyReset>;
  readonly config: TransactionConsistency;
  readonly batch: { readonly maxSize: number; readonly maxBytes: number; readonly maxWaitMs: number };
  readonly committer: Committer;
  readonly deadLetters: DeadLetterSinkPort;
  /** The pipeline's decode and route stages; failures told to `onFailure` count for their transaction. */
  readonly decodeAndRoute: (
    input: Observable<KafkaRecord>,
    onFailure: (failure: Failure) => void,
  ) => Observable<RoutedChange>;
  /** Applies changes in one target transaction, then acknowledges `acknowledge`. */
  readonly flush: FlushReport<R>;
  readonly held: HeldRecords;
  /** Effectively-once: whether the target's positions say a record read again was handled. */
  readonly handled?: (origin: KafkaOrigin, change?: RoutedChange) => boolean;
}

export function transactionFlushes<R>(parts: TransactionFlushesParts<R>): Observable<R> {
  const { resets, config, committer, deadLetters, decodeAndRoute, flush, held, handled } = parts;
  // One subscription to the source, split by topic (subscribing twice would start two consumers).
  const records = parts.records.pipe(share());
  const tallies = new Subject<TransactionTally>();
  const isMarker = (record: KafkaRecord): boolean => record.topic === config.topic;
  // Whole transactions are positioned together, so one read again is handled whole: it is dropped
  // (and acknowledged) before assembly, BEGIN, changes and END alike.
  const fresh = <T extends { readonly origin: KafkaOrigin }>(isHandled: (item: T) => boolean) =>
    acknowledgeDropped<T>(committer, (item) => !isHandled(item));

  const markers = records.pipe(
    filter(isMarker),
    map(decodeTransactionMarker),
    deadLetterFailures(committer, deadLetters),
    fresh((marker) => handled?.(marker.origin) === true),
  );
  const changes = decodeAndRoute(records.pipe(filter((record) => !isMarker(record))), (failure) => {
    const tally = tallyOf(failure);
    if (tally !== undefined) tallies.next(tally);
  }).pipe(fresh((change) => handled?.(change.origin, change) === true));
  const ended = new Subject<void>();
  const main = merge(markers, changes).pipe(
    finalize(() => {
      tallies.complete();
      resets.complete();
      ended.next();
    }),
  );
  const listings = (config.listings ?? EMPTY).pipe(takeUntil(ended));

  const flushGroup = async (units: readonly TransactionUnit[]): Promise<R> => {
    const [first] = units;
    if (first?.kind === 'piece') {
      const report = await flush(first.changes, 0, {
        acknowledge: [],
        positioned: 'none',
        piece: true,
        transactions: 0,
      });
      held.piecesApplied(first.changes.length);
      return report;
    }
    const acknowledge = units.flatMap((unit) => unit.acknowledge);
    const report = await flush(
      units.flatMap((unit) => unit.changes),
      0,
      { acknowledge, positioned: acknowledge, piece: false, transactions: units.filter(completes).length },
    );
    held.piecesAcknowledged(units.reduce((sum, unit) => sum + unit.earlier, 0));
    return report;
  };

  return merge(main, tallies, resets, listings).pipe(
    assembleTransactions({
      maxChanges: config.maxChanges,
      reads: config.reads,
      ...(config.onTopicsGone === undefined ? {} : { onTopicsGone: config.onTopicsGone }),
      ...(config.onStalled === undefined
        ? {}
        : { onStalled: config.onStalled, stalledAfterMs: config.stalledAfterMs ?? 0 }),
      key: postgresTransactionKey,
      onHolding: (count) => {
        held.assembling = count;
      },
    }),
    batch<TransactionUnit>({ ...parts.batch, sizeOf: unitBytes }),
    concatBatches({
      maxSize: parts.batch.maxSize,
      work: (units: TransactionUnit[]) => from(groupsOf(units)).pipe(concatMap(flushGroup)),
    }),
  );
}

/** A unit that ends a source transaction with something applied (not a late copy, not a snapshot read). */
const completes = (unit: TransactionUnit): boolean =>
  unit.kind === 'transaction' && (unit.changes.length > 0 || unit.earlier > 0);

const unitBytes = (unit: TransactionUnit): number =>
  unit.changes.reduce((sum, change) => sum + change.sizeBytes, 0);

/** Units in flush groups: consecutive whole units together, each piece in a transaction of its own. */
function groupsOf(units: readonly TransactionUnit[]): TransactionUnit[][] {
  const groups: TransactionUnit[][] = [];
  for (const unit of units) {
    const last = groups[groups.length - 1];
    if (unit.kind === 'piece' || last === undefined || last[0]?.kind === 'piece') groups.push([unit]);
    else last.push(unit);
  }
  return groups;
}
