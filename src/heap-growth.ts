/**
 * How far V8's heap may grow between full collections (PIPELINE_HEAP_GROWING_PERCENT), bounded while
 * the pipeline keeps up and left to V8 while it drains a backlog.
 *
 * The pipeline's records live just long enough (read, batched, flushed) to be promoted to the old
 * generation, and V8's own heuristics let that generation grow to three or four times the live heap
 * before a full collection: resident memory then swings by tens of MiB around a steady load. A
 * fixed bound keeps it flat, but costs a backlog drain about a fifth more CPU (more full collections
 * of a larger live heap). So the bound holds while the pipeline keeps up, is lifted while it is
 * behind (a flush of a batch at least half of PIPELINE_BATCH_MAX_SIZE: changes pile up faster than
 * lanes flush; memory is then bounded by PIPELINE_MAX_IN_FLIGHT), and comes back once no such flush
 * has come for `quietMs`. V8 reads the flag each time it sets the next collection's limit, so
 * changing it at run time takes effect. Where memory matters more than a drain's CPU, a bound can
 * hold while behind too (PIPELINE_HEAP_GROWING_PERCENT_BEHIND; see DEFAULT_HEAP_GROWING_PERCENT_BEHIND).
 */
import v8 from 'node:v8';
import type { PipelineReport } from './pipeline.js';

/** How long after the last flush of a full batch the bound comes back. */
export const DEFAULT_HEAP_BOUND_QUIET_MS = 30_000;

export interface HeapGrowthOptions {
  /** The bound in percent of what the last full collection kept; 0 leaves V8's heuristics always. */
  readonly percent: number;
  /** The bound while behind; 0 (the default) leaves V8's heuristics then. */
  readonly behindPercent?: number;
  /** A flush of this many changes or more says the pipeline is behind. */
  readonly fullBatch: number;
  readonly quietMs?: number;
  /** Sets V8 flags (v8.setFlagsFromString; replaced in tests). */
  readonly setFlags?: (flags: string) => void;
  readonly now?: () => number;
}

export class HeapGrowthPolicy {
  private readonly percent: number;
  private readonly behindPercent: number;
  private readonly fullBatch: number;
  private readonly quietMs: number;
  private readonly setFlags: (flags: string) => void;
  private readonly now: () => number;
  private bounded = false;
  private lastBehindAt = -Infinity;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor({
    percent,
    behindPercent = 0,
    fullBatch,
    quietMs = DEFAULT_HEAP_BOUND_QUIET_MS,
    setFlags = (flags) => v8.setFlagsFromString(flags),
    now = Date.now,
  }: HeapGrowthOptions) {
    this.percent = percent;
    this.behindPercent = behindPercent;
    this.fullBatch = fullBatch;
    this.quietMs = quietMs;
    this.setFlags = setFlags;
    this.now = now;
    if (percent <= 0) return;
    this.bound();
    this.timer = setInterval(() => this.boundWhenQuiet(), Math.max(1, Math.floor(quietMs / 6)));
    this.timer.unref();
  }

  /** Told about each report of the pipeline: a flush of a full batch lifts the bound. */
  readonly report = (report: PipelineReport): void => {
    if (report.type !== 'flush' || report.received < this.fullBatch || this.percent <= 0) return;
    this.lastBehindAt = this.now();
    if (!this.bounded) return;
    // The bound while behind; 0 (the default) lets V8 choose the factor itself again.
    this.setFlags(`--heap-growing-percent=${this.behindPercent}`);
    this.bounded = false;
  };

  /** Whether the bound holds now (for tests and the debug log). */
  get isBounded(): boolean {
    return this.bounded;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private boundWhenQuiet(): void {
    if (!this.bounded && this.now() - this.lastBehindAt >= this.quietMs) this.bound();
  }

  private bound(): void {
    this.setFlags(`--heap-growing-percent=${this.percent}`);
    this.bounded = true;
  }
}
