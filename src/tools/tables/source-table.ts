/**
 * A source table as add-table reads it from pg_catalog: whether Debezium and the sink can carry it
 * (a primary key; a replica identity that publishes updates and deletes), and its columns with the
 * exact declared types, for the target's copy.
 */
import pg from 'pg';
import { quoteTable } from '../../sinks/catalog.js';
import type { Queryable } from '../../sinks/pool.js';
import type { TableRef } from '../../types.js';

/** One source column, as the target's copy declares it. */
export interface SourceColumn {
  readonly name: string;
  /** `format_type`: `character varying(200)`, `numeric(10,2)`, `inventory.mood` (qualified outside the path). */
  readonly type: string;
  readonly notNull: boolean;
  /** The expression of a GENERATED ALWAYS AS (…) STORED column: the target computes it too. */
  readonly generated: string | null;
  /** The type's schema and name, to find it (or its extension) in the target. */
  readonly typeSchema: string;
  readonly typeName: string;
  /** 'e' enum, 'b' base, 'd' domain, 'c' composite, 'r' range, 'm' multirange (of the element for an array). */
  readonly typeKind: string;
  /** The extension the type belongs to, if any. */
  readonly extension: string | null;
  /** An enum's labels, in order. */
  readonly labels: readonly string[] | null;
}

export interface SourceTable {
  readonly ref: TableRef;
  readonly columns: readonly SourceColumn[];
  readonly primaryKey: readonly string[];
  /** pg_class.relreplident: d default (the key), f full, i index, n nothing. */
  readonly replicaIdentity: string;
}

const COLUMNS_QUERY = `
SELECT a.attname AS name,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS "notNull",
       CASE WHEN a.attgenerated = 's' THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid) END AS generated,
       tn.nspname AS "typeSchema", et.typname AS "typeName", et.typtype AS "typeKind",
       (SELECT x.extname FROM pg_catalog.pg_depend dep JOIN pg_catalog.pg_extension x ON x.oid = dep.refobjid
         WHERE dep.classid = 'pg_catalog.pg_type'::regclass AND dep.objid = et.oid AND dep.deptype = 'e') AS extension,
       CASE WHEN et.typtype = 'e' THEN ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e
                                              WHERE e.enumtypid = et.oid ORDER BY e.enumsortorder) END AS labels,
       pg_catalog.array_position(i.indkey::int2[], a.attnum) AS key_position,
       c.relreplident AS replident
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
  JOIN pg_catalog.pg_type et ON et.oid = CASE WHEN t.typelem <> 0 AND t.typlen = -1 THEN t.typelem ELSE t.oid END
  JOIN pg_catalog.pg_namespace tn ON tn.oid = et.typnamespace
  LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
  LEFT JOIN pg_catalog.pg_index i ON i.indrelid = c.oid AND i.indisprimary
 WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')
 ORDER BY a.attnum`;

interface ColumnRow extends SourceColumn {
  readonly key_position: number | null;
  readonly replident: string;
}

/** The table, or undefined when the source has no such (ordinary or partitioned) table. */
export async function readSourceTable(db: Queryable, ref: TableRef): Promise<SourceTable | undefined> {
  const { rows } = await db.query<ColumnRow>(COLUMNS_QUERY, [ref.schema, ref.table]);
  if (rows.length === 0) return undefined;
  const primaryKey = rows
    .filter((row) => row.key_position !== null)
    .sort((a, b) => (a.key_position ?? 0) - (b.key_position ?? 0))
    .map((row) => row.name);
  const columns = rows.map(({ key_position: _, replident: __, ...column }) => column);
  return { ref, columns, primaryKey, replicaIdentity: rows[0]!.replident };
}

/**
 * Why Debezium and the sink cannot carry the table, with the fix; none when they can. Debezium keys
 * each record by the primary key and the sink upserts and deletes by it. REPLICA IDENTITY NOTHING
 * makes PostgreSQL refuse every UPDATE and DELETE of a published table, in the source itself.
 */
export function problemsOf(table: SourceTable): string[] {
  const name = quoteTable(table.ref);
  const problems: string[] = [];
  if (table.primaryKey.length === 0)
    problems.push(
      `${name} has no primary key: Debezium keys its records by it and the pipeline upserts and deletes by it\n` +
        `  fix: ALTER TABLE ${name} ADD PRIMARY KEY (…) in the source`,
    );
  if (table.replicaIdentity === 'n')
    problems.push(
      `${name} has REPLICA IDENTITY NOTHING: once published, its UPDATEs and DELETEs fail in the source\n` +
        `  fix: ALTER TABLE ${name} REPLICA IDENTITY FULL (or DEFAULT) in the source`,
    );
  return problems;
}

/** A note on the replica identity, when updates and deletes will not carry the whole old row. */
export function replicaIdentityNote(table: SourceTable): string | undefined {
  if (table.replicaIdentity === 'f' || table.replicaIdentity === 'n') return undefined;
  const name = quoteTable(table.ref);
  return (
    `${name} has REPLICA IDENTITY ${table.replicaIdentity === 'i' ? 'USING INDEX' : 'DEFAULT'}: updates and ` +
    `deletes carry only the key as the old row, which the pipeline does not need; for full before-images ` +
    `(and unchanged large values in updates), ALTER TABLE ${name} REPLICA IDENTITY FULL`
  );
}

/**
 * CREATE TABLE of the target's copy: the source's columns with their declared types and NOT NULL,
 * generated columns as generated, the primary key, and the sink's sync-time column. No defaults,
 * identities or foreign keys: every value comes from the source, and tables apply in parallel lanes.
 */
export function targetTableSql(table: SourceTable, syncedAtColumn: string): string {
  const columns = table.columns.map((column) => {
    const generated = column.generated === null ? '' : ` GENERATED ALWAYS AS (${column.generated}) STORED`;
    return `  ${pg.escapeIdentifier(column.name)} ${column.type}${column.notNull ? ' NOT NULL' : ''}${generated}`;
  });
  if (!table.columns.some((column) => column.name === syncedAtColumn))
    columns.push(`  ${pg.escapeIdentifier(syncedAtColumn)} timestamptz NOT NULL DEFAULT now()`);
  columns.push(`  PRIMARY KEY (${table.primaryKey.map(pg.escapeIdentifier).join(', ')})`);
  return `CREATE TABLE IF NOT EXISTS ${quoteTable(table.ref)} (\n${columns.join(',\n')}\n)`;
}
