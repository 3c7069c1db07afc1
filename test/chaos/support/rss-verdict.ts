/**
 * Issue 8's memory criterion: after the warm-up, RSS stays within ±10% of where it stood when the
 * warm-up ended (the first sample after it). Measured against that start, not against a median, so
 * a steady climb (a leak) fails once it has grown 10%, however evenly it climbs.
 */
export const RSS_TOLERANCE = 0.1;

export interface RssVerdict {
  readonly flat: boolean;
  /** The first sample after the warm-up: the level the others are held to. */
  readonly baselineMiB: number;
  readonly minMiB: number;
  readonly maxMiB: number;
  readonly samples: number;
}

/** Undefined when no sample falls after the warm-up (the run was too short to judge). */
export function rssVerdict(afterWarmupMiB: readonly number[]): RssVerdict | undefined {
  const baselineMiB = afterWarmupMiB[0];
  if (baselineMiB === undefined) return undefined;
  const minMiB = Math.min(...afterWarmupMiB);
  const maxMiB = Math.max(...afterWarmupMiB);
  return {
    flat: minMiB >= baselineMiB * (1 - RSS_TOLERANCE) && maxMiB <= baselineMiB * (1 + RSS_TOLERANCE),
    baselineMiB,
    minMiB,
    maxMiB,
    samples: afterWarmupMiB.length,
  };
}
