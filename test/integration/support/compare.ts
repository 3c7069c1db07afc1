/**
 * Source and target compared row by row: every column the two tables share, as JSON text (exact:
 * no JS Date or float in between), keyed by id.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { source, target } from './stack.js';

export async function tableRows(which: 'source' | 'target', table: string): Promise<Map<string, string>> {
  const run = which === 'source' ? source : target;
  return run(async (db) => {
    const { rows } = await db.query<{ id: string; row: string }>(
      `SELECT id::text AS id, (to_jsonb(t) - 'synced_at')::text AS row FROM ${table} t ORDER BY id`,
    );
    return new Map(rows.map((r) => [r.id, r.row]));
  });
}

export interface TableDiff {
  readonly missing: string[];
  readonly extra: string[];
  readonly different: string[];
}

export async function diffTable(table: string): Promise<TableDiff> {
  const [from, to] = await Promise.all([tableRows('source', table), tableRows('target', table)]);
  return {
    missing: [...from.keys()].filter((id) => !to.has(id)),
    extra: [...to.keys()].filter((id) => !from.has(id)),
    different: [...from.keys()].filter((id) => to.has(id) && to.get(id) !== from.get(id)),
  };
}

const isEmpty = (diff: TableDiff): boolean =>
  diff.missing.length + diff.extra.length + diff.different.length === 0;

/** Waits until every table matches, or returns the last differences after the timeout. */
export async function waitForConvergence(
  tables: readonly string[],
  timeoutMs = 60_000,
): Promise<Record<string, TableDiff>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const diffs = Object.fromEntries(
      await Promise.all(tables.map(async (table) => [table, await diffTable(table)] as const)),
    );
    if (Object.values(diffs).every(isEmpty) || Date.now() > deadline) return diffs;
    await sleep(250);
  }
}
