/**
 * Source and target compared by an independent hash per key, computed by each database itself:
 * `md5(row(<the source's columns>)::text)`, so both sides render values with PostgreSQL's own text
 * output and the target's `synced_at` is left out by construction. Nothing of the pipeline's code
 * is involved.
 */
import pg from 'pg';
import type { StackUrls } from '../../../infra/stack/config.js';
import { withClient } from './db.js';
import { CHAOS_TABLES } from './schema.js';

async function columnsOf(source: pg.Client, table: string): Promise<string[]> {
  const { rows } = await source.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  return rows.map((row) => row.column_name);
}

async function hashes(
  db: pg.Client,
  table: string,
  columns: readonly string[],
): Promise<Map<number, string>> {
  const list = columns.map((column) => pg.escapeIdentifier(column)).join(', ');
  const { rows } = await db.query<{ id: number; hash: string }>(
    `SELECT id, md5(row(${list})::text) AS hash FROM ${pg.escapeIdentifier(table)}`,
  );
  return new Map(rows.map((row) => [row.id, row.hash]));
}

export interface TableDiff {
  readonly table: string;
  readonly rows: number;
  /** Keys in the source that the target lacks. */
  readonly missing: readonly number[];
  /** Keys in the target that the source no longer has (a lost delete). */
  readonly extra: readonly number[];
  /** Keys whose rows differ. */
  readonly different: readonly number[];
}

export const differingKeys = (diff: TableDiff): number =>
  diff.missing.length + diff.extra.length + diff.different.length;

export async function diffTable(source: pg.Client, target: pg.Client, table: string): Promise<TableDiff> {
  const columns = await columnsOf(source, table);
  const [from, to] = await Promise.all([hashes(source, table, columns), hashes(target, table, columns)]);
  return {
    table,
    rows: from.size,
    missing: [...from.keys()].filter((id) => !to.has(id)),
    extra: [...to.keys()].filter((id) => !from.has(id)),
    different: [...from.keys()].filter((id) => to.has(id) && to.get(id) !== from.get(id)),
  };
}

/** One comparison of every chaos table, on fresh connections (a fault may have broken older ones). */
export async function diffAll(urls: StackUrls): Promise<TableDiff[]> {
  return withClient(urls.SOURCE_DATABASE_URL, (source) =>
    withClient(urls.TARGET_DATABASE_URL, async (target) => {
      const diffs: TableDiff[] = [];
      for (const table of CHAOS_TABLES) diffs.push(await diffTable(source, target, table));
      return diffs;
    }),
  );
}
