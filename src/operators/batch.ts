import {
  asyncScheduler,
  Observable,
  type OperatorFunction,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import { DEFAULT_BATCH } from '../defaults.js';

/** A batch policy: whichever limit is reached first closes the batch. 0 turns a limit off. */
export interface BatchConfig<T> {
  /** Close the batch when it holds this many items; 0 = no count limit. */
  readonly maxSize?: number;
  /** Close the batch when its items' sizes (`sizeOf`) add up to this many bytes; 0 = no byte limit. */
  readonly maxBytes?: number;
  /** Close the batch this long after its first item arrived; 0 = no time limit. */
  readonly maxWaitMs?: number;
  /** Size of one item in bytes; by default its numeric `sizeBytes` field, else 0. */
  readonly sizeOf?: (item: T) => number;
}

/**
 * Collects items into batches, emitted when a batch reaches `maxSize` items or `maxBytes` bytes
 * (counting the item that reached it, as Benthos's batch policy does), or `maxWaitMs` after the
 * batch's first item. Never emits an empty batch; emits the remainder when the source completes; on
 * a source error, forwards the error and drops the open batch (its records were never acknowledged).
 *
 * @throws RangeError at creation when a limit is negative or all three are off.
 */
export function batch<T>(
  {
    maxSize = DEFAULT_BATCH.maxSize,
    maxBytes = DEFAULT_BATCH.maxBytes,
    maxWaitMs = DEFAULT_BATCH.maxWaitMs,
    sizeOf = sizeBytesOf,
  }: BatchConfig<T> = {},
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<T, T[]> {
  for (const [name, limit] of Object.entries({ maxSize, maxBytes, maxWaitMs })) {
    if (!(limit >= 0 && limit < Infinity)) {
      throw new RangeError(`batch: ${name} must be 0 (off) or more, got ${limit}`);
    }
  }
  if (maxSize === 0 && maxBytes === 0 && maxWaitMs === 0) {
    throw new RangeError('batch: maxSize, maxBytes and maxWaitMs are all 0 (off); set at least one limit');
  }

  return (source) =>
    new Observable<T[]>((subscriber) => {
      let items: T[] = [];
      let bytes = 0;
      let timer: Subscription | null = null;

      const emit = (): void => {
        timer?.unsubscribe();
        timer = null;
        const full = items;
        items = [];
        bytes = 0;
        subscriber.next(full);
      };

      subscriber.add(
        source.subscribe({
          next: (item) => {
            let size: number;
            try {
              size = sizeOf(item);
            } catch (error) {
              subscriber.error(error);
              return;
            }
            items.push(item);
            bytes += size;
            if ((maxSize > 0 && items.length >= maxSize) || (maxBytes > 0 && bytes >= maxBytes)) {
              emit();
            } else if (maxWaitMs > 0 && timer === null) {
              timer = scheduler.schedule(emit, maxWaitMs);
            }
          },
          error: (error: unknown) => subscriber.error(error),
          complete: () => {
            if (items.length > 0) emit();
            subscriber.complete();
          },
        }),
      );
      return () => {
        timer?.unsubscribe();
        items = [];
      };
    });
}

function sizeBytesOf(item: unknown): number {
  return typeof item === 'object' &&
    item !== null &&
    'sizeBytes' in item &&
    typeof item.sizeBytes === 'number'
    ? item.sizeBytes
    : 0;
}
