import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { KafkaOrigin, RoutedChange } from '../types.js';

/** A BEGIN or END of a source transaction, as the assembler takes it. */
export interface TransactionMarker {
  readonly kind: 'begin' | 'end';
  readonly id: string;
  /** END only: changes per data collection (`schema.table`). */
  readonly counts: ReadonlyMap<string, number>;
  readonly origin: KafkaOrigin;
}

/** A dead-lettered record that belonged to a transaction: it counts as delivered. */
export interface TransactionTally {
  readonly kind: 'tally';
  readonly id: string;
  /** `schema.table` of the record. */
  readonly collection: string;
}

/** After a rebalance every partition is read again from its committed offset: forget what is held. */
export interface AssemblyReset {
  readonly kind: 'reset';
}

/**
 * The table topics that exist now, from a listing fetched after the previous listing reached the
 * assembler. A transaction's END names every table it changed, and Debezium's topics are created
 * before their first change is sent, so a table whose topic is missing from a listing fetched after
 * the END was read had its topic deleted (remove-table): its changes are gone and are not waited
 * for. The second listing after an END is the first one surely fetched after it.
 */
export interface TopicListing {
  readonly kind: 'listing';
  /** Whether a data collection's (`schema.table`) topic exists. */
  readonly hasTopic: (collection: string) => boolean;
}

export type AssemblyInput =
  RoutedChange | TransactionMarker | TransactionTally | AssemblyReset | TopicListing;

/**
 * What to apply in one go, in order:
 * - `transaction`: a whole source transaction (or the rest of an oversized one), its changes in
 *   source order; `acknowledge` holds every record of it, BEGIN and END included (and its earlier
 *   pieces': `earlier` counts those);
 * - `piece`: part of the oldest open transaction, too big to hold whole; acknowledged with its last part;
 * - `untracked`: a change without transaction metadata (a snapshot read), in its partition's order.
 */
export interface TransactionUnit {
  readonly kind: 'transaction' | 'piece' | 'untracked';
  readonly id: string | null;
  readonly changes: readonly RoutedChange[];
  readonly acknowledge: readonly KafkaOrigin[];
  /** Records of this transaction applied in earlier pieces (acknowledged with this unit). */
  readonly earlier: number;
}

export interface AssembleTransactionsConfig {
  /** The oldest open transaction is applied in pieces once it holds this many changes; 0 = never. */
  readonly maxChanges?: number;
  /** Whether the stream carries a data collection's (`schema.table`) changes; END counts of others are not waited for. */
  readonly reads?: (collection: string) => boolean;
  /**
   * The transaction a Debezium transaction id names: the same for its BEGIN, END and changes. By
   * default the id itself; PostgreSQL needs `postgresTransactionKey` (src/consistency).
   */
  readonly key?: (id: string) => string;
  /** Told how many records wait here whenever it changes (backpressure leaves them out: see pipeline.ts). */
  readonly onHolding?: (records: number) => void;
  /** Told when a transaction stops waiting for tables whose topics a listing found deleted. */
  readonly onTopicsGone?: (id: string, collections: readonly string[]) => void;
  /**
   * Told when the oldest open transaction has held everything after it back for `stalledAfterMs`
   * (and again every `stalledAfterMs` while it does): what it still waits for.
   */
  readonly onStalled?: (stall: TransactionStall) => void;
  /** 0 (the default) tells no stalls. */
  readonly stalledAfterMs?: number;
  readonly scheduler?: SchedulerLike;
}

/** The oldest open transaction, waiting: everything after it is held until it completes. */
export interface TransactionStall {
  readonly id: string;
  readonly waitedMs: number;
  /** Changes still missing per table; empty while its END has not been read. */
  readonly missing: ReadonlyMap<string, number>;
  /** Whether its END has been read (before it, how many changes it has is unknown). */
  readonly endRead: boolean;
  /** Records held behind and in it. */
  readonly holding: number;
}

/** Transactions applied lately, to drop a late copy of their changes (Debezium re-sends after a restart). */
const REMEMBERED_IDS = 10_000;

interface Open {
  readonly changes: RoutedChange[];
  readonly delivered: Map<string, number>;
  readonly markers: KafkaOrigin[];
  readonly applied: KafkaOrigin[];
  expected: ReadonlyMap<string, number> | undefined;
  /** How many topic listings had arrived when the END did. */
  listingsAtEnd: number;
  /** Tables of `expected` whose topics were deleted after the END: not waited for. */
  readonly gone: Set<string>;
  /** The total order the next piece starts at. */
  nextOrder: number;
  /** Untracked changes that came after this transaction's changes on their partition. */
  readonly followers: RoutedChange[];
}

const partitionOf = ({ origin }: RoutedChange): string => `${origin.topic}\u0000${origin.partition}`;
const collectionOf = ({ source }: RoutedChange): string => `${source.schema}.${source.table}`;
const byTotalOrder = (a: RoutedChange, b: RoutedChange): number =>
  (a.transaction?.totalOrder ?? 0) - (b.transaction?.totalOrder ?? 0);

/** A late copy of a record of a transaction already applied: acknowledged, never applied again. */
const lateCopy = (id: string, origin: KafkaOrigin): TransactionUnit => ({
  kind: 'transaction',
  id,
  changes: [],
  acknowledge: [origin],
  earlier: 0,
});

/**
 * Gathers each source transaction's changes, from any topic and partition, until its END's counts
 * are met, and emits whole transactions in commit order (the order of the BEGIN/END events).
 * A transaction still open when it is the oldest and holds `maxChanges` changes is emitted in
 * pieces. Changes without a transaction (snapshot reads) are emitted at once, unless a change of a
 * still open transaction came before them on their partition: then right after that transaction.
 */
export function assembleTransactions({
  maxChanges = 0,
  reads = () => true,
  key = (id) => id,
  onHolding,
  onTopicsGone,
  onStalled,
  stalledAfterMs = 0,
  scheduler = asyncScheduler,
}: AssembleTransactionsConfig = {}): OperatorFunction<AssemblyInput, TransactionUnit> {
  if (!(Number.isInteger(maxChanges) && maxChanges >= 0))
    throw new RangeError(
      `assembleTransactions: maxChanges must be a whole number, 0 or more, got ${maxChanges}`,
    );
  return (source) =>
    new Observable<TransactionUnit>((subscriber) => {
      const open = new Map<string, Open>();
      /** Transaction ids in commit order (as their BEGIN, or END without BEGIN, arrived). */
      let order: string[] = [];
      const lastOnPartition = new Map<string, string>();
      const applied = new Set<string>();
      let holding = 0;
      let listings = 0;

      const hold = (delta: number): void => {
        holding += delta;
        if (delta !== 0) onHolding?.(holding);
      };
      const openOf = (id: string): Open => {
        let txn = open.get(id);
        if (txn === undefined) {
          txn = {
            changes: [],
            delivered: new Map(),
            markers: [],
            applied: [],
            expected: undefined,
            listingsAtEnd: 0,
            gone: new Set(),
            nextOrder: 1,
            followers: [],
          };
          open.set(id, txn);
        }
        return txn;
      };
      const remember = (id: string): void => {
        applied.add(id);
        if (applied.size > REMEMBERED_IDS) applied.delete(applied.values().next().value!);
      };
      const waitsFor = (txn: Open, collection: string): boolean =>
        reads(collection) && !txn.gone.has(collection);
      const complete = (txn: Open): boolean =>
        txn.expected !== undefined &&
        [...txn.expected].every(
          ([collection, count]) =>
            !waitsFor(txn, collection) || (txn.delivered.get(collection) ?? 0) >= count,
        );
      /** Deleted topics, once surely after a transaction's END: once gone, a topic never brings its changes. */
      const takeListing = (listing: TopicListing): void => {
        listings += 1;
        for (const [id, txn] of open) {
          if (txn.expected === undefined || listings < txn.listingsAtEnd + 2) continue;
          const gone = [...txn.expected.keys()].filter(
            (collection) => waitsFor(txn, collection) && !listing.hasTopic(collection),
          );
          for (const collection of gone) txn.gone.add(collection);
          if (gone.length > 0) onTopicsGone?.(id, gone);
        }
      };

      /**
       * A piece of the oldest transaction: the changes that continue it in source order (total order
       * without a gap), once there are `maxChanges` of them, so that each piece is a prefix of the
       * transaction (a parent row before its children). Changes of tables this stream does not read
       * leave gaps that never fill: once END says there are such, the lowest `maxChanges` go anyway.
       */
      const emitPiece = (id: string, txn: Open): void => {
        txn.changes.sort(byTotalOrder);
        let next = txn.nextOrder;
        let length = 0;
        for (const change of txn.changes) {
          const order = change.transaction?.totalOrder ?? 0;
          if (order > next) break;
          if (order === next) next += 1;
          length += 1;
        }
        if (length < maxChanges) {
          const unread = [...(txn.expected ?? [])].some(
            ([collection, count]) => count > 0 && !waitsFor(txn, collection),
          );
          if (!unread) return;
          length = maxChanges;
        }
        const changes = txn.changes.splice(0, length);
        txn.nextOrder = Math.max(next, (changes[changes.length - 1]?.transaction?.totalOrder ?? 0) + 1);
        txn.applied.push(...changes.map((change) => change.origin));
        hold(-changes.length);
        subscriber.next({ kind: 'piece', id, changes, acknowledge: [], earlier: 0 });
      };

      const emitHead = (id: string, txn: Open): void => {
        const changes = txn.changes.splice(0).sort(byTotalOrder);
        const origins = changes.map((change) => change.origin);
        const earlier = txn.applied.length;
        const acknowledge = [...txn.applied, ...origins, ...txn.markers];
        hold(-(changes.length + txn.markers.length + txn.followers.length));
        open.delete(id);
        remember(id);
        subscriber.next({ kind: 'transaction', id, changes, acknowledge, earlier });
        for (const follower of txn.followers) emitUntracked(follower);
      };
      const emitUntracked = (change: RoutedChange): void =>
        subscriber.next({
          kind: 'untracked',
          id: null,
          changes: [change],
          acknowledge: [change.origin],
          earlier: 0,
        });

      /**
       * The oldest open transaction, since when it has made no progress (or was last told stalled),
       * and its progress then: a large one still arriving, or applied in pieces, is not stalled.
       */
      let head: { id: string; since: number; progress: number } | undefined;
      const progressOf = (txn: Open): number =>
        txn.changes.length + txn.applied.length + (txn.expected === undefined ? 0 : 1);
      const watchHead = (): void => {
        // After drain() the first id in commit order is the oldest open transaction, if any.
        const id = order[0];
        if (id === head?.id) return;
        const txn = id === undefined ? undefined : open.get(id);
        head =
          id === undefined || txn === undefined
            ? undefined
            : { id, since: scheduler.now(), progress: progressOf(txn) };
      };
      const tellStall = (): void => {
        const txn = head && open.get(head.id);
        if (head === undefined || txn === undefined) return;
        if (progressOf(txn) !== head.progress) {
          head = { id: head.id, since: scheduler.now(), progress: progressOf(txn) };
          return;
        }
        const waitedMs = scheduler.now() - head.since;
        if (waitedMs < stalledAfterMs) return;
        const missing = new Map<string, number>();
        for (const [collection, count] of txn.expected ?? []) {
          const short = count - (txn.delivered.get(collection) ?? 0);
          if (waitsFor(txn, collection) && short > 0) missing.set(collection, short);
        }
        onStalled?.({ id: head.id, waitedMs, missing, endRead: txn.expected !== undefined, holding });
        head = { ...head, since: scheduler.now() };
      };

      const drain = (): void => {
        while (order.length > 0) {
          const id = order[0]!;
          const head = open.get(id);
          if (head === undefined) {
            order.shift();
            continue;
          }
          if (complete(head)) {
            order.shift();
            emitHead(id, head);
          } else {
            if (maxChanges > 0 && head.changes.length >= maxChanges) emitPiece(id, head);
            return;
          }
        }
      };

      const take = (input: AssemblyInput): void => {
        if (input.kind === 'reset') {
          open.clear();
          order = [];
          lastOnPartition.clear();
          hold(-holding);
          return;
        }
        if (input.kind === 'listing') return takeListing(input);
        if (input.kind === 'tally') {
          if (applied.has(key(input.id))) return;
          const txn = openOf(key(input.id));
          txn.delivered.set(input.collection, (txn.delivered.get(input.collection) ?? 0) + 1);
          return;
        }
        if (input.kind === 'change') {
          const id =
            input.transaction === undefined || input.transaction === null
              ? undefined
              : key(input.transaction.id);
          if (id === undefined) {
            const before = lastOnPartition.get(partitionOf(input));
            const blocking = before === undefined ? undefined : open.get(before);
            if (blocking === undefined) return emitUntracked(input);
            blocking.followers.push(input);
            return hold(1);
          }
          if (applied.has(id)) return subscriber.next(lateCopy(id, input.origin));
          const txn = openOf(id);
          txn.changes.push(input);
          const collection = collectionOf(input);
          txn.delivered.set(collection, (txn.delivered.get(collection) ?? 0) + 1);
          lastOnPartition.set(partitionOf(input), id);
          return hold(1);
        }
        // A BEGIN or END.
        const id = key(input.id);
        if (applied.has(id)) return subscriber.next(lateCopy(id, input.origin));
        const known = open.has(id) && order.includes(id);
        const txn = openOf(id);
        txn.markers.push(input.origin);
        hold(1);
        if (!known) order.push(id);
        if (input.kind === 'end') {
          txn.expected = input.counts;
          txn.listingsAtEnd = listings;
        }
      };

      const watch =
        onStalled !== undefined && stalledAfterMs > 0
          ? scheduler.schedule(function check() {
              tellStall();
              this.schedule(undefined, stalledAfterMs);
            }, stalledAfterMs)
          : undefined;
      const subscription = source.subscribe({
        next: (input) => {
          try {
            take(input);
            drain();
            watchHead();
          } catch (error) {
            subscriber.error(error);
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        watch?.unsubscribe();
        subscription.unsubscribe();
      };
    });
}
