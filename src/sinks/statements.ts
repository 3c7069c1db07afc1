/**
 * Pure SQL builders of the sink, in the manner of the Debezium JDBC sink's dialect: each returns
 * `{ text, values }` (or COPY text) from a catalog-checked table, so every identifier in the text
 * is a catalog name quoted with pg.escapeIdentifier. Row values never appear in the text: they
 * travel as COPY data into a staging table, and the set-based statements read them from there.
 */
import pg from 'pg';
import type { TargetColumn, TargetTable } from './catalog.js';
import { DELETED_KEYS_SQL } from './deleted-keys.js';
import { newerSql } from './source-position.js';

/** A statement ready for `client.query`. */
export interface SqlStatement {
  readonly text: string;
  readonly values: readonly unknown[];
}

/** The staging table's alias in the statements that read it. */
const STAGING_ALIAS = 's';
/** The target table's alias in guarded statements. */
const TARGET_ALIAS = 't';
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
  /**
   * The table's source-position column when it has one (the stale-write guard): it is among
   * `columns`, and a staged row is written only where it is newer than the stored row and than its
   * key's tombstone.
   */
  readonly positionColumn?: string | null;
}

/** `json_build_array(s."k1", …)::text`: a staged row's key as cdc_deleted_keys stores it. */
function stagedRowKey(table: TargetTable): string {
  const keys = table.primaryKey.map((key) => `${STAGING_ALIAS}.${pg.escapeIdentifier(key)}`);
  return `json_build_array(${keys.join(', ')})::text`;
}

/** The tombstone of the staged row's key, if any: `d`, matched on $1 (schema), $2 (table). */
function tombstoneOf(table: TargetTable): string {
  return `SELECT 1 FROM ${DELETED_KEYS_SQL} AS d WHERE d.schema_name = $1 AND d.table_name = $2 AND d.row_key = ${stagedRowKey(table)}`;
}

/**
 * One set-based upsert of every staged row: INSERT … SELECT … ON CONFLICT (primary key) DO UPDATE.
 * Only `columns` are written, so a column left out (an unavailable TOASTed value) keeps the stored
 * value of an existing row; on a new row it takes its default, or NULL.
 */
export function upsertFromStaging({
  table,
  staging,
  columns,
  syncedAt,
  positionColumn = null,
}: UpsertSpec): SqlStatement {
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
  const onConflict = `ON CONFLICT (${table.primaryKey.map(pg.escapeIdentifier).join(', ')})`;
  if (positionColumn === null) {
    return {
      text: [
        `INSERT INTO ${table.sqlName} (${targets.join(', ')})${overriding}`,
        `SELECT ${selected.join(', ')}`,
        `FROM ${stagingSqlName(staging)} AS ${STAGING_ALIAS}`,
        `${onConflict} ${conflict}`,
      ].join('\n'),
      values: [],
    };
  }
  if (!columns.includes(positionColumn))
    throw new RangeError(
      `guarded upsert into ${table.sqlName} without its position column ${positionColumn}`,
    );
  // Guarded: a row older than its key's tombstone is not inserted; an existing row is updated only
  // by a newer change (the position column is never a key column, so DO UPDATE always has it).
  const position = pg.escapeIdentifier(positionColumn);
  const incoming = stagedValue(table, positionColumn);
  return {
    text: [
      `INSERT INTO ${table.sqlName} AS ${TARGET_ALIAS} (${targets.join(', ')})${overriding}`,
      `SELECT ${selected.join(', ')}`,
      `FROM ${stagingSqlName(staging)} AS ${STAGING_ALIAS}`,
      `WHERE NOT EXISTS (${tombstoneOf(table)} AND NOT ${newerSql(incoming, 'd.position')})`,
      `${onConflict} ${conflict}`,
      `WHERE ${newerSql(`EXCLUDED.${position}`, `${TARGET_ALIAS}.${position}`)}`,
    ].join('\n'),
    values: [table.ref.schema, table.ref.table],
  };
}

/** `t."k1" = s."k1"::type AND …`: the target row of a staged key. */
function keyMatches(table: TargetTable): string {
  return table.primaryKey
    .map((key) => `${TARGET_ALIAS}.${pg.escapeIdentifier(key)} = ${stagedValue(table, key)}`)
    .join(' AND ');
}

/**
 * One set-based delete of every row whose primary key is staged (the staging table holds the key
 * columns). With a `positionColumn` (the stale-write guard) it also holds that column, and a row is
 * deleted only where the delete is newer than the row.
 */
export function deleteFromStaging(
  table: TargetTable,
  staging: string,
  positionColumn: string | null = null,
): SqlStatement {
  const newer =
    positionColumn === null
      ? ''
      : ` AND ${newerSql(stagedValue(table, positionColumn), `${TARGET_ALIAS}.${pg.escapeIdentifier(positionColumn)}`)}`;
  return {
    text: [
      `DELETE FROM ${table.sqlName} AS ${TARGET_ALIAS}`,
      `USING ${stagingSqlName(staging)} AS ${STAGING_ALIAS}`,
      `WHERE ${keyMatches(table)}${newer}`,
    ].join('\n'),
    values: [],
  };
}

/**
 * The tombstones of a guarded delete, run before it: one per staged key unless the stored row is
 * newer than the delete (then the delete changes nothing, and leaves nothing). A key's tombstone
 * keeps the newest delete's position.
 */
export function recordDeletedKeys(table: TargetTable, staging: string, positionColumn: string): SqlStatement {
  const incoming = stagedValue(table, positionColumn);
  const stored = `${TARGET_ALIAS}.${pg.escapeIdentifier(positionColumn)}`;
  return {
    text: [
      `INSERT INTO ${DELETED_KEYS_SQL} AS d (schema_name, table_name, row_key, position, deleted_at)`,
      `SELECT $1, $2, ${stagedRowKey(table)}, ${incoming}, now()`,
      `FROM ${stagingSqlName(staging)} AS ${STAGING_ALIAS}`,
      `WHERE NOT EXISTS (SELECT 1 FROM ${table.sqlName} AS ${TARGET_ALIAS} WHERE ${keyMatches(table)} AND NOT ${newerSql(incoming, stored)})`,
      'ON CONFLICT (schema_name, table_name, row_key) DO UPDATE',
      'SET position = EXCLUDED.position, deleted_at = EXCLUDED.deleted_at',
      `WHERE ${newerSql('EXCLUDED.position', 'd.position')}`,
    ].join('\n'),
    values: [table.ref.schema, table.ref.table],
  };
}

/** TRUNCATE, as Debezium's truncate event asks (no CASCADE: a referencing table stops it). */
export function truncateTable(table: TargetTable): SqlStatement {
  return { text: `TRUNCATE TABLE ${table.sqlName}`, values: [] };
}
