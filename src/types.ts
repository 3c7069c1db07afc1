/**
 * The pipeline's shared currency. Every stage speaks these types; nothing `unknown` or `any`
 * crosses the decode stage.
 */

/** Where a Kafka record came from: enough to commit it, dead-letter it, or find it again. */
export interface KafkaOrigin {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offsets are 64-bit: kept as decimal strings, never as JS numbers. */
  readonly offset: string;
  /**
   * Which assignment of its stream the record was read under (fromKafka counts its rebalances).
   * After a rebalance every kept partition is read again from its claimed position, so a change
   * read before it and still unflushed is stale: effectively-once drops it for the fresh copy.
   */
  readonly epoch?: number;
}

/**
 * A Kafka record's key and value bytes exactly as consumed: what a dead letter keeps, so a replay
 * decodes the very bytes the pipeline saw.
 */
export interface RawRecord {
  readonly key: Buffer | null;
  /** null is a tombstone (Debezium sends one after each delete, for log compaction). */
  readonly value: Buffer | null;
}

/** One Kafka record as `fromKafka` emits it. */
export interface KafkaRecord extends KafkaOrigin, RawRecord {
  /** Broker or producer timestamp, epoch milliseconds as a string (as kafkajs gives it). */
  readonly timestamp: string;
}

/** A fully qualified table name. */
export interface TableRef {
  readonly schema: string;
  readonly table: string;
}

/**
 * Debezium sends this in place of a column value it does not have: an unchanged TOASTed value in
 * an update without a full before-image (`unavailable.value.placeholder`, default
 * `__debezium_unavailable_value`). It must never be written; the target keeps its stored value.
 */
export const UNAVAILABLE: unique symbol = Symbol('debezium.unavailable-value');
export type Unavailable = typeof UNAVAILABLE;

/**
 * A column value after decoding: PostgreSQL's own text representation of the value (what `COPY …
 * FROM STDIN` and a `$1::type` parameter accept), SQL NULL, or the unavailable marker. Text keeps
 * every digit of a NUMERIC, every microsecond of a timestamp and every bit of an int8 exact.
 */
export type ColumnValue = string | null | Unavailable;

/** A row: column name → value. */
export type Row = Readonly<Record<string, ColumnValue>>;

/** Debezium operation codes: create, update, delete, snapshot read, truncate. */
export type Op = 'c' | 'u' | 'd' | 'r' | 't';

/** Where the change happened in the source database. */
export interface SourcePosition {
  readonly schema: string;
  readonly table: string;
  /** Log sequence number of the change, as a decimal string (Debezium sends an int64). */
  readonly lsn: string | null;
  readonly txId: string | null;
  /** Commit time in the source, epoch milliseconds. */
  readonly tsMs: number;
  /** Debezium's snapshot marker: 'true', 'first', 'last', 'false', 'incremental', … */
  readonly snapshot: string;
  /**
   * Debezium's `source.sequence` as sent: JSON text of [last commit LSN, LSN], each a decimal
   * string or null; null or absent when Debezium did not send it. Parsed only where a stale-write
   * guard needs it (src/sinks/source-position.ts).
   */
  readonly sequence?: string | null;
}

/**
 * Debezium's transaction block of a change (`provide.transaction.metadata=true`): which source
 * transaction it belongs to and its place in it. Absent on snapshot reads and without the option.
 */
export interface TransactionRef {
  /** Debezium's transaction id (PostgreSQL: `<txId>:<lsn>`), as on the BEGIN and END events. */
  readonly id: string;
  /** The change's place among all the transaction's changes, from 1. */
  readonly totalOrder: number;
}

/** One row change, decoded. The one internal currency of the pipeline. */
export interface ChangeEvent {
  readonly kind: 'change';
  readonly op: Op;
  /** The primary-key columns and their values (from the Kafka record key). Empty for truncate. */
  readonly key: Row;
  readonly before: Row | null;
  readonly after: Row | null;
  readonly source: SourcePosition;
  /** The source transaction, when the connector provides transaction metadata. */
  readonly transaction?: TransactionRef | null;
  readonly origin: KafkaOrigin;
  /**
   * The record this change was decoded from: references to the consumed Buffers (no copy), kept
   * so that a change the target refuses is dead-lettered as the exact bytes Kafka delivered.
   */
  readonly record: RawRecord;
  /** Size of the Kafka record (key + value bytes): what a byte-limited batch counts. */
  readonly sizeBytes: number;
}

/** A change with the target table it applies to (the output of `route`). */
export interface RoutedChange extends ChangeEvent {
  readonly target: TableRef;
}

/**
 * A record that carries no row change but still has to be acknowledged so its offset can be
 * committed: a tombstone, or a message of a kind the pipeline deliberately does not apply.
 */
export interface Skipped {
  readonly kind: 'skipped';
  readonly reason: 'tombstone' | 'message' | 'heartbeat';
  readonly origin: KafkaOrigin;
}

/** Why a record is going to the dead-letter destination. */
export type FailureStage = 'decode' | 'route' | 'apply';

/**
 * A record that could not be decoded, routed or applied. A value, never a throw: it travels to
 * the dead-letter destination with its origin and reason, and its offset is committed with the rest.
 */
export interface Failure {
  readonly kind: 'failure';
  readonly stage: FailureStage;
  /**
   * Why, and what to fix, without any row value: safe to log at any level. Built from the stage,
   * the SQLSTATE and the table, column and constraint names PostgreSQL reports in its error
   * fields, or the io-ts path report of a decode failure.
   */
  readonly reason: string;
  /**
   * What the database or decoder said in full (PostgreSQL's message and DETAIL quote row values):
   * stored with the dead letter for the person fixing it, never logged above debug. null when the
   * reason says it all.
   */
  readonly detail: string | null;
  readonly origin: KafkaOrigin;
  /** The record's key and value bytes as consumed, for an exact replay. */
  readonly record: RawRecord;
}

/** What `decodeDebezium` emits for each record. */
export type Decoded = ChangeEvent | Skipped;
