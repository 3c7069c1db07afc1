/** The target's tables and their contents, as text, for `npm run check-target`. */
import type pg from 'pg';

export interface TableDump {
  readonly table: string;
  readonly total: number;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** Longer values are cut for display (a 2 MB text would drown the terminal). */
export const MAX_CELL_CHARS = 60;

const cell = (value: string | null): string => {
  if (value === null) return 'NULL';
  const flat = value.replace(/\n/g, '\\n').replace(/\t/g, '\\t');
  return flat.length > MAX_CELL_CHARS ? `${flat.slice(0, MAX_CELL_CHARS - 1)}…` : flat;
};

/** The ordinary and partitioned tables of a schema, by name (check-target on the target, verify on the source). */
export async function listTables(db: pg.ClientBase, schema = 'public'): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
    [schema],
  );
  return rows.map((row) => row.name);
}

export async function dumpTable(
  db: pg.ClientBase,
  table: string,
  limit: number,
  schema = 'public',
): Promise<TableDump> {
  const qualified = `${db.escapeIdentifier(schema)}.${db.escapeIdentifier(table)}`;
  const { rows: countRows } = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${qualified}`);
  // Every value as PostgreSQL's own text (exact digits and microseconds), in primary-key order.
  const result = await db.query({
    text: `SELECT * FROM ${qualified} ORDER BY 1 LIMIT $1`,
    values: [limit],
    rowMode: 'array',
    types: { getTypeParser: () => (value: string) => value },
  });
  return {
    table: `${schema}.${table}`,
    total: Number(countRows[0]!.n),
    columns: result.fields.map((field) => field.name),
    rows: (result.rows as (string | null)[][]).map((row) => row.map(cell)),
  };
}
