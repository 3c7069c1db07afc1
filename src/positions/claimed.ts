/**
 * The positions this consumer claimed in the target (src/sinks/positions.ts), and what they say
 * about each change read again: already applied, or still to apply.
 *
 * Lanes flush in parallel, so a partition has no single "applied up to" offset. Each lane keeps its
 * own: every change of that lane at or below its offset is handled (applied, superseded within a
 * batch, or dead-lettered). A lane's changes reach the target in offset order, one transaction
 * after the other, so one number per lane and partition says it all. Below `nextOffset` every
 * record of the partition is handled, whatever its lane (the Kafka commit, kept in the target).
 *
 * A change read again is judged with the lane count that wrote the position, so a restart with
 * another PIPELINE_LANES still finds which lane applied it.
 */
import type { KafkaOrigin } from '../types.js';

/** One partition's stored position, as claimed. */
export interface PartitionClaim {
  readonly topic: string;
  readonly partition: number;
  /** The claim's generation: a flush commits only while the stored generation is still this. */
  readonly generation: bigint;
  /** Every record below this offset is handled; -1 when the target holds no position yet. */
  readonly nextOffset: bigint;
  /** The lane count the lane offsets were written with. */
  readonly lanes: number;
  /** Per lane, the last offset it handled (-1: none). */
  readonly laneOffsets: readonly bigint[];
}

/** Where the consumer should start reading a partition: the target is the authority. */
export interface SeekTo {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

const partitionId = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** The claims as they stood at one moment: what a flush holds to for its whole transaction. */
export type ClaimsAt = (topic: string, partition: number) => PartitionClaim | undefined;

export class ClaimedPositions {
  private claims = new Map<string, Claimed>();

  /** Replaces every claim: called with the whole assignment after each rebalance. */
  replace(claims: Iterable<PartitionClaim>): void {
    // A new map, not a cleared one: views taken before (`now`) keep the claims they saw.
    this.claims = new Map();
    for (const claim of claims) {
      const highest = claim.laneOffsets.reduce(
        (max, offset) => (offset > max ? offset : max),
        claim.nextOffset - 1n,
      );
      this.claims.set(partitionId(claim.topic, claim.partition), { ...claim, highest });
    }
  }

  get(topic: string, partition: number): PartitionClaim | undefined {
    return this.claims.get(partitionId(topic, partition));
  }

  /**
   * The claims as they are now, unchanged by later rebalances. A flush takes this when it starts
   * and records its positions under those generations: if a rebalance claims a partition again
   * while the flush runs, the flush is fenced off instead of committing under the new claim (whose
   * seek, read before the flush committed, would then have the new reader apply its changes again).
   */
  now(): ClaimsAt {
    const claims = this.claims;
    return (topic, partition) => claims.get(partitionId(topic, partition));
  }

  /** Seeks for the partitions whose position the target knows; the others start as Kafka says. */
  seeks(): SeekTo[] {
    return [...this.claims.values()]
      .filter((claim) => claim.nextOffset >= 0n)
      .map(({ topic, partition, nextOffset }) => ({ topic, partition, offset: nextOffset.toString() }));
  }

  /**
   * Whether the change at `origin` was handled before this claim. `laneOf` gives the change's lane
   * under a lane count (the caller knows it for the current count without hashing again); it is
   * asked only for a change inside the replayed window. A partition this consumer did not claim
   * counts as not applied: its flush is fenced off anyway.
   */
  handled(origin: KafkaOrigin, laneOf: (lanes: number) => number): boolean {
    const claim = this.claims.get(partitionId(origin.topic, origin.partition));
    if (claim === undefined) return false;
    const offset = BigInt(origin.offset);
    if (offset < claim.nextOffset) return true;
    // Past every stored offset: nothing to look up (every change once the replay is behind).
    if (offset > claim.highest) return false;
    const laneOffset = claim.laneOffsets[laneOf(claim.lanes)] ?? -1n;
    return offset <= laneOffset;
  }
}

/** A claim with the highest offset its position covers. */
interface Claimed extends PartitionClaim {
  readonly highest: bigint;
}

/** Per partition, the highest offset among `origins`. */
export function lastOffsets(
  origins: Iterable<KafkaOrigin>,
): { topic: string; partition: number; offset: bigint }[] {
  const last = new Map<string, { topic: string; partition: number; offset: bigint }>();
  for (const { topic, partition, offset } of origins) {
    const id = partitionId(topic, partition);
    const value = BigInt(offset);
    const known = last.get(id);
    if (known === undefined || value > known.offset) last.set(id, { topic, partition, offset: value });
  }
  return [...last.values()];
}
