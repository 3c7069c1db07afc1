import { from, Observable, type ObservableInput, type OperatorFunction } from 'rxjs';
import { DEFAULT_JOINED_MAX_SIZE } from '../defaults.js';

/** How `concatBatches` joins waiting batches. */
export interface ConcatBatchesConfig<T, R> {
  /** Runs one (joined) batch; the next starts when its output completes. */
  readonly work: (items: T[]) => ObservableInput<R>;
  /** Most items joined into one run; 0 = no limit. */
  readonly maxSize?: number;
}

/**
 * Like `concatMap(work)` on batches, except that batches arriving while `work` runs are joined,
 * in order, into the next run. A flush that takes longer than the batch window would otherwise
 * face a queue of small batches, each paying a transaction's fixed cost; joined, the backlog is
 * written in as few transactions as it takes (up to `maxSize` items each), while a quiet stream
 * still gets its small batches flushed at once.
 *
 * Order is kept: items run in arrival order, one run at a time. On source completion the waiting
 * items run, then the output completes; a source error is forwarded at once.
 */
export function concatBatches<T, R>({
  work,
  maxSize = DEFAULT_JOINED_MAX_SIZE,
}: ConcatBatchesConfig<T, R>): OperatorFunction<T[], R> {
  if (!Number.isInteger(maxSize) || maxSize < 0) {
    throw new RangeError(`concatBatches: maxSize must be a whole number, 0 or more, got ${maxSize}`);
  }
  return (source) =>
    new Observable<R>((subscriber) => {
      let waiting: T[] = [];
      let running = false;
      let sourceDone = false;

      const runNext = (): void => {
        if (running || subscriber.closed) return;
        if (waiting.length === 0) {
          if (sourceDone) subscriber.complete();
          return;
        }
        const take = maxSize === 0 ? waiting.length : Math.min(maxSize, waiting.length);
        const items = waiting.slice(0, take);
        waiting = waiting.slice(take);
        running = true;
        let output: Observable<R>;
        try {
          output = from(work(items));
        } catch (error) {
          subscriber.error(error);
          return;
        }
        subscriber.add(
          output.subscribe({
            next: (value) => subscriber.next(value),
            error: (error: unknown) => subscriber.error(error),
            complete: () => {
              running = false;
              runNext();
            },
          }),
        );
      };

      subscriber.add(
        source.subscribe({
          next: (batch) => {
            for (const item of batch) waiting.push(item);
            runNext();
          },
          error: (error: unknown) => subscriber.error(error),
          complete: () => {
            sourceDone = true;
            runNext();
          },
        }),
      );
    });
}
