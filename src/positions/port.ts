/**
 * What the pipeline needs of a positions store for effectively-once apply; src/sinks/positions.ts
 * keeps them in a table of the target.
 */
import type { Queryable } from '../sinks/pool.js';
import type { Failure } from '../types.js';
import type { PartitionClaim } from './claimed.js';

/** What one flush transaction accounts for, per partition. */
export interface PositionAdvance {
  readonly topic: string;
  readonly partition: number;
  /** The generation the flush's owner claimed. */
  readonly generation: bigint;
  /** The flushing lane and the last offset it handled in this transaction. */
  readonly lane: number;
  readonly laneOffset: bigint;
  /** Every record below this is handled (the durable prefix before this flush), or -1. */
  readonly nextOffset: bigint;
}

export interface PositionsPort {
  /** Claims the partitions under a new generation; returns their positions as they were. */
  claim(
    partitions: readonly { topic: string; partition: number }[],
    lanes: number,
  ): Promise<PartitionClaim[]>;
  /** Inside a flush transaction: fences off a stale owner (FencedError) and advances the positions. */
  record(client: Queryable, advances: readonly PositionAdvance[]): Promise<void>;
  /** Inside a flush transaction: stores dead letters with the positions that pass them. */
  deadLetter(client: Queryable, failures: readonly Failure[]): Promise<void>;
}
