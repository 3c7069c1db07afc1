/**
 * Pure SQL builders of the sink, in the manner of the Debezium JDBC sink's dialect: each returns
 * `{ text, values }` (or COPY text) from a catalog-checked table, so every identifier in the text
 * is a catalog name quoted with pg.escapeIdentifier. Row values never appear in the text: they
 * travel as COPY data into a staging table, and the set-based statements read them from there.
 */
import pg from 'pg';
import type { TargetColumn, TargetTable } from './catalog.js';

/** A statement ready for `client.query`. */
export interface SqlStatement {
  readonly text: string;
  readonly values: readonly unknown[];
}

/** The staging table's alias in the statements that read it. */
const STAGING_ALIAS = 's';
const STAGING_TABLE_PREFIX = 'cdc_stage_';

/** The default name of the column the sink stamps with the time of each write. */
export const DEFAULT_SYNCED_AT_COLUMN = 'synced_at';

/** A staging table's name: the `sequence`th in its transaction. */
export function stagingTableName(sequence: number): string {
  return `${STAGING_TABLE_PREFIX}${sequence}`;
}

/** `pg_temp."name"`: always the session's own temporary table, whatever the search_path says. */
function stagingSqlName(staging: string): string {
  return `pg_temp.${pg.escapeIdentifier(staging)}`;
}

/** The named column of a catalog-checked table; a name the catalog does not have is a bug here. */
function columnOf(table: TargetTable, name: string): TargetColumn {
  const column = table.columns.get(name);
  if (column === undefined)
    throw new RangeError(`column ${pg.escapeIdentifier(name)} is not in ${table.sqlName}`);
  return column;
}

/** `s."col"::type`: staging text cast to the target column's bare type (see TargetColumn.castType). */
function stagedValue(table: TargetTable, name: string): string {
  return `${STAGING_ALIAS}.${pg.escapeIdentifier(name)}::${columnOf(table, name).castType}`;
}

/** The sync-time column when the target table has one, else null. */
export function syncedAtColumnOf(table: TargetTable, syncedAtColumn: string): string | null {
  return table.columns.has(syncedAtColumn) ? syncedAtColumn : null;
}

/**
 * A temporary staging table, every column text, dropped at commit (and gone with a rollback):
 * COPY fills it, and casts happen in the statement that reads it, so a bad value fails there.
 */
export function createStagingTable(staging: string, columns: readonly string[]): SqlStatement {
  const definitions = columns.map((name) => `${pg.escapeIdentifier(name)} text`).join(', ');
  return {
    text: `CREATE TEMPORARY TABLE ${stagingSqlName(staging)} (${definitions}) ON COMMIT DROP`,
    values: [],
  };
}

/** COPY … FROM STDIN in text format into the staging table, columns in the given order. */
export function copyIntoStaging(staging: string, columns: readonly string[]): string {
  return `COPY ${stagingSqlName(staging)} (${columns.map(pg.escapeIdentifier).join(', ')}) FROM STDIN`;
}

/** What one upsert writes. */
export interface UpsertSpec {
  readonly table: TargetTable;
  readonly staging: string;
  /** The columns the staged rows carry a value for; they include the whole primary key. */
  readonly columns: readonly string[];
  /** The sync-time column to set to now() on every written row, or null when the table has none. */
  readonly syncedAt: string | null;
}

/**
 * One set-based upsert of every staged row: INSERT … SELECT … ON CONFLICT (primary key) DO UPDATE.
 * Only `columns` are written, so a column left out (an unavailable TOASTed value) keeps the stored
 * value of an existing row; on a new row it takes its default, or NULL.
 */
export function upsertFromStaging({ table, staging, columns, syncedAt }: UpsertSpec): SqlStatement {
  for (const key of table.primaryKey) {
    if (!columns.includes(key))
      throw new RangeError(`upsert into ${table.sqlName} without key column ${key}`);
  }
  const written = columns.filter((name) => name !== syncedAt);
  const targets = [...written, ...(syncedAt === null ? [] : [syncedAt])].map(pg.escapeIdentifier);
  const selected = [
    ...written.map((name) => stagedValue(table, name)),
    ...(syncedAt === null ? [] : ['now()']),
  ];
  const updated = [
    ...written.filter((name) => !table.primaryKey.includes(name)),
    ...(syncedAt === null ? [] : [syncedAt]),
  ]
    .map(pg.escapeIdentifier)
    .map((name) => `${name} = EXCLUDED.${name}`);
  const overriding = written.some((name) => columnOf(table, name).identityAlways)
    ? ' OVERRIDING SYSTEM VALUE'
    : '';
  const conflict = updated.length === 0 ? 'DO NOTHING' : `DO UPDATE SET ${updated.join(', ')}`;
  return {
    text: [
      `INSERT INTO ${table.sqlName} (${targets.join(', ')})${overriding}`,
      `SELECT ${selected.join(', ')}`,
      `FROM ${stagingSqlName(staging)} AS ${STAGING_ALIAS}`,
      `ON CONFLICT (${table.primaryKey.map(pg.escapeIdentifier).join(', ')}) ${conflict}`,
    ].join('\n'),
    values: [],
  };
}

/** One set-based delete of every row whose primary key is staged (the staging table holds the key columns). */
export function deleteFromStaging(table: TargetTable, staging: string): SqlStatement {
  const matches = table.primaryKey.map((key) => `t.${pg.escapeIdentifier(key)} = ${stagedValue(table, key)}`);
  return {
    text: [
      `DELETE FROM ${table.sqlName} AS t`,
      `USING ${stagingSqlName(staging)} AS ${STAGING_ALIAS}`,
      `WHERE ${matches.join(' AND ')}`,
    ].join('\n'),
    values: [],
  };
}

/** TRUNCATE, as Debezium's truncate event asks (no CASCADE: a referencing table stops it). */
export function truncateTable(table: TargetTable): SqlStatement {
  return { text: `TRUNCATE TABLE ${table.sqlName}`, values: [] };
}
