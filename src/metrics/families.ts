/**
 * The Prometheus families of the pipeline, named after the Prometheus conventions (a `cdc_pipeline_`
 * prefix, the unit in the name, `_total` on counters). Labels carry identifiers only (topic, table,
 * op, stage, part), never row values. The README's "Metrics" section describes each one.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Changes per flush: from a single change on a quiet stream to a full joined batch. */
const BATCH_SIZE_BUCKETS = [1, 10, 50, 100, 500, 1000, 2500, 5000, 10_000, 20_000];
/** Flush and commit times, from a small local transaction to an outage-long retry. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Source commit → applied: the end-to-end delay, from sub-second to a long catch-up. */
const DELAY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/**
 * @param collectConsumed Called before the consumed counter is read (each scrape): records are
 *   counted per topic in a plain map and added here, not through prom-client for each record.
 */
export function createFamilies(registry: Registry, collectConsumed: () => void = () => undefined) {
  const registers = [registry];
  return {
    consumed: new Counter({
      name: 'cdc_pipeline_records_consumed_total',
      help: 'Kafka records read, by topic (Kafka Connect: sink-record-read-total)',
      labelNames: ['topic'] as const,
      registers,
      collect: collectConsumed,
    }),
    applied: new Counter({
      name: 'cdc_pipeline_changes_applied_total',
      help: 'Changes written to the target after compaction, by target table and Debezium op',
      labelNames: ['table', 'op'] as const,
      registers,
    }),
    skipped: new Counter({
      name: 'cdc_pipeline_records_skipped_total',
      help: 'Records with nothing to apply (tombstone, message, heartbeat), acknowledged and committed',
      labelNames: ['reason'] as const,
      registers,
    }),
    deadLetters: new Counter({
      name: 'cdc_pipeline_dead_letters_total',
      help: 'Records written to the dead-letter table, by the stage that refused them (decode, route, apply)',
      labelNames: ['stage'] as const,
      registers,
    }),
    batchSize: new Histogram({
      name: 'cdc_pipeline_batch_size_changes',
      help: 'Changes per flush, as read from Kafka (before compaction)',
      buckets: BATCH_SIZE_BUCKETS,
      registers,
    }),
    flushDuration: new Histogram({
      name: 'cdc_pipeline_flush_duration_seconds',
      help: 'Time of one flush: compaction, the target transaction (with its retries), dead letters, acknowledgement',
      buckets: DURATION_BUCKETS,
      registers,
    }),
    commitDuration: new Histogram({
      name: 'cdc_pipeline_commit_duration_seconds',
      help: 'Time of one Kafka offset commit the broker acknowledged',
      buckets: DURATION_BUCKETS,
      registers,
    }),
    commitFailures: new Counter({
      name: 'cdc_pipeline_commit_failures_total',
      help: 'Offset commits that failed transiently; their offsets go with the next commit',
      registers,
    }),
    sourceToApplied: new Histogram({
      name: 'cdc_pipeline_source_to_applied_seconds',
      help: 'Per applied change: from its commit in the source (source.ts_ms) to the end of its flush',
      buckets: DELAY_BUCKETS,
      registers,
    }),
    transactionsApplied: new Counter({
      name: 'cdc_pipeline_transactions_applied_total',
      help: 'PIPELINE_CONSISTENCY=transaction: whole source transactions applied (a large one once, with its last piece)',
      registers,
    }),
    transactionPieces: new Counter({
      name: 'cdc_pipeline_transaction_pieces_total',
      help: 'PIPELINE_CONSISTENCY=transaction: pieces of source transactions over PIPELINE_TRANSACTION_MAX_CHANGES, each applied in a target transaction of its own (readers may see part of it)',
      registers,
    }),
    retries: new Counter({
      name: 'cdc_pipeline_target_retries_total',
      help: 'Target writes retried after a transient failure (an outage, a deadlock, a serialization failure)',
      registers,
    }),
    rebalances: new Counter({
      name: 'cdc_pipeline_rebalances_total',
      help: 'Consumer group joins: the first assignment of each session and every rebalance',
      registers,
    }),
    fencedFlushes: new Counter({
      name: 'cdc_pipeline_fenced_flushes_total',
      help: 'Flushes dropped because another owner claimed their partition (effectively-once fencing)',
      registers,
    }),
    consumerRestarts: new Counter({
      name: 'cdc_pipeline_consumer_restarts_total',
      help: 'Times kafkajs restarted the consumer after a retriable crash (the broker went away, say)',
      registers,
    }),
    assignedPartitions: new Gauge({
      name: 'cdc_pipeline_assigned_partitions',
      help: 'Partitions assigned to this member now',
      registers,
    }),
    paused: new Gauge({
      name: 'cdc_pipeline_backpressure_paused',
      help: '1 while fetching is paused because PIPELINE_MAX_IN_FLIGHT records are unflushed',
      registers,
    }),
  };
}

export type Families = ReturnType<typeof createFamilies>;
