/**
 * The pipeline's side of effectively-once apply: it claims the target's positions for each new
 * assignment (and seeks there), tells which changes read again were handled before, gives each
 * flush the guard that records its positions in the flush's own transaction, and tells changes
 * read under an older assignment (stale) from current ones.
 */
import type { FlushGuard } from './guard.js';
import type { PositionsPort } from './port.js';
import { type ClaimsAt, ClaimedPositions, lastOffsets, type SeekTo } from './claimed.js';
import { FencedError } from '../errors.js';
import type { KafkaOrigin } from '../types.js';

export interface EffectivelyOnceParts {
  readonly positions: PositionsPort;
  /** Where each partition is durable up to: recorded with the positions, for a restart to seek to. */
  readonly tracker: { durableUpTo(topic: string, partition: number): bigint | undefined };
  readonly laneCount: number;
  /** A target write, retried while its error is transient. */
  readonly onTarget: <T>(description: string, action: () => Promise<T>) => Promise<T>;
}

export class EffectivelyOnce {
  private readonly claimed = new ClaimedPositions();
  /** The current assignment's number (fromKafka's epoch). */
  private epoch: number | undefined;

  constructor(private readonly parts: EffectivelyOnceParts) {}

  /** Claims the assigned partitions' positions in the target; where to seek to resume after them. */
  async claim(assignment: Readonly<Record<string, readonly number[]>>): Promise<SeekTo[]> {
    const { positions, laneCount, onTarget } = this.parts;
    const partitions = Object.entries(assignment).flatMap(([topic, numbers]) =>
      numbers.map((partition) => ({ topic, partition })),
    );
    const claims = await onTarget(`claim ${partitions.length} partitions`, () =>
      positions.claim(partitions, laneCount),
    );
    this.claimed.replace(claims);
    return this.claimed.seeks();
  }

  rebalanced(epoch: number): void {
    this.epoch = epoch;
  }

  /**
   * Whether a change was read under the current assignment. One read before the latest rebalance
   * is read again from the position just claimed, so applying (or acknowledging) the old copy could
   * apply it twice, or let a later flush of its lane record an offset past changes that were
   * dropped.
   */
  readNow(origin: KafkaOrigin): boolean {
    return origin.epoch === undefined || origin.epoch === this.epoch;
  }

  /** The claims as they are now, for a flush to hold to throughout (see ClaimedPositions.now). */
  now(): ClaimsAt {
    return this.claimed.now();
  }

  /** Whether the target's positions say a record read again was handled (`laneOf`: its lane). */
  handled(origin: KafkaOrigin, laneOf: (lanes: number) => number): boolean {
    return this.claimed.handled(origin, laneOf);
  }

  /**
   * A lane's flush guard under the claims `claimsAt`. `extra` (transaction consistency) are records
   * the flush accounts for besides its changes: BEGIN/END events and a large transaction's earlier
   * pieces; `none` records no position at all (a piece: the transaction it belongs to is applied
   * again after a crash). A partition no longer claimed fences the flush off.
   */
  guard(lane: number, claimsAt: ClaimsAt, extra: readonly KafkaOrigin[] | 'none' = []): FlushGuard {
    const { positions, tracker } = this.parts;
    return {
      record: (client, handled) =>
        positions.record(
          client,
          lastOffsets(extra === 'none' ? [] : [...handled, ...extra]).map(({ topic, partition, offset }) => {
            const claim = claimsAt(topic, partition);
            if (claim === undefined) throw new FencedError([{ topic, partition }]);
            return {
              topic,
              partition,
              generation: claim.generation,
              lane,
              laneOffset: offset,
              nextOffset: tracker.durableUpTo(topic, partition) ?? -1n,
            };
          }),
        ),
      deadLetter: (client, failures) => positions.deadLetter(client, failures),
    };
  }
}
