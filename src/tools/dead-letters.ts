/**
 * Reading and pruning the dead-letter table (`npm run dead-letters`): which rows a filter selects,
 * listing them, updating those a replay could not apply, and deleting those it applied or a person
 * discards. Every statement is built from the same filter, so `list` shows exactly what `replay`
 * and `discard` act on.
 */
import { quoteTable } from '../sinks/catalog.js';
import type { Queryable } from '../sinks/pool.js';
import type { SqlStatement } from '../sinks/statements.js';
import type { Failure, FailureStage, TableRef } from '../types.js';

export const FAILURE_STAGES: readonly FailureStage[] = ['decode', 'route', 'apply'];

/** Which dead letters a command acts on; every field narrows, none means all. */
export interface DeadLetterFilter {
  /** The Kafka topic, exactly. */
  readonly topic?: string;
  /** The table its topic names: `users` or `public.users` matches `<prefix>.public.users`. */
  readonly table?: string;
  readonly stage?: FailureStage;
  /** A part of the reason, case-insensitive (`23502`, `does not exist`). */
  readonly reason?: string;
  /** These ids only. */
  readonly ids?: readonly string[];
  /** Ids from this one on, and up to this one, both included. */
  readonly fromId?: string;
  readonly toId?: string;
}

/** A dead letter as `list` shows it. */
export interface DeadLetterSummary {
  readonly id: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly stage: string;
  readonly reason: string;
  readonly attempts: number;
  readonly failedAt: Date;
  /** The record's key and value as text, and PostgreSQL's detail: only when asked for. */
  readonly key?: string | null;
  readonly value?: string | null;
  readonly detail?: string | null;
}

/** A dead letter as `replay` needs it: its origin and the record bytes to decode again. */
export interface StoredRecord {
  readonly id: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly stage: FailureStage;
  /** The exact bytes, or null for a row stored before raw bytes were kept (see `text*`). */
  readonly rawKey: Buffer | null;
  readonly rawValue: Buffer | null;
  readonly textKey: string | null;
  readonly textValue: string | null;
}

/** Whether the filter narrows at all: a bare `discard` must not empty the table by accident. */
export function isNarrowed(filter: DeadLetterFilter): boolean {
  return Object.values(filter).some((value) => value !== undefined);
}

/** The WHERE clause of a filter, its values as parameters from `$1`. */
export function whereOf(filter: DeadLetterFilter): SqlStatement {
  const conditions: string[] = [];
  const values: unknown[] = [];
  const add = (condition: (parameter: string) => string, value: unknown): void => {
    values.push(value);
    conditions.push(condition(`$${values.length}`));
  };
  if (filter.topic !== undefined) add((p) => `topic = ${p}`, filter.topic);
  // The table part of `<prefix>.<schema>.<table>`: compared as a suffix after a dot, no LIKE pattern.
  if (filter.table !== undefined) add((p) => `right(topic, length(${p}) + 1) = '.' || ${p}`, filter.table);
  if (filter.stage !== undefined) add((p) => `stage = ${p}`, filter.stage);
  if (filter.reason !== undefined) add((p) => `strpos(lower(reason), lower(${p})) > 0`, filter.reason);
  if (filter.ids !== undefined) add((p) => `id = ANY(${p}::bigint[])`, filter.ids);
  if (filter.fromId !== undefined) add((p) => `id >= ${p}::bigint`, filter.fromId);
  if (filter.toId !== undefined) add((p) => `id <= ${p}::bigint`, filter.toId);
  return { text: conditions.length === 0 ? 'TRUE' : conditions.join(' AND '), values };
}

interface SummaryRow {
  id: string;
  topic: string;
  kafka_partition: number;
  kafka_offset: string;
  stage: string;
  reason: string;
  attempts: number;
  failed_at: Date;
  record_key?: string | null;
  record_value?: string | null;
  detail?: string | null;
}

/** The selected dead letters, oldest first, at most `limit`; and how many the filter selects in all. */
export async function listDeadLetters(
  db: Queryable,
  table: TableRef,
  filter: DeadLetterFilter,
  { limit, withValues }: { readonly limit: number; readonly withValues: boolean },
): Promise<{ readonly rows: DeadLetterSummary[]; readonly total: number }> {
  const where = whereOf(filter);
  const values = withValues ? ', record_key, record_value, detail' : '';
  const { rows } = await db.query<SummaryRow>(
    `SELECT id::text, topic, kafka_partition, kafka_offset::text, stage, reason, attempts, failed_at${values}
       FROM ${quoteTable(table)} WHERE ${where.text} ORDER BY id LIMIT ${Math.trunc(limit)}`,
    [...where.values],
  );
  const counted = await db.query<{ total: string }>(
    `SELECT count(*)::text AS total FROM ${quoteTable(table)} WHERE ${where.text}`,
    [...where.values],
  );
  return {
    total: Number(counted.rows[0]?.total ?? 0),
    rows: rows.map((row) => ({
      id: row.id,
      topic: row.topic,
      partition: row.kafka_partition,
      offset: row.kafka_offset,
      stage: row.stage,
      reason: row.reason,
      attempts: row.attempts,
      failedAt: row.failed_at,
      ...(withValues ? { key: row.record_key, value: row.record_value, detail: row.detail } : {}),
    })),
  };
}

/** The ids the filter selects, in Kafka order (topic, partition, offset): the order a replay keeps. */
export async function selectedIds(
  db: Queryable,
  table: TableRef,
  filter: DeadLetterFilter,
): Promise<string[]> {
  const where = whereOf(filter);
  const { rows } = await db.query<{ id: string }>(
    `SELECT id::text FROM ${quoteTable(table)} WHERE ${where.text} ORDER BY topic, kafka_partition, kafka_offset, id`,
    [...where.values],
  );
  return rows.map((row) => row.id);
}

interface StoredRow {
  id: string;
  topic: string;
  kafka_partition: number;
  kafka_offset: string;
  stage: FailureStage;
  raw_key: Buffer | null;
  raw_value: Buffer | null;
  record_key: string | null;
  record_value: string | null;
}

/** The stored records of `ids`, in Kafka order. */
export async function readRecords(
  db: Queryable,
  table: TableRef,
  ids: readonly string[],
): Promise<StoredRecord[]> {
  const { rows } = await db.query<StoredRow>(
    `SELECT id::text, topic, kafka_partition, kafka_offset::text, stage, raw_key, raw_value, record_key, record_value
       FROM ${quoteTable(table)} WHERE id = ANY($1::bigint[]) ORDER BY topic, kafka_partition, kafka_offset, id`,
    [ids],
  );
  return rows.map((row) => ({
    id: row.id,
    topic: row.topic,
    partition: row.kafka_partition,
    offset: row.kafka_offset,
    stage: row.stage,
    rawKey: row.raw_key,
    rawValue: row.raw_value,
    textKey: row.record_key,
    textValue: row.record_value,
  }));
}

/** Deletes the dead letters `ids`; resolves how many were deleted. */
export async function deleteDeadLetters(
  db: Queryable,
  table: TableRef,
  ids: readonly string[],
): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await db.query(`DELETE FROM ${quoteTable(table)} WHERE id = ANY($1::bigint[])`, [ids]);
  return result.rowCount ?? 0;
}

/** Deletes what the filter selects; resolves how many were deleted. */
export async function discardDeadLetters(
  db: Queryable,
  table: TableRef,
  filter: DeadLetterFilter,
): Promise<number> {
  const where = whereOf(filter);
  const result = await db.query(`DELETE FROM ${quoteTable(table)} WHERE ${where.text}`, [...where.values]);
  return result.rowCount ?? 0;
}

/** A dead letter that failed again on replay: its id and the new failure. */
export interface FailedAgain {
  readonly id: string;
  readonly failure: Failure;
}

/** Records the new stage, reason and detail of dead letters that failed again, one more attempt each. */
export async function recordAttempts(
  db: Queryable,
  table: TableRef,
  failed: readonly FailedAgain[],
): Promise<void> {
  if (failed.length === 0) return;
  await db.query(
    `UPDATE ${quoteTable(table)} AS d
        SET stage = u.stage, reason = u.reason, detail = u.detail,
            attempts = d.attempts + 1, retried_at = now()
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS u(id, stage, reason, detail)
      WHERE d.id = u.id`,
    [
      failed.map(({ id }) => id),
      failed.map(({ failure }) => failure.stage),
      failed.map(({ failure }) => failure.reason),
      failed.map(({ failure }) => failure.detail),
    ],
  );
}
