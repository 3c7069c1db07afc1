/**
 * cdc-pipeline as a library: compose your own chain from the source, the operators and the sinks,
 *
 *   fromKafka(consumer, { topics, tracker }).pipe(decodeDebezium(), splitFailures(dlq), …, batch(…), …)
 *
 * or run the whole pipeline with `runPipeline`. Re-exported by name, grouped by kind.
 */

// Sources: Kafka records as an Observable, offset tracking and commit.
export {
  fromKafka,
  DEFAULT_HIGH_WATER_MARK,
  type FromKafkaOptions,
  type SourceEvent,
} from './streams/fromKafka.js';
export { OffsetTracker, type CommittableOffset } from './streams/offsetTracker.js';
export { commitDurable } from './streams/commitDurable.js';
export { consumerLag } from './streams/consumerLag.js';

// Operators: pure, one per file, marble-tested.
export { decodeDebezium, type DecodeOptions } from './operators/decodeDebezium.js';
export { route, type RouteConfig } from './operators/route.js';
export { splitFailures } from './operators/splitFailures.js';
export {
  lanes,
  changeLanes,
  changeKey,
  laneIndex,
  DEFAULT_LANE_COUNT,
  type LanesConfig,
} from './operators/lanes.js';
export { withBarriers, type BarrierConfig } from './operators/withBarriers.js';
export {
  batch,
  DEFAULT_BATCH_MAX_BYTES,
  DEFAULT_BATCH_MAX_SIZE,
  DEFAULT_BATCH_MAX_WAIT_MS,
  type BatchConfig,
} from './operators/batch.js';
export { compact, compactBatch } from './operators/compact.js';
export {
  concatBatches,
  DEFAULT_JOINED_MAX_SIZE,
  type ConcatBatchesConfig,
} from './operators/concatBatches.js';
export {
  retryWithBackoff,
  type RetryInfo,
  type RetryWithBackoffConfig,
} from './operators/retryWithBackoff.js';

// Decoding without RxJS.
export { decodeRecord, recordDecoder, type RecordDecoder } from './debezium/decode-record.js';

// Sinks: the Postgres sink, its pool, the dead-letter table.
export {
  createTargetPool,
  withTransaction,
  createPostgresSink,
  createDeadLetterSink,
  DEFAULT_DEAD_LETTER_TABLE,
  DEFAULT_SYNCED_AT_COLUMN,
  type TargetPoolOptions,
  type PostgresSink,
  type PostgresSinkConfig,
  type FlushResult,
  type UnknownColumnPolicy,
  type DeadLetterSink,
  type DeadLetterSinkConfig,
} from './sinks/index.js';

// The assembled pipeline and the service around it.
export {
  runPipeline,
  DEFAULT_BATCH,
  DEFAULT_RETRY,
  type PipelineOptions,
  type PipelineReport,
  type ChangeSink,
} from './pipeline.js';
export { loadConfig, configHelp, type PipelineConfig } from './config.js';
export { createLogger, type Logger } from './logger.js';

// Errors.
export {
  CdcError,
  DecodeError,
  ApplyError,
  ConfigError,
  isRetriable,
  type CdcErrorOptions,
} from './errors.js';

// Types: the pipeline's currency.
export {
  UNAVAILABLE,
  type ChangeEvent,
  type ColumnValue,
  type Decoded,
  type Failure,
  type FailureStage,
  type KafkaOrigin,
  type KafkaRecord,
  type Op,
  type RoutedChange,
  type Row,
  type Skipped,
  type SourcePosition,
  type TableRef,
  type Unavailable,
} from './types.js';
