/** Which target tables exist and hold rows: what a new consumer group must not replay history onto. */
import type { TableRef } from '../types.js';
import { quoteTable } from './catalog.js';
import type { Queryable } from './pool.js';

export async function nonEmptyTables(db: Queryable, tables: readonly TableRef[]): Promise<TableRef[]> {
  const filled: TableRef[] = [];
  for (const table of tables) {
    // to_regclass takes a quoted name as text and answers NULL for a table that does not exist.
    const { rows } = await db.query<{ exists: string | null }>('SELECT to_regclass($1)::text AS exists', [
      quoteTable(table),
    ]);
    if (rows[0]?.exists == null) continue;
    const { rows: found } = await db.query<{ found: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM ${quoteTable(table)}) AS found`,
    );
    if (found[0]?.found === true) filled.push(table);
  }
  return filled;
}
