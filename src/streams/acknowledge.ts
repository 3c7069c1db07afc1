/**
 * Operators that acknowledge what they take out of a chain, so a custom chain cannot forget a
 * record: a tombstone it skips, a record it filters out, a failure it dead-letters, a batch it
 * applies. Every record a `fromKafka` source emits must reach exactly one of them (or the
 * Committer directly), else its partition's commits stop at it.
 *
 *   fromKafka(consumer, { topics, tracker: committer.tracker }).pipe(
 *     decodeDebezium(), deadLetterFailures(committer, deadLetters), acknowledgeSkips(committer),
 *     acknowledgeDropped(committer, keep), route(), deadLetterFailures(committer, deadLetters),
 *     batch(), applyAndAcknowledge(committer, sink, deadLetters))
 *
 * They do I/O (commits, dead-letter writes), so they live with the source, not among the pure operators.
 */
import * as E from 'fp-ts/lib/Either.js';
import { concatMap, connect, filter, ignoreElements, map, merge, type OperatorFunction } from 'rxjs';
import { batch } from '../operators/batch.js';
import { compactBatch } from '../operators/compact.js';
import type { FlushGuard } from '../positions/guard.js';
import type { ChangeEvent, Decoded, Failure, KafkaOrigin, RoutedChange, Skipped } from '../types.js';
import type { Committer } from './committer.js';

/** Where records that cannot be applied go, with their origin and reason. */
export interface DeadLetterSinkPort {
  write(failures: readonly Failure[]): Promise<void>;
}

/**
 * What a chain needs of a sink: apply a compacted batch in one transaction. A sink that takes a
 * `guard` runs it in every transaction it commits and says so with `deadLettered` (effectively-once).
 */
export interface ChangeSink {
  flush(
    changes: readonly RoutedChange[],
    guard?: FlushGuard,
  ): Promise<{ readonly failed: readonly Failure[]; readonly deadLettered?: boolean }>;
}

/** Dead letters are written in small batches, soon after they appear. */
export const DEAD_LETTER_BATCH = { maxSize: 500, maxBytes: 0, maxWaitMs: 100 } as const;
/** Skipped and dropped records are acknowledged in groups, not one commit each. */
export const ACKNOWLEDGE_BATCH = { maxSize: 10_000, maxBytes: 0, maxWaitMs: 100 } as const;

const originsOf = (items: readonly { readonly origin: KafkaOrigin }[]): KafkaOrigin[] =>
  items.map((item) => item.origin);

/**
 * Forwards the rights; writes the lefts to `deadLetters` in small batches and acknowledges them
 * once written. A write that fails errors the stream: a dead letter is never dropped. Pass
 * `deadLetters` wrapped in a retry policy to ride out a target outage.
 */
export function deadLetterFailures<A>(
  committer: Committer,
  deadLetters: DeadLetterSinkPort,
): OperatorFunction<E.Either<Failure, A>, A> {
  return connect((shared) =>
    merge(
      shared.pipe(
        filter(E.isRight),
        map((right) => right.right),
      ),
      shared.pipe(
        filter(E.isLeft),
        map((left) => left.left),
        batch<Failure>(DEAD_LETTER_BATCH),
        concatMap(async (failures) => {
          await deadLetters.write(failures);
          await committer.acknowledge(originsOf(failures));
        }),
        ignoreElements(),
      ),
    ),
  );
}

/** Forwards changes; acknowledges tombstones and other records that carry nothing to apply. */
export function acknowledgeSkips(committer: Committer): OperatorFunction<Decoded, ChangeEvent> {
  return connect((shared) =>
    merge(
      shared.pipe(filter((decoded): decoded is ChangeEvent => decoded.kind === 'change')),
      shared.pipe(
        filter((decoded): decoded is Skipped => decoded.kind === 'skipped'),
        batch<Skipped>(ACKNOWLEDGE_BATCH),
        concatMap((skipped) => committer.acknowledge(originsOf(skipped))),
        ignoreElements(),
      ),
    ),
  );
}

/**
 * A filter that acknowledges what it drops (`keep` false), so dropping a record still commits it.
 * `keep` runs once per item; a throw errors the stream.
 */
export function acknowledgeDropped<T extends { readonly origin: KafkaOrigin }>(
  committer: Committer,
  keep: (item: T) => boolean,
): OperatorFunction<T, T> {
  return (source) =>
    source.pipe(
      map((item) => ({ item, kept: keep(item) })),
      connect((shared) =>
        merge(
          shared.pipe(
            filter(({ kept }) => kept),
            map(({ item }) => item),
          ),
          shared.pipe(
            filter(({ kept }) => !kept),
            map(({ item }) => item),
            batch<T>(ACKNOWLEDGE_BATCH),
            concatMap((dropped) => committer.acknowledge(originsOf(dropped))),
            ignoreElements(),
          ),
        ),
      ),
    );
}

/**
 * Applies each batch (compacted: one final change per key) in one transaction, one batch at a
 * time; dead-letters the changes the sink could not apply; then acknowledges the whole batch.
 * Emits the number of changes each batch held.
 */
export function applyAndAcknowledge(
  committer: Committer,
  sink: ChangeSink,
  deadLetters: DeadLetterSinkPort,
): OperatorFunction<RoutedChange[], number> {
  return concatMap(async (changes) => {
    const { failed } = await sink.flush(compactBatch(changes));
    if (failed.length > 0) await deadLetters.write(failed);
    await committer.acknowledge(originsOf(changes));
    return changes.length;
  });
}
