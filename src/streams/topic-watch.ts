/**
 * The topics that match the pipeline's pattern, listed again every `refreshMs`: one listing at a
 * time (the next is asked for only after the one before was told, as the transaction assembler's
 * rule needs), shared by everyone who watches. The service's new-topic check and transaction
 * consistency's assembler read the same listings instead of each asking the broker.
 *
 * It starts with the listing the session began with (so nothing is asked twice at start), replays
 * the latest one to a late subscriber, and tells a failed listing as a Left (the broker is away)
 * without stopping: the next is tried on time. It runs while anyone subscribes.
 */
import * as E from 'fp-ts/lib/Either.js';
import {
  catchError,
  defer,
  exhaustMap,
  map,
  type Observable,
  type ObservableInput,
  of,
  type SchedulerLike,
  shareReplay,
  startWith,
  timer,
} from 'rxjs';

export type TopicsListed = E.Either<unknown, readonly string[]>;

export function topicWatch(
  list: () => ObservableInput<readonly string[]>,
  first: readonly string[],
  refreshMs: number,
  scheduler?: SchedulerLike,
): Observable<TopicsListed> {
  return timer(refreshMs, refreshMs, scheduler).pipe(
    exhaustMap(() =>
      defer(list).pipe(
        map((topics): TopicsListed => E.right(topics)),
        catchError((error: unknown) => of<TopicsListed>(E.left(error))),
      ),
    ),
    startWith<TopicsListed>(E.right(first)),
    shareReplay({ bufferSize: 1, refCount: true }),
  );
}
