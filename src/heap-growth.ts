/**
 * Bounds how far V8's heap grows between full collections (PIPELINE_HEAP_GROWING_PERCENT). V8 reads
 * the factor each time it sets the next collection's limit, so setting it once at start-up holds
 * for the whole run; 0 leaves V8's own heuristics.
 */
import v8 from 'node:v8';

export function limitHeapGrowth(percent: number): void {
  if (percent > 0) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}
