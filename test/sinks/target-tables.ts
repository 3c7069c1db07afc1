/**
 * Throw-away tables in the integration stack's target database, for the sink's integration tests:
 * each test makes its own (`sink_test_<random>`) and drops it, so users/orders are never touched.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pino, type Logger } from 'pino';
import type { TableRef } from '../../src/types.js';

/** A fresh table name, unique per call. */
export function uniqueTableName(prefix = 'sink_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Tables created through `createTable`, for `dropTables`. */
export interface TableRegistry {
  /** Creates `public.<name>` with the given column definitions (SQL written by the test itself). */
  createTable(definitions: string, name?: string): Promise<TableRef>;
  /** Drops every table created so far. */
  dropTables(): Promise<void>;
}

export function tableRegistry(pool: pg.Pool): TableRegistry {
  const created: TableRef[] = [];
  return {
    createTable: async (definitions, name = uniqueTableName()) => {
      const ref = { schema: 'public', table: name };
      await pool.query(`CREATE TABLE ${qualified(ref)} (${definitions})`);
      created.push(ref);
      return ref;
    },
    dropTables: async () => {
      for (const ref of created.splice(0)) await pool.query(`DROP TABLE IF EXISTS ${qualified(ref)}`);
    },
  };
}

export function qualified({ schema, table }: TableRef): string {
  return `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(table)}`;
}

/** Every row of `table`, each column as its PostgreSQL text (exact), ordered by the column `orderBy` (not its text). */
export async function textRows(
  pool: pg.Pool,
  table: TableRef,
  columns: readonly string[],
  orderBy = 'id',
): Promise<Record<string, string | null>[]> {
  const selected = columns.map(
    (column) => `t.${pg.escapeIdentifier(column)}::text AS ${pg.escapeIdentifier(column)}`,
  );
  const client = await pool.connect();
  try {
    // timestamptz text depends on the session's time zone: pin it, so expectations can say +00.
    await client.query("SET TIME ZONE 'UTC'");
    const { rows } = await client.query<Record<string, string | null>>(
      `SELECT ${selected.join(', ')} FROM ${qualified(table)} AS t ORDER BY t.${pg.escapeIdentifier(orderBy)}`,
    );
    return rows;
  } finally {
    client.release();
  }
}

/** A debug-level logger that keeps its lines as objects, for asserting on what was logged. */
export function capturingLogger(): { readonly logger: Logger; readonly lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}
