/**
 * The dead-letter destination: a table in the target database holding every record that could not
 * be decoded, routed or applied, with its Kafka origin, the raw key and value bytes (for an exact
 * replay, `npm run dead-letters -- replay`), a value-free reason and the database's own detail.
 * Writes are idempotent: a replayed record (after a crash before the offset commit) meets the
 * unique origin and is skipped.
 */
import pg from 'pg';
import type { Logger } from 'pino';
import type { Failure, TableRef } from '../types.js';
import { quoteTable } from './catalog.js';
import { silentLogger, type Queryable } from './pool.js';
import { sqlState } from './sqlstate.js';
import type { SqlStatement } from './statements.js';

/** Where dead letters go by default. */
export const DEFAULT_DEAD_LETTER_TABLE: TableRef = { schema: 'public', table: 'cdc_dead_letters' };

/** SQLSTATEs of a concurrent CREATE TABLE IF NOT EXISTS that lost the race: the table is there. */
const TABLE_CREATED_CONCURRENTLY: ReadonlySet<string> = new Set(['42P07', '23505']);

/**
 * PostgreSQL text cannot hold U+0000. The readable copy of a raw record that contains it is stored
 * with U+FFFD instead; the bytea columns keep the exact bytes.
 */
const NUL = '\u0000';
const REPLACEMENT_CHARACTER = '\uFFFD';

/**
 * Columns added after the first release, in this order, by `ADD COLUMN IF NOT EXISTS`: a table
 * created by an older version is upgraded in place, its rows kept (their raw columns stay NULL).
 */
const ADDED_COLUMNS: readonly (readonly [name: string, definition: string])[] = [
  // The record's key and value exactly as consumed: what a replay decodes.
  ['raw_key', 'bytea'],
  ['raw_value', 'bytea'],
  // PostgreSQL's message and DETAIL (they quote row values): for the person fixing the cause.
  ['detail', 'text'],
  // How often the record failed: 1 when dead-lettered, +1 for each replay that failed again.
  ['attempts', 'integer NOT NULL DEFAULT 1'],
  ['retried_at', 'timestamptz'],
];

export interface DeadLetterSinkConfig {
  readonly pool: pg.Pool;
  /** The dead-letter table; created if it does not exist, upgraded if an older version made it. */
  readonly table?: TableRef;
  /**
   * Where writes are reported: one warning per write with counts by topic and stage (never
   * record contents); each failure's detail at debug only. Silent by default.
   */
  readonly logger?: Logger;
}

export interface DeadLetterSink {
  /** Stores the failures, in one statement; a failure already stored (same origin and stage) is skipped. */
  write(failures: readonly Failure[]): Promise<void>;
  /** The same through `client`, inside the caller's transaction (a flush that keeps positions). */
  writeIn(client: Queryable, failures: readonly Failure[]): Promise<void>;
}

/** The CREATE TABLE IF NOT EXISTS of the dead-letter table, with every column. */
export function createDeadLetterTable(table: TableRef): SqlStatement {
  const uniqueOrigin = pg.escapeIdentifier(`${table.table}_origin_key`);
  const added = ADDED_COLUMNS.map(([name, definition]) => `  ${name} ${definition},\n`).join('');
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
${added}  CONSTRAINT ${uniqueOrigin} UNIQUE (topic, kafka_partition, kafka_offset, stage)
)`,
    values: [],
  };
}

/** The ALTER TABLE that adds `missing` columns (names from ADDED_COLUMNS). */
export function addDeadLetterColumns(table: TableRef, missing: readonly string[]): SqlStatement {
  const clauses = ADDED_COLUMNS.filter(([name]) => missing.includes(name)).map(
    ([name, definition]) => `ADD COLUMN IF NOT EXISTS ${name} ${definition}`,
  );
  return { text: `ALTER TABLE ${quoteTable(table)} ${clauses.join(', ')}`, values: [] };
}

/** One multi-row insert of every failure: ten array parameters, however many rows. */
export function insertDeadLetters(table: TableRef, failures: readonly Failure[]): SqlStatement {
  const text = (value: string | null): string | null =>
    value === null ? null : value.replaceAll(NUL, REPLACEMENT_CHARACTER);
  const readable = (bytes: Buffer | null): string | null =>
    bytes === null ? null : text(bytes.toString('utf8'));
  return {
    text: `INSERT INTO ${quoteTable(table)} (topic, kafka_partition, kafka_offset, record_key, record_value, raw_key, raw_value, stage, reason, detail)
SELECT * FROM unnest($1::text[], $2::integer[], $3::bigint[], $4::text[], $5::text[], $6::bytea[], $7::bytea[], $8::text[], $9::text[], $10::text[])
ON CONFLICT (topic, kafka_partition, kafka_offset, stage) DO NOTHING`,
    values: [
      failures.map((failure) => text(failure.origin.topic)),
      failures.map((failure) => failure.origin.partition),
      failures.map((failure) => failure.origin.offset),
      failures.map((failure) => readable(failure.record.key)),
      failures.map((failure) => readable(failure.record.value)),
      failures.map((failure) => failure.record.key),
      failures.map((failure) => failure.record.value),
      failures.map((failure) => failure.stage),
      failures.map((failure) => text(failure.reason)),
      failures.map((failure) => text(failure.detail)),
    ],
  };
}

/**
 * Creates the dead-letter table if it does not exist and adds the columns an older version did not
 * have. Only an outdated table is altered: an ALTER takes a lock and needs the table's owner.
 */
export async function ensureDeadLetterTable(
  db: Queryable,
  table: TableRef = DEFAULT_DEAD_LETTER_TABLE,
): Promise<void> {
  try {
    await db.query(createDeadLetterTable(table).text);
  } catch (error) {
    const code = sqlState(error);
    if (code === undefined || !TABLE_CREATED_CONCURRENTLY.has(code)) throw error;
  }
  const { rows } = await db.query<{ name: string }>(
    `SELECT attname AS name FROM pg_catalog.pg_attribute
      WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`,
    [quoteTable(table)],
  );
  const present = new Set(rows.map((row) => row.name));
  const missing = ADDED_COLUMNS.map(([name]) => name).filter((name) => !present.has(name));
  if (missing.length > 0) await db.query(addDeadLetterColumns(table, missing).text);
}

/** "topic stage" → count, for the one warning line of a write. */
function countsByOrigin(failures: readonly Failure[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { origin, stage } of failures) {
    const key = `${origin.topic} ${stage}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Creates (or upgrades) the dead-letter table, then returns the sink that writes to it. */
export async function createDeadLetterSink({
  pool,
  table = DEFAULT_DEAD_LETTER_TABLE,
  logger = silentLogger,
}: DeadLetterSinkConfig): Promise<DeadLetterSink> {
  await ensureDeadLetterTable(pool, table);
  const tableName = `${table.schema}.${table.table}`;
  const writeIn = async (db: Queryable, failures: readonly Failure[]): Promise<void> => {
    if (failures.length === 0) return;
    const { text, values } = insertDeadLetters(table, failures);
    const result = await db.query(text, [...values]);
    const counts = countsByOrigin(failures);
    logger.warn(
      { deadLetterTable: tableName, count: failures.length, stored: result.rowCount ?? 0, counts },
      `${failures.length} record${failures.length === 1 ? '' : 's'} dead-lettered (` +
        Object.entries(counts)
          .map(([where, count]) => `${where}: ${count}`)
          .join(', ') +
        '); npm run dead-letters -- list',
    );
    // The reason is value-free; the detail may quote row values, so it stays at debug.
    for (const { origin, stage, reason, detail } of failures) {
      logger.debug({ ...origin, stage, reason, detail }, 'dead letter');
    }
  };
  return { write: (failures) => writeIn(pool, failures), writeIn };
}
