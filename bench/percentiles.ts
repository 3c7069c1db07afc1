/** Latency percentiles as the benches print them: nearest rank over the measured samples. */

export const PRINTED_PERCENTILES = [50, 90, 99] as const;

/** The `p`th percentile of ascending `sorted` values (NaN when there are none). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** "p50 / p90 / p99" of `values` (any order), rounded to whole units, for a table cell. */
export function percentileCell(values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  return PRINTED_PERCENTILES.map((p) => Math.round(percentile(sorted, p))).join(' / ');
}
