/**
 * What the sink knows about its target tables, read from pg_catalog and cached per table. Table and
 * column names from events are only ever used after they are found here, and are quoted with
 * pg.escapeIdentifier; nothing from an event is pasted into SQL as it came.
 */
import pg from 'pg';
import type { Logger } from 'pino';
import { isRetriable } from '../errors.js';
import type { RoutedChange, TableRef } from '../types.js';
import { silentLogger, type Queryable } from './pool.js';
import { addColumns, createTable, type SchemaEvolution } from './schema-evolution.js';
import { sqlState } from './sqlstate.js';

/** One column of a target table. */
export interface TargetColumn {
  readonly name: string;
  /** The declared type, as `format_type` shows it: `character varying(100)`, `numeric(10,2)`. */
  readonly type: string;
  /**
   * The SQL to cast staging text to: the type's own qualified name without a type modifier
   * (`pg_catalog.varchar`, `pg_catalog."bit"`). Not `type`: an explicit cast to `varchar(100)`
   * silently truncates, and `bit`/`character` without a length mean length 1. Casting to the bare
   * type and letting the INSERT's assignment apply the modifier makes a too-long value an error.
   */
  readonly castType: string;
  readonly notNull: boolean;
  readonly hasDefault: boolean;
  /** A generated column (GENERATED ALWAYS AS (…) STORED): the target computes it, never written. */
  readonly generated: boolean;
  /** GENERATED ALWAYS AS IDENTITY: writing it takes OVERRIDING SYSTEM VALUE. */
  readonly identityAlways: boolean;
}

/** A target table the sink can write to: it exists and has a primary key. */
export interface TargetTable {
  readonly ref: TableRef;
  /** `"schema"."table"`, quoted, ready for SQL. */
  readonly sqlName: string;
  /** Columns in table order (attnum). */
  readonly columns: ReadonlyMap<string, TargetColumn>;
  /** Primary-key column names, in key order; never empty. */
  readonly primaryKey: readonly string[];
}

/** A table looked up: writable, or refused with a reason a person can act on. */
export type TableLookup =
  | { readonly kind: 'found'; readonly table: TargetTable }
  | {
      readonly kind: 'refused';
      readonly reason: string;
      /** The table does not exist (rather than existing without a primary key): it may be created. */
      readonly missing?: boolean;
    };

/** Reads and caches target tables. */
export interface Catalog {
  /**
   * The cached table; read afresh on a miss: the table is not cached, or lacks one of `columns`
   * (a column just added to the target is picked up without a restart). A refused table is never
   * cached, so creating it, or giving it a primary key, takes effect at the next look-up. Under
   * schema evolution, a table still missing (or still lacking columns) after the read is created
   * (or given the columns) from the schemas `changes` carry, and read again.
   */
  get(
    db: Queryable,
    ref: TableRef,
    columns?: Iterable<string>,
    changes?: readonly RoutedChange[],
  ): Promise<TableLookup>;
  /** Reads the table again and caches the result. */
  refresh(db: Queryable, ref: TableRef): Promise<TableLookup>;
  /** Forgets the table; the next `get` reads it again. */
  invalidate(ref: TableRef): void;
}

/** `"schema"."table"`, each part quoted. */
export function quoteTable({ schema, table }: TableRef): string {
  return `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(table)}`;
}

/** A string that identifies a table, for maps (schema and table names may contain dots). */
export function tableKey(ref: TableRef): string {
  // Asked several times for every change of a flush, almost always of the one TableRef object that
  // `route` shares among a topic's changes (or the catalog among a table's items): worked out once.
  let key = tableKeys.get(ref);
  if (key === undefined) {
    key = JSON.stringify([ref.schema, ref.table]);
    tableKeys.set(ref, key);
  }
  return key;
}

/** tableKey by TableRef object: a pure memo (TableRefs are read-only). */
const tableKeys = new WeakMap<TableRef, string>();

/** What a catalog may do to the target's tables. */
export interface CatalogOptions {
  /** PIPELINE_SCHEMA_EVOLUTION; 'none' (the default here) only reads. */
  readonly evolution?: SchemaEvolution;
  /** The sink's sync-time column, which a created table gets. */
  readonly syncedAtColumn?: string;
  /** Where a created table or added column is reported (names only). */
  readonly logger?: Logger;
}

/** A catalog with an empty cache; one per sink. */
export function createCatalog({
  evolution = 'none',
  syncedAtColumn = 'synced_at',
  logger = silentLogger,
}: CatalogOptions = {}): Catalog {
  const cache = new Map<string, TargetTable>();
  const cacheKey = tableKey;
  /** Evolutions under way, by table. */
  const evolving = new Map<string, Promise<TableLookup>>();

  const refresh = async (db: Queryable, ref: TableRef): Promise<TableLookup> => {
    const lookup = await readTable(db, ref);
    if (lookup.kind === 'found') cache.set(cacheKey(ref), lookup.table);
    else cache.delete(cacheKey(ref));
    return lookup;
  };

  /** Creates the missing table or adds the absent columns, as `evolution` allows; then reads it again. */
  const evolve = async (
    db: Queryable,
    ref: TableRef,
    lookup: TableLookup,
    columns: readonly string[],
    changes: readonly RoutedChange[],
  ): Promise<TableLookup> => {
    const table = `${ref.schema}.${ref.table}`;
    if (lookup.kind === 'refused') {
      if (!lookup.missing) return lookup;
      const refused = await ddl(() => createTable(db, ref, changes, { syncedAtColumn }));
      if (refused !== undefined)
        return {
          ...lookup,
          reason: `${lookup.reason}; PIPELINE_SCHEMA_EVOLUTION=${evolution} cannot create it: ${refused}`,
        };
      logger.info({ table }, 'target table created from the source column types (PIPELINE_SCHEMA_EVOLUTION)');
      return refresh(db, ref);
    }
    const absent = columns.filter((column) => !lookup.table.columns.has(column));
    if (evolution !== 'create-and-add-columns' || absent.length === 0) return lookup;
    const added = await ddl(() => addColumns(db, ref, absent, changes));
    if (typeof added === 'string') {
      logger.warn({ table, columns: absent, reason: added }, 'columns not added to the target table');
      return lookup;
    }
    logger.info({ table, columns: added }, 'columns added to the target table (PIPELINE_SCHEMA_EVOLUTION)');
    return refresh(db, ref);
  };

  return {
    get: async (db, ref, columns = [], changes = []) => {
      const wanted = [...columns];
      const cached = cache.get(cacheKey(ref));
      const lookup =
        cached !== undefined && wanted.every((column) => cached.columns.has(column))
          ? ({ kind: 'found', table: cached } as const)
          : await refresh(db, ref);
      if (evolution === 'none' || changes.length === 0) return lookup;
      if (lookup.kind === 'found' && wanted.every((column) => lookup.table.columns.has(column)))
        return lookup;
      // Lanes that find the same table missing at once share one evolution (and one log line).
      const key = cacheKey(ref);
      const running = evolving.get(key);
      if (running !== undefined) {
        await running.catch(() => undefined);
        return refresh(db, ref);
      }
      const evolved = evolve(db, ref, lookup, wanted, changes).finally(() => evolving.delete(key));
      evolving.set(key, evolved);
      return evolved;
    },
    refresh,
    invalidate: (ref) => {
      cache.delete(cacheKey(ref));
    },
  };
}

/**
 * Runs DDL; a refusal of it (a privilege, a type the target lacks) becomes the reason, so the changes
 * dead-letter with it. An outage is thrown, for the flush to be retried.
 */
async function ddl<T>(action: () => Promise<T>): Promise<T | string> {
  try {
    return await action();
  } catch (error) {
    if (isRetriable(error)) throw error;
    return `the target refused the DDL (SQLSTATE ${sqlState(error) ?? 'none'}): ${(error as Error).message}`;
  }
}

/** One column as pg_catalog describes it. */
export interface ColumnRow {
  name: string;
  type: string;
  type_schema: string;
  type_name: string;
  not_null: boolean;
  has_default: boolean;
  generated: boolean;
  identity_always: boolean;
  key_position: number | null;
}

/**
 * Columns of an ordinary or partitioned table with their primary-key position. Names travel as
 * parameters; `format_type(…, NULL)` is not used for the cast type because it maps bpchar and
 * bit to `character` and `bit`, which the grammar reads as length 1.
 */
const COLUMNS_QUERY = `
SELECT a.attname AS name,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
       tn.nspname AS type_schema,
       t.typname AS type_name,
       a.attnotnull AS not_null,
       a.atthasdef AS has_default,
       a.attgenerated <> '' AS generated,
       a.attidentity = 'a' AS identity_always,
       pg_catalog.array_position(i.indkey::int2[], a.attnum) AS key_position
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
  JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace
  LEFT JOIN pg_catalog.pg_index i ON i.indrelid = c.oid AND i.indisprimary
 WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')
 ORDER BY a.attnum`;

/** The columns of one table in table order, with their primary-key position; none when it does not exist. */
export async function readColumns(db: Queryable, ref: TableRef): Promise<ColumnRow[]> {
  return (await db.query<ColumnRow>(COLUMNS_QUERY, [ref.schema, ref.table])).rows;
}

/** The primary-key columns of `rows`, in key order. */
export const primaryKeyOf = (rows: readonly ColumnRow[]): string[] =>
  rows
    .filter((row) => row.key_position !== null)
    .sort((a, b) => (a.key_position ?? 0) - (b.key_position ?? 0))
    .map((row) => row.name);

/**
 * The ordinary and partitioned tables of every user schema (or of `schemas`), by schema and name.
 * The tools read the target (and the source) through this, so every schema the pipeline writes is
 * covered, not only `public`.
 */
export async function listTables(db: Queryable, schemas?: readonly string[]): Promise<TableRef[]> {
  const { rows } = await db.query<{ schema: string; table: string }>(
    `SELECT n.nspname AS schema, c.relname AS table
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
        AND ($1::text[] IS NULL OR n.nspname = ANY ($1::text[]))
      ORDER BY n.nspname, c.relname`,
    [schemas ?? null],
  );
  return rows;
}

/** Reads one table from pg_catalog, uncached. */
export async function readTable(db: Queryable, ref: TableRef): Promise<TableLookup> {
  const rows = await readColumns(db, ref);
  const sqlName = quoteTable(ref);
  if (rows.length === 0) {
    return {
      kind: 'refused',
      missing: true,
      reason:
        `target table ${sqlName} does not exist (or is not a table): ` +
        'create it in the target database, with a primary key (npm run add-table does), or route its topic elsewhere',
    };
  }
  const primaryKey = primaryKeyOf(rows);
  if (primaryKey.length === 0) {
    return {
      kind: 'refused',
      reason:
        `target table ${sqlName} has no primary key: the sink upserts and deletes by primary key, ` +
        `so add one (ALTER TABLE ${sqlName} ADD PRIMARY KEY (…), the source table's key columns)`,
    };
  }
  const columns = new Map<string, TargetColumn>(
    rows.map((row) => [
      row.name,
      {
        name: row.name,
        type: row.type,
        castType: `${pg.escapeIdentifier(row.type_schema)}.${pg.escapeIdentifier(row.type_name)}`,
        notNull: row.not_null,
        hasDefault: row.has_default,
        generated: row.generated,
        identityAlways: row.identity_always,
      },
    ]),
  );
  return { kind: 'found', table: { ref, sqlName, columns, primaryKey } };
}
