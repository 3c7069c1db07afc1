import type { OffsetTracker } from '../streams/offsetTracker.js';
import type { KafkaOrigin } from '../types.js';

/**
 * The in-flight count backpressure sees under transaction consistency. Two kinds of records are
 * tracked (not yet committable) but do not count:
 * - records the assembler holds for a transaction not yet complete: pausing the source then would
 *   stop the very records the transaction waits for, and nothing would ever complete;
 * - pieces of an oversized transaction already applied: they are acknowledged with its last piece.
 * What the flushes have not applied yet still counts, so memory stays bounded by the high-water
 * mark plus what the open transactions hold (at most PIPELINE_TRANSACTION_MAX_CHANGES for the
 * oldest one, which is applied in pieces past that).
 */
export class HeldRecords implements Pick<OffsetTracker, 'track' | 'inFlight' | 'reset'> {
  /** Records the assembler holds now (it reports each change). */
  assembling = 0;
  private appliedPieces = 0;

  constructor(private readonly tracker: OffsetTracker) {}

  get inFlight(): number {
    return Math.max(0, this.tracker.inFlight - this.assembling - this.appliedPieces);
  }

  track(origin: KafkaOrigin): void {
    this.tracker.track(origin);
  }

  reset(): void {
    this.tracker.reset();
    this.assembling = 0;
    this.appliedPieces = 0;
  }

  /** A piece of `count` changes was applied; its records stay unacknowledged until its last piece. */
  piecesApplied(count: number): void {
    this.appliedPieces += count;
  }

  /** The last piece acknowledged `count` records of earlier pieces. */
  piecesAcknowledged(count: number): void {
    this.appliedPieces = Math.max(0, this.appliedPieces - count);
  }
}
