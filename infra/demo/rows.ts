/**
 * Rows of the demo's tables in source and target: as JSON to compare (every column the pipeline
 * copies, synced_at aside) and as PostgreSQL's own text to show.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { PIPELINE_COLUMNS } from '../../src/tools/verify.js';

/** How often the target is looked at while a change is on its way. */
const POLL_MS = 20;

export interface ShownRow {
  readonly columns: readonly string[];
  readonly values: readonly string[];
}

const qualified = (db: pg.ClientBase, table: string): string => `public.${db.escapeIdentifier(table)}`;

/** The row as jsonb text without the pipeline's own columns, or undefined when there is none. */
export async function rowJson(db: pg.ClientBase, table: string, id: number): Promise<string | undefined> {
  const strip = PIPELINE_COLUMNS.map((column) => ` - ${db.escapeLiteral(column)}`).join('');
  const { rows } = await db.query<{ row: string }>(
    `SELECT (to_jsonb(t)${strip})::text AS row FROM ${qualified(db, table)} t WHERE id = $1`,
    [id],
  );
  return rows[0]?.row;
}

/** The row with every value as PostgreSQL prints it (exact digits, microseconds), or undefined. */
export async function rowText(db: pg.ClientBase, table: string, id: number): Promise<ShownRow | undefined> {
  const result = await db.query({
    text: `SELECT * FROM ${qualified(db, table)} WHERE id = $1`,
    values: [id],
    rowMode: 'array',
    types: { getTypeParser: () => (value: string) => value },
  });
  const row = result.rows[0] as (string | null)[] | undefined;
  if (!row) return undefined;
  return { columns: result.fields.map((field) => field.name), values: row.map((value) => value ?? 'NULL') };
}

/**
 * Waits until the target holds `expected` (the source row as jsonb text) or, when `expected` is
 * undefined, no row with this id (jsonb text is canonical: equal rows print equal). Returns when that was first seen (ms), or undefined on timeout.
 */
export async function waitForTarget(
  target: pg.ClientBase,
  table: string,
  id: number,
  expected: string | undefined,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !signal?.aborted) {
    const now = await rowJson(target, table, id);
    if (expected === undefined ? now === undefined : now === expected) {
      return Date.now();
    }
    await sleep(POLL_MS);
  }
  return undefined;
}
