/**
 * The service's metrics on their own prom-client registry: counters and histograms fed by the
 * pipeline's callbacks and reports (`ServiceRecorder`), gauges read at scrape time (consumer lag,
 * time behind source, outages), and prom-client's process defaults (RSS, heap, event-loop lag).
 */
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Part } from '../errors.js';
import type { OutageState } from '../outage.js';
import type { PipelineReport } from '../pipeline.js';
import type { PartitionLag } from '../streams/consumerLag.js';
import type { SourceEvent } from '../streams/fromKafka.js';
import type { FailureStage, KafkaRecord, Op, Skipped } from '../types.js';
import { createFamilies, type Families } from './families.js';
import type { LagReader, ServiceRecorder } from './recorder.js';
import { withTimeout } from './with-timeout.js';

/** Debezium's op codes, spelled out for labels people read on a dashboard. */
export const OP_NAMES: Readonly<Record<Op, string>> = {
  c: 'create',
  u: 'update',
  d: 'delete',
  r: 'read',
  t: 'truncate',
};
const STAGES: readonly FailureStage[] = ['decode', 'route', 'apply'];
const SKIP_REASONS: readonly Skipped['reason'][] = ['tombstone', 'message', 'heartbeat'];
const PARTS: readonly Part[] = ['broker', 'target'];
/** One lag read serves every gauge of a scrape (and scrapes closer together than this). */
const LAG_CACHE_MS = 1000;
/** A scrape does not wait longer than this for the broker: the lag is left out instead. */
const LAG_TIMEOUT_MS = 3000;

export interface PipelineMetricsOptions {
  /** The outages now (from the service's OutageMonitor). */
  readonly outages: () => readonly OutageState[];
  readonly now?: () => number;
}

export class PipelineMetrics implements ServiceRecorder {
  readonly registry = new Registry();
  private readonly families: Families;
  private readonly now: () => number;
  private readLag: LagReader = () => Promise.resolve(undefined);
  private lagRead: { at: number; lags: Promise<readonly PartitionLag[] | undefined> } | undefined;
  /** Newest source commit time applied so far (epoch ms), and when the pipeline was last seen caught up. */
  private newestAppliedMs: number | undefined;
  private caughtUpAtMs: number | undefined;
  /** Records read since the last scrape, by topic (see consumed). */
  private readonly consumedSinceScrape = new Map<string, number>();
  private assigned = 0;

  constructor(options: PipelineMetricsOptions) {
    this.now = options.now ?? Date.now;
    this.families = createFamilies(this.registry, () => this.addConsumed());
    collectDefaultMetrics({ register: this.registry });
    // Every known label value starts at 0, so a rate is defined before the first occurrence.
    for (const stage of STAGES) this.families.deadLetters.labels({ stage }).inc(0);
    for (const reason of SKIP_REASONS) this.families.skipped.labels({ reason }).inc(0);
    this.addScrapeGauges(options.outages);
  }

  /** The assignment after the last rebalance, in partitions (0 between sessions). */
  get assignedPartitions(): number {
    return this.assigned;
  }

  consumed(record: KafkaRecord): void {
    // Counted here and added to the counter when it is read: prom-client's inc builds a label
    // string and an object for every call, and this runs for every record.
    this.consumedSinceScrape.set(record.topic, (this.consumedSinceScrape.get(record.topic) ?? 0) + 1);
  }

  private addConsumed(): void {
    for (const [topic, count] of this.consumedSinceScrape)
      this.families.consumed.labels({ topic }).inc(count);
    this.consumedSinceScrape.clear();
  }

  skipped(skipped: Skipped): void {
    this.families.skipped.labels({ reason: skipped.reason }).inc();
  }

  report(report: PipelineReport): void {
    if (report.type === 'dead-letters') {
      for (const stage of report.stages) this.families.deadLetters.labels({ stage }).inc();
      return;
    }
    if (report.type === 'fenced') {
      this.families.fencedFlushes.inc();
      return;
    }
    const { applied, batchSize, flushDuration, sourceToApplied } = this.families;
    if (report.piece === true) this.families.transactionPieces.inc();
    if (report.transactions !== undefined) this.families.transactionsApplied.inc(report.transactions);
    batchSize.observe(report.received);
    flushDuration.observe(report.ms / 1000);
    for (const { table, op, count } of report.applied) applied.labels({ table, op: OP_NAMES[op] }).inc(count);
    const appliedAt = this.now();
    for (const tsMs of report.sourceTsMs) {
      sourceToApplied.observe(Math.max(0, appliedAt - tsMs) / 1000);
      if (this.newestAppliedMs === undefined || tsMs > this.newestAppliedMs) this.newestAppliedMs = tsMs;
    }
  }

  sourceEvent(event: SourceEvent): void {
    switch (event.type) {
      case 'rebalanced':
        this.families.rebalances.inc();
        this.assigned = Object.values(event.assignment).reduce(
          (sum, partitions) => sum + partitions.length,
          0,
        );
        this.families.assignedPartitions.set(this.assigned);
        return;
      case 'restarting':
        this.families.consumerRestarts.inc();
        return;
      case 'paused':
      case 'resumed':
        this.families.paused.set(event.type === 'paused' ? 1 : 0);
    }
  }

  retried(): void {
    this.families.retries.inc();
  }

  committed(ms: number): void {
    this.families.commitDuration.observe(ms / 1000);
  }

  commitFailed(): void {
    this.families.commitFailures.inc();
  }

  sessionEnded(): void {
    this.assigned = 0;
    this.families.assignedPartitions.set(0);
    this.families.paused.set(0);
  }

  readLagWith(reader: LagReader): void {
    this.readLag = reader;
    this.lagRead = undefined;
  }

  /** The consumer lag per partition, read at most once per LAG_CACHE_MS; undefined when unknown. */
  lags(): Promise<readonly PartitionLag[] | undefined> {
    const now = this.now();
    if (this.lagRead === undefined || now - this.lagRead.at > LAG_CACHE_MS) {
      this.lagRead = { at: now, lags: withTimeout(this.readLag(), LAG_TIMEOUT_MS).catch(() => undefined) };
    }
    return this.lagRead.lags;
  }

  /**
   * Seconds behind the source: now minus the source commit time of the newest applied change, while
   * Kafka holds changes not yet applied; 0 once every partition's lag is 0 (nothing to be behind
   * on). After a quiet spell it counts from when the pipeline was last seen caught up, not from the
   * last change before the quiet, so an idle hour does not read as an hour behind.
   */
  async timeBehindSourceSeconds(): Promise<number> {
    const lags = await this.lags();
    const now = this.now();
    if (lags !== undefined && lags.every(({ lag }) => lag === 0)) {
      this.caughtUpAtMs = now;
      return 0;
    }
    const since = Math.max(this.newestAppliedMs ?? 0, this.caughtUpAtMs ?? 0);
    return since === 0 ? 0 : Math.max(0, now - since) / 1000;
  }

  private addScrapeGauges(outages: () => readonly OutageState[]): void {
    const registers = [this.registry];
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- prom-client calls collect with the gauge as `this`
    const metrics = this;
    new Gauge({
      name: 'cdc_pipeline_consumer_lag_messages',
      help: "Messages in each partition beyond the group's committed offset (Kafka Connect: records-lag)",
      labelNames: ['topic', 'partition'] as const,
      registers,
      async collect() {
        const lags = await metrics.lags();
        this.reset();
        for (const { topic, partition, lag } of lags ?? [])
          this.set({ topic, partition: String(partition) }, lag);
      },
    });
    new Gauge({
      name: 'cdc_pipeline_time_behind_source_seconds',
      help: 'Now minus the source commit time (source.ts_ms) of the newest applied change; 0 when caught up (Debezium: MilliSecondsBehindSource)',
      registers,
      async collect() {
        this.set(await metrics.timeBehindSourceSeconds());
      },
    });
    new Gauge({
      name: 'cdc_pipeline_last_applied_source_timestamp_seconds',
      help: 'Source commit time (source.ts_ms) of the newest applied change, epoch seconds (0 before the first)',
      registers,
      collect() {
        this.set((metrics.newestAppliedMs ?? 0) / 1000);
      },
    });
    new Gauge({
      name: 'cdc_pipeline_outage',
      help: '1 while the service waits for a part (broker: Kafka, target: the target PostgreSQL), else 0',
      labelNames: ['part'] as const,
      registers,
      collect() {
        const down = new Set(outages().map(({ part }) => part));
        for (const part of PARTS) this.set({ part }, down.has(part) ? 1 : 0);
      },
    });
    new Gauge({
      name: 'cdc_pipeline_outage_duration_seconds',
      help: 'How long the current outage of a part has lasted (0 when it answers)',
      labelNames: ['part'] as const,
      registers,
      collect() {
        const now = new Map(outages().map(({ part, sinceMs }) => [part, sinceMs]));
        for (const part of PARTS) this.set({ part }, (now.get(part) ?? 0) / 1000);
      },
    });
  }
}
