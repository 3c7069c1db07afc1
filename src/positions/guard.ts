/**
 * What a sink does inside each transaction it commits when positions are kept in the target
 * (effectively-once): record the positions of the changes the transaction accounts for, fencing
 * off a stale owner, and write the dead letters found so far, so that a position never passes a
 * record whose dead letter is not stored with it.
 */
import type { Queryable } from '../sinks/pool.js';
import type { Failure, KafkaOrigin } from '../types.js';

export interface FlushGuard {
  /**
   * Records that every change at `handled` is handled, inside the committing transaction.
   *
   * @throws FencedError when another owner claimed one of their partitions: the transaction rolls back.
   */
  record(client: Queryable, handled: readonly KafkaOrigin[]): Promise<void>;
  /** Writes dead letters inside the same transaction. */
  deadLetter(client: Queryable, failures: readonly Failure[]): Promise<void>;
}
