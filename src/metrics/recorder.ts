/**
 * What the service tells its metrics: the pipeline's callbacks and reports, passed on as they
 * happen. The service and the pipeline know only this interface, so neither depends on prom-client
 * or HTTP; `PipelineMetrics` is the implementation behind `/metrics`.
 */
import type { PipelineReport } from '../pipeline.js';
import type { PartitionLag } from '../streams/consumerLag.js';
import type { SourceEvent } from '../streams/fromKafka.js';
import type { KafkaRecord, Skipped } from '../types.js';

/** Reads the consumer lag of the running session; undefined while no session runs. */
export type LagReader = () => Promise<readonly PartitionLag[] | undefined>;

export interface ServiceRecorder {
  /** A record read from Kafka. Runs once per record: must stay cheap. */
  consumed(record: KafkaRecord): void;
  /** A record with nothing to apply (a tombstone, a logical message, a heartbeat). */
  skipped(skipped: Skipped): void;
  /** A flush or a dead-letter write. */
  report(report: PipelineReport): void;
  /** A source event: rebalance (with the assignment), pause, resume, consumer restart. */
  sourceEvent(event: SourceEvent): void;
  /** A target write is about to be retried. */
  retried(): void;
  /** A commit the broker acknowledged, after `ms`. */
  committed(ms: number): void;
  /** A commit that failed transiently (its offsets go with the next one). */
  commitFailed(): void;
  /** The session's consumer left: no partition is assigned until the next rebalance. */
  sessionEnded(): void;
  /** Where the consumer lag is read at scrape time. */
  readLagWith(reader: LagReader): void;
}
