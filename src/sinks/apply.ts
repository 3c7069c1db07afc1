/**
 * Applies planned work on a client that is inside a transaction: per segment, COPY the rows into a
 * temporary staging table, then one set-based DELETE and one upsert per group of written columns;
 * a truncate segment is one TRUNCATE. The transaction itself belongs to the caller.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Logger } from 'pino';
import { ApplyError } from '../errors.js';
import type { TargetTable } from './catalog.js';
import { copyTextRow } from './copy-text.js';
import { describeSqlState } from './failure-reason.js';
import { positionColumnOf, type WorkItem } from './plan.js';
import { segmentsOf, upsertGroups, type RowsSegment } from './segments.js';
import { sqlState } from './sqlstate.js';
import {
  copyIntoStaging,
  createStagingTable,
  deleteFromStaging,
  recordDeletedKeys,
  stagingTableName,
  syncedAtColumnOf,
  truncateTable,
  upsertFromStaging,
  type SqlStatement,
} from './statements.js';

/** COPY data is written in chunks of about this many characters: few writes, bounded memory. */
const COPY_CHUNK_CHARS = 64 * 1024;

export interface ApplyOptions {
  readonly syncedAtColumn: string;
  readonly logger: Logger;
  /** PIPELINE_SOURCE_POSITION_COLUMN: tables that have it get the stale-write guard (plan.ts). */
  readonly sourcePositionColumn?: string;
}

/**
 * Applies `items` in order on `client`, which must be in a transaction.
 *
 * @throws ApplyError naming the table and statement, with the pg error as its cause (retriable
 *   when that is); the transaction is then aborted and the caller rolls it back.
 */
export async function applyItems(
  client: pg.ClientBase,
  items: readonly WorkItem[],
  options: ApplyOptions,
): Promise<void> {
  let stagingTables = 0;
  const stage = async (
    columns: readonly string[],
    rows: readonly (readonly (string | null)[])[],
  ): Promise<string> => {
    const staging = stagingTableName(++stagingTables);
    await run(client, createStagingTable(staging, columns));
    await copyRows(client, copyIntoStaging(staging, columns), rows);
    return staging;
  };

  for (const segment of segmentsOf(items)) {
    const { table } = segment;
    const started = performance.now();
    if (segment.kind === 'truncate') {
      await step('truncate', table, () => run(client, truncateTable(table)));
      options.logger.debug({ table: tableName(table), ms: since(started) }, 'truncated');
      continue;
    }
    await applyRows(segment, stage, client, options);
    const rows = segment.upserts.length + segment.deletes.length;
    options.logger.debug({ table: tableName(table), rows, ms: since(started) }, 'applied');
  }
}

async function applyRows(
  { table, upserts, deletes }: RowsSegment,
  stage: (columns: readonly string[], rows: readonly (readonly (string | null)[])[]) => Promise<string>,
  client: pg.ClientBase,
  { syncedAtColumn, sourcePositionColumn }: ApplyOptions,
): Promise<void> {
  // Planning refused every change of a table whose guard column is unusable: a string is not met here.
  const guard = positionColumnOf(table, sourcePositionColumn);
  const positionColumn = typeof guard === 'string' ? null : guard.column;
  if (deletes.length > 0) {
    await step('delete from', table, async () => {
      if (positionColumn === null) {
        const staging = await stage(
          table.primaryKey,
          deletes.map((item) => item.values),
        );
        await run(client, deleteFromStaging(table, staging));
        return;
      }
      // Guarded: the key and the delete's position; tombstones first, while the rows are there.
      const staging = await stage(
        [...table.primaryKey, positionColumn],
        deletes.map((item) => [...item.values, item.position ?? null]),
      );
      await run(client, recordDeletedKeys(table, staging, positionColumn));
      await run(client, deleteFromStaging(table, staging, positionColumn));
    });
  }
  const syncedAt = syncedAtColumnOf(table, syncedAtColumn);
  for (const { columns, items } of upsertGroups(upserts)) {
    await step('upsert into', table, async () => {
      const staging = await stage(
        columns,
        items.map((item) => item.values),
      );
      await run(client, upsertFromStaging({ table, staging, columns, syncedAt, positionColumn }));
    });
  }
}

/**
 * Runs one step; a failure becomes an ApplyError that names the step, table and SQLSTATE. Its
 * message holds no row values, as it may be logged; PostgreSQL's own text (which quotes them)
 * stays on the cause.
 */
async function step(action: string, table: TargetTable, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    const code = sqlState(error);
    throw new ApplyError(
      `${action} ${table.sqlName} failed` +
        (code === undefined ? '' : ` (SQLSTATE ${code}): ${describeSqlState(code)}`),
      { table: table.ref, cause: error },
    );
  }
}

/** A statement without parameters goes as one simple-protocol message (no parse/bind/describe round). */
async function run(client: pg.ClientBase, { text, values }: SqlStatement): Promise<void> {
  if (values.length === 0) await client.query(text);
  else await client.query(text, [...values]);
}

/** COPY through `stream.pipeline`: an error on either side destroys the other and aborts the COPY. */
async function copyRows(
  client: pg.ClientBase,
  text: string,
  rows: readonly (readonly (string | null)[])[],
): Promise<void> {
  await pipeline(Readable.from(copyChunks(rows)), client.query(copyFrom(text)));
}

function* copyChunks(rows: readonly (readonly (string | null)[])[]): Generator<string> {
  let chunk = '';
  for (const row of rows) {
    chunk += copyTextRow(row);
    if (chunk.length >= COPY_CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}

function tableName(table: TargetTable): string {
  return `${table.ref.schema}.${table.ref.table}`;
}

function since(started: number): number {
  return Math.round(performance.now() - started);
}
