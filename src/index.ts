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
  type FromKafkaOptions,
  type SourceEvent,
} from './streams/fromKafka.js';
export { OffsetTracker, type CommittableOffset } from './streams/offsetTracker.js';
export { commitDurable } from './streams/commitDurable.js';
export { Committer, type CommitterOptions } from './streams/committer.js';
export {
  acknowledgeDropped,
  acknowledgeSkips,
  applyAndAcknowledge,
  deadLetterFailures,
  type ChangeSink,
  type DeadLetterSinkPort,
} from './streams/acknowledge.js';
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
  type LanesConfig,
} from './operators/lanes.js';
export { withBarriers, type BarrierConfig } from './operators/withBarriers.js';
export { batch, type BatchConfig } from './operators/batch.js';
export { compact, compactBatch } from './operators/compact.js';
export { concatBatches, type ConcatBatchesConfig } from './operators/concatBatches.js';
export {
  retryWithBackoff,
  type RetryInfo,
  type RetryWithBackoffConfig,
} from './operators/retryWithBackoff.js';

// Decoding without RxJS.
export { decodeRecord, recordDecoder, type RecordDecoder } from './debezium/decode-record.js';
export { DEBEZIUM_LOSSES, type DebeziumLoss } from './debezium/losses.js';

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

// Effectively-once: positions in the target, claimed on assignment, advanced in each flush.
export {
  targetPositions,
  claimPositions,
  recordPositions,
  ensurePositionsTable,
  POSITIONS_TABLE,
} from './sinks/positions.js';
export { ClaimedPositions, type PartitionClaim, type SeekTo } from './positions/claimed.js';
export type { FlushGuard } from './positions/guard.js';
export type { PositionsPort, PositionAdvance } from './positions/port.js';

// The assembled pipeline and the service around it.
export {
  runPipeline,
  type PipelineOptions,
  type PipelineReport,
} from './pipeline.js';
// Configuration: the defaults, the variables, the connection settings.
export {
  DEFAULT_BATCH,
  DEFAULT_FETCH_MAX_BYTES,
  DEFAULT_JOINED_MAX_SIZE,
  DEFAULT_LANES,
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_RETRY,
  DEFAULT_SESSION_TIMEOUT_MS,
} from './defaults.js';
export { loadConfig, CONFIG_SPEC, type PipelineConfig, type ConfigName } from './config.js';
export { configHelp } from './config-docs.js';
export { resolveConnections, type Connections } from './connection.js';
export { createLogger, type Logger, type LoggerOptions } from './logger.js';

// Errors.
export {
  CdcError,
  ApplyError,
  ConfigError,
  FencedError,
  CommitNotSentError,
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
