import { from, Observable, Subject, type ObservableInput, type OperatorFunction } from 'rxjs';

/** How `withBarriers` tells barriers from the rest, and what it does with each. */
export interface BarrierConfig<T, R> {
  /** Whether an item is a barrier: ordered against every item before it and every item after it. */
  readonly isBarrier: (item: T) => boolean;
  /** Processes one run of ordinary items, live as they arrive; must complete once its input has. */
  readonly segment: OperatorFunction<T, R>;
  /** Processes one barrier item, alone. */
  readonly barrier: (item: T) => ObservableInput<R>;
}

/**
 * Splits the stream at barrier items. The ordinary items between two barriers flow live through
 * one `segment` (which may process them in parallel, as `lanes` does); a barrier closes the open
 * segment, waits until that segment's output completes, then runs alone through `barrier`; items
 * arriving meanwhile wait, in order, and open the next segment once the barrier's output completes.
 *
 * Invariant enforced here: every output of the work before a barrier precedes the barrier's own
 * output, which precedes every output of the work after it. Nothing is dropped: on completion the
 * open segment is closed and everything waiting is run first. Items wait in memory while a barrier
 * runs; the source's high-water mark bounds them.
 */
export function withBarriers<T, R>({
  isBarrier,
  segment,
  barrier,
}: BarrierConfig<T, R>): OperatorFunction<T, R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      /** Items not yet taken, in order: they wait here while a barrier, or the segment it closed, runs. */
      const waiting: T[] = [];
      /** The segment taking items live; only while `busy`. */
      let open: Subject<T> | null = null;
      /** A segment's or a barrier's output is still running. */
      let busy = false;
      let sourceDone = false;

      const run = (output: Observable<R>): void => {
        busy = true;
        const unit = output.subscribe({
          next: (value) => subscriber.next(value),
          error: (error: unknown) => subscriber.error(error),
          complete: () => {
            busy = false;
            open = null;
            pump();
          },
        });
        subscriber.add(unit);
      };

      const closeSegment = (): void => {
        const closing = open;
        open = null;
        closing?.complete();
      };

      const accept = (item: T): void => {
        const itemIsBarrier = isBarrier(item);
        if (open !== null && !itemIsBarrier) {
          open.next(item);
        } else if (open !== null) {
          // The barrier goes back to the head of the queue: it runs when the closed segment completes.
          waiting.unshift(item);
          closeSegment();
        } else if (busy) {
          waiting.push(item);
        } else if (itemIsBarrier) {
          run(from(barrier(item)));
        } else {
          const opened = new Subject<T>();
          open = opened;
          run(opened.pipe(segment));
          opened.next(item);
        }
      };

      // User callbacks (isBarrier, segment, barrier) run guarded: a throw errors the output.
      const pump = (): void => {
        if (subscriber.closed) return;
        try {
          while (waiting.length > 0 && (!busy || open !== null)) accept(waiting.shift() as T);
          // The source is done and nothing waits: the open segment (maybe opened after the source
          // completed, by items that waited behind a barrier) gets its completion too.
          if (sourceDone && waiting.length === 0) closeSegment();
        } catch (error) {
          subscriber.error(error);
          return;
        }
        if (sourceDone && !busy && waiting.length === 0) subscriber.complete();
      };

      subscriber.add(
        source.subscribe({
          next: (item) => {
            waiting.push(item);
            pump();
          },
          error: (error: unknown) => subscriber.error(error),
          complete: () => {
            sourceDone = true;
            pump();
          },
        }),
      );
    });
}
