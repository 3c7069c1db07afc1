/**
 * The dead-letter destination: a table in the target database holding every record that could not
 * be decoded, routed or applied, with its Kafka origin and the reason. Writes are idempotent: a
 * replayed record (after a crash before the offset commit) meets the unique origin and is skipped.
 */
import pg from 'pg';
import type { Logger } from 'pino';
import type { Failure, TableRef } from '../types.js';
import { quoteTable } from './catalog.js';
import { silentLogger } from './pool.js';
import { sqlState } from './sqlstate.js';
import type { SqlStatement } from './statements.js';

/** Where dead letters go by default. */
export const DEFAULT_DEAD_LETTER_TABLE: TableRef = { schema: 'public', table: 'cdc_dead_letters' };

/** SQLSTATEs of a concurrent CREATE TABLE IF NOT EXISTS that lost the race: the table is there. */
const TABLE_CREATED_CONCURRENTLY: ReadonlySet<string> = new Set(['42P07', '23505']);

/**
 * PostgreSQL text cannot hold U+0000. A raw record that contains it (undecodable bytes) is stored
 * with U+FFFD instead, so the dead letter is not lost over the one character that made it one.
 */
const NUL = '\u0000';
const REPLACEMENT_CHARACTER = '\uFFFD';

export interface DeadLetterSinkConfig {
  readonly pool: pg.Pool;
  /** The dead-letter table; created if it does not exist. */
  readonly table?: TableRef;
  /** Where writes are reported (counts, never record contents); silent by default. */
  readonly logger?: Logger;
}

export interface DeadLetterSink {
  /** Stores the failures, in one statement; a failure already stored (same origin and stage) is skipped. */
  write(failures: readonly Failure[]): Promise<void>;
}

/** The CREATE TABLE IF NOT EXISTS of the dead-letter table. */
export function createDeadLetterTable(table: TableRef): SqlStatement {
  const uniqueOrigin = pg.escapeIdentifier(`${table.table}_origin_key`);
  return {
    text: `CREATE TABLE IF NOT EXISTS ${quoteTable(table)} (
  id bigserial PRIMARY KEY,
  topic text NOT NULL,
  kafka_partition integer NOT NULL,
  kafka_offset bigint NOT NULL,
  record_key text,
  record_value text,
  stage text NOT NULL,
  reason text NOT NULL,
  failed_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ${uniqueOrigin} UNIQUE (topic, kafka_partition, kafka_offset, stage)
)`,
    values: [],
  };
}

/** One multi-row insert of every failure: seven array parameters, however many rows. */
export function insertDeadLetters(table: TableRef, failures: readonly Failure[]): SqlStatement {
  const text = (value: string | null): string | null =>
    value === null ? null : value.replaceAll(NUL, REPLACEMENT_CHARACTER);
  return {
    text: `INSERT INTO ${quoteTable(table)} (topic, kafka_partition, kafka_offset, record_key, record_value, stage, reason)
SELECT * FROM unnest($1::text[], $2::integer[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[])
ON CONFLICT (topic, kafka_partition, kafka_offset, stage) DO NOTHING`,
    values: [
      failures.map((failure) => text(failure.origin.topic)),
      failures.map((failure) => failure.origin.partition),
      failures.map((failure) => failure.origin.offset),
      failures.map((failure) => text(failure.key)),
      failures.map((failure) => text(failure.value)),
      failures.map((failure) => failure.stage),
      failures.map((failure) => text(failure.reason)),
    ],
  };
}

/** Creates the dead-letter table if it does not exist, then returns the sink that writes to it. */
export async function createDeadLetterSink({
  pool,
  table = DEFAULT_DEAD_LETTER_TABLE,
  logger = silentLogger,
}: DeadLetterSinkConfig): Promise<DeadLetterSink> {
  try {
    await pool.query(createDeadLetterTable(table).text);
  } catch (error) {
    const code = sqlState(error);
    if (code === undefined || !TABLE_CREATED_CONCURRENTLY.has(code)) throw error;
  }
  const tableName = `${table.schema}.${table.table}`;
  return {
    write: async (failures) => {
      if (failures.length === 0) return;
      const { text, values } = insertDeadLetters(table, failures);
      const result = await pool.query(text, [...values]);
      logger.info(
        { table: tableName, rows: failures.length, stored: result.rowCount ?? 0 },
        'failed records stored as dead letters',
      );
    },
  };
}
