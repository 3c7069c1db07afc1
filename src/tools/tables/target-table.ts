/**
 * The target's copy of a source table, made by add-table: its schema, the enum types its columns
 * use, then the table (source-table.ts). A table that exists is left as it is; the columns it lacks
 * are named, since their values would be dropped (PIPELINE_UNKNOWN_COLUMNS).
 */
import pg from 'pg';
import { quoteTable, readColumns } from '../../sinks/catalog.js';
import type { Queryable } from '../../sinks/pool.js';
import { targetTableSql, type SourceColumn, type SourceTable } from './source-table.js';

export type TargetOutcome =
  | { readonly kind: 'created'; readonly sql: string }
  | { readonly kind: 'exists'; readonly missingColumns: readonly string[] };

const typeExists = async (db: Queryable, column: SourceColumn): Promise<boolean> =>
  (
    await db.query(
      `SELECT 1 FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = $1 AND t.typname = $2`,
      [column.typeSchema, column.typeName],
    )
  ).rowCount !== 0;

/**
 * Makes each type of the table's columns that the target lacks: an enum with the source's labels.
 * Any other missing type is a problem a person solves (an extension to install, a domain to define).
 */
async function ensureTypes(db: Queryable, table: SourceTable): Promise<string[]> {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const column of table.columns) {
    const id = `${column.typeSchema}.${column.typeName}`;
    if (column.typeSchema === 'pg_catalog' || seen.has(id)) continue;
    seen.add(id);
    if (await typeExists(db, column)) continue;
    const type = `${pg.escapeIdentifier(column.typeSchema)}.${pg.escapeIdentifier(column.typeName)}`;
    if (column.extension !== null) {
      problems.push(
        `type ${type} of column "${column.name}" comes from the extension ${column.extension}, which the target lacks\n` +
          `  fix: CREATE EXTENSION ${pg.escapeIdentifier(column.extension)} in the target database`,
      );
    } else if (column.typeKind === 'e' && column.labels !== null) {
      await db.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(column.typeSchema)}`);
      await db.query(
        `CREATE TYPE ${type} AS ENUM (${column.labels.map((label) => pg.escapeLiteral(label)).join(', ')})`,
      );
    } else {
      problems.push(
        `type ${type} of column "${column.name}" does not exist in the target\n` +
          `  fix: create it there as it is in the source (CREATE TYPE / CREATE DOMAIN), then run add-table again`,
      );
    }
  }
  return problems;
}

/** Creates the target's copy unless it exists; problems (a type the target lacks) are thrown, one per line. */
export async function ensureTargetTable(
  db: Queryable,
  table: SourceTable,
  syncedAtColumn: string,
): Promise<TargetOutcome> {
  const existing = await readColumns(db, table.ref);
  if (existing.length > 0) {
    const names = new Set(existing.map((column) => column.name));
    return {
      kind: 'exists',
      missingColumns: table.columns.map((c) => c.name).filter((name) => !names.has(name)),
    };
  }
  await db.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(table.ref.schema)}`);
  const problems = await ensureTypes(db, table);
  if (problems.length > 0)
    throw new Error(`cannot create ${quoteTable(table.ref)} in the target:\n${problems.join('\n')}`);
  const sql = targetTableSql(table, syncedAtColumn);
  await db.query(sql);
  return { kind: 'created', sql };
}
