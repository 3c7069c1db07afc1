/** The sinks, re-exported by name: the Postgres sink, its pool, and the dead-letter destination. */
export {
  createTargetPool,
  withTransaction,
  silentLogger,
  type Queryable,
  type TargetPoolOptions,
} from './pool.js';
export {
  createCatalog,
  readTable,
  quoteTable,
  tableKey,
  type Catalog,
  type TableLookup,
  type TargetColumn,
  type TargetTable,
} from './catalog.js';
export {
  createPostgresSink,
  type FlushResult,
  type PostgresSink,
  type PostgresSinkConfig,
} from './writer.js';
export type { UnknownColumnPolicy } from './plan.js';
export { DEFAULT_SYNCED_AT_COLUMN } from './statements.js';
export {
  createDeadLetterSink,
  DEFAULT_DEAD_LETTER_TABLE,
  type DeadLetterSink,
  type DeadLetterSinkConfig,
} from './dead-letters.js';
