/**
 * Which offsets may be committed. A record is tracked when the source emits it and marked done when
 * it is durable: flushed to the target, dead-lettered, or skipped (a tombstone). Records finish out
 * of order (lanes flush in parallel), so per partition the committable offset is the end of the
 * contiguous done prefix: Kafka's committed offset means "everything below this is handled".
 *
 * Offsets are 64-bit; they are kept as bigint here and as decimal strings at the edges.
 */
import type { KafkaOrigin } from '../types.js';

export interface CommittableOffset {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to read: last handled offset + 1, as Kafka's commit expects. */
  readonly offset: string;
}

interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  /** Tracked offsets in the order the source emitted them (ascending within a partition). */
  readonly queue: bigint[];
  /** Index of the first offset in `queue` not yet known to be done. */
  head: number;
  readonly done: Set<bigint>;
  /** The end of the contiguous done prefix (last done offset + 1), once any record is done. */
  doneUpTo: bigint | undefined;
  /** What the broker last acknowledged as committed: an offset is offered until it is. */
  committed: bigint | undefined;
}

/** Compact the queue once this many handled offsets sit before its head. */
const COMPACT_AFTER = 4096;

export class OffsetTracker {
  /** By topic, then partition: no key string is built per record (track and done run for each). */
  private readonly partitions = new Map<string, Map<number, PartitionState>>();
  private pending = 0;

  private stateOf(topic: string, partition: number): PartitionState | undefined {
    return this.partitions.get(topic)?.get(partition);
  }

  /** Records emitted and not yet durable: what backpressure is measured in. */
  get inFlight(): number {
    return this.pending;
  }

  track(origin: KafkaOrigin): void {
    let state = this.stateOf(origin.topic, origin.partition);
    if (!state) {
      state = {
        topic: origin.topic,
        partition: origin.partition,
        queue: [],
        head: 0,
        done: new Set(),
        doneUpTo: undefined,
        committed: undefined,
      };
      let ofTopic = this.partitions.get(origin.topic);
      if (ofTopic === undefined) this.partitions.set(origin.topic, (ofTopic = new Map()));
      ofTopic.set(origin.partition, state);
    }
    const offset = BigInt(origin.offset);
    const last = state.queue[state.queue.length - 1];
    if (last !== undefined && offset <= last) {
      throw new RangeError(
        `offset ${origin.offset} of ${origin.topic}/${origin.partition} arrived after ${last}: offsets must ascend`,
      );
    }
    state.queue.push(offset);
    this.pending += 1;
  }

  /**
   * Marks records durable. Records the tracker does not know (from before a `reset`) are ignored:
   * their partition was revoked and they will be read again from the committed offset.
   */
  done(origins: Iterable<KafkaOrigin>): void {
    for (const origin of origins) {
      const state = this.stateOf(origin.topic, origin.partition);
      if (!state) continue;
      const offset = BigInt(origin.offset);
      const first = state.queue[state.head];
      if (first === undefined || offset < first || state.done.has(offset)) continue;
      state.done.add(offset);
      this.pending -= 1;
    }
  }

  /**
   * Per partition, the offset to commit where it is ahead of what the broker acknowledged; empty
   * when nothing moved. Offering does not count as committed: an offset is offered again until
   * `markCommitted` records the broker's acknowledgement, so a failed commit is retried by the next one.
   */
  committable(): CommittableOffset[] {
    const result: CommittableOffset[] = [];
    for (const state of this.allStates()) {
      advance(state);
      const next = state.doneUpTo;
      if (next === undefined || (state.committed !== undefined && next <= state.committed)) continue;
      result.push({ topic: state.topic, partition: state.partition, offset: next.toString() });
    }
    return result;
  }

  /**
   * The end of the partition's contiguous durable prefix (every record below it is durable), or
   * undefined when none is known: what the target's positions record as the next offset.
   */
  durableUpTo(topic: string, partition: number): bigint | undefined {
    const state = this.stateOf(topic, partition);
    if (state === undefined) return undefined;
    advance(state);
    return state.doneUpTo;
  }

  /**
   * Records offsets the broker acknowledged. Partitions the tracker no longer knows (revoked by a
   * rebalance while the commit was on its way) are ignored.
   */
  markCommitted(offsets: Iterable<CommittableOffset>): void {
    for (const { topic, partition, offset } of offsets) {
      const state = this.stateOf(topic, partition);
      if (!state) continue;
      const acknowledged = BigInt(offset);
      if (state.committed === undefined || acknowledged > state.committed) state.committed = acknowledged;
    }
  }

  /**
   * Forgets every partition: after a rebalance the consumer reads again from the committed offsets,
   * so nothing tracked before it may be committed (never commit for a revoked partition).
   */
  reset(): void {
    this.partitions.clear();
    this.pending = 0;
  }

  private *allStates(): Generator<PartitionState> {
    for (const ofTopic of this.partitions.values()) yield* ofTopic.values();
  }
}

/** Moves the partition's head past the offsets now done, and compacts its queue now and then. */
function advance(state: PartitionState): void {
  while (state.head < state.queue.length && state.done.has(state.queue[state.head]!)) {
    const offset = state.queue[state.head]!;
    state.done.delete(offset);
    state.doneUpTo = offset + 1n;
    state.head += 1;
  }
  if (state.head >= COMPACT_AFTER) {
    state.queue.splice(0, state.head);
    state.head = 0;
  }
}
