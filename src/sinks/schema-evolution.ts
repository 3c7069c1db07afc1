/**
 * Target tables the sink makes itself (PIPELINE_SCHEMA_EVOLUTION, issue 12): a missing table is
 * created, and under 'create-and-add-columns' a column an event has and the table lacks is added,
 * each from the event's Connect schema with the propagated source types (connect-columns.ts). Nothing
 * is ever dropped, narrowed or retyped. Like Debezium's JDBC sink (schema.evolution=basic) and
 * Confluent's (auto.create, auto.evolve), but with the source's exact types.
 *
 * Names from events are quoted, never pasted; type names are looked up in the target's pg_type and
 * written as the catalog spells them; modifiers are whole numbers. DDL runs as one implicit
 * transaction holding an advisory lock on the table's name, so two lanes (or two pipelines) that
 * find the table missing at once create it once.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { SCHEMA_EVOLUTION_MODES } from '../defaults.js';
import { ConnectSchema } from '../debezium/connect-schema.js';
import type { RawRecord, RoutedChange, TableRef } from '../types.js';
import { columnSpec, rowSchemaOf, type ColumnSpec } from './connect-columns.js';
import type { Queryable } from './pool.js';

export type SchemaEvolution = (typeof SCHEMA_EVOLUTION_MODES)[number];

/** What an event's record says about its table: the key columns in order and the row's fields. */
interface RecordSchemas {
  readonly key: readonly string[];
  readonly fields: readonly ConnectSchema[];
}

const parsedSchema = (bytes: Buffer | null): ConnectSchema | undefined => {
  if (bytes === null) return undefined;
  try {
    const schema: unknown = (JSON.parse(bytes.toString('utf8')) as { schema?: unknown }).schema;
    return ConnectSchema.is(schema) ? schema : undefined;
  } catch {
    return undefined; // Not JSON with a schema: this record says nothing about its table.
  }
};

/** The schemas a record carries (JsonConverter with schemas.enable=true), parsed from its bytes. */
function schemasOf(record: RawRecord): RecordSchemas | undefined {
  const envelope = parsedSchema(record.value);
  const row = envelope && rowSchemaOf(envelope);
  if (row?.fields === undefined) return undefined;
  const key = parsedSchema(record.key)?.fields?.map((field) => field.field ?? '') ?? [];
  return { key, fields: row.fields };
}

/** The first record of `changes` that carries its row's schema. */
function firstSchemas(changes: readonly RoutedChange[]): RecordSchemas | undefined {
  for (const change of changes) {
    const schemas = schemasOf(change.record);
    if (schemas !== undefined) return schemas;
  }
  return undefined;
}

/**
 * Each type name as the target's catalog spells it, quoted: pg_catalog first, then the table's
 * schema, then the search path. A type of that name in some other schema is not taken: the event
 * does not say the source type's schema, and a same-named type elsewhere may be another type.
 */
async function resolveTypes(
  db: Queryable,
  names: readonly string[],
  schema: string,
): Promise<Map<string, string>> {
  const { rows } = await db.query<{ schema: string; name: string }>(
    `SELECT DISTINCT ON (t.typname) n.nspname AS schema, t.typname AS name
       FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
      WHERE t.typname = ANY ($1::text[])
        AND (n.nspname = $2 OR n.nspname = ANY (pg_catalog.current_schemas(true)))
      ORDER BY t.typname, n.nspname <> 'pg_catalog', n.nspname <> $2,
               pg_catalog.array_position(pg_catalog.current_schemas(true), n.nspname)`,
    [[...new Set(names)], schema],
  );
  return new Map(
    rows.map((row) => [row.name, `${pg.escapeIdentifier(row.schema)}.${pg.escapeIdentifier(row.name)}`]),
  );
}

/**
 * Creates the enums the target lacks, in the table's schema (the event does not say the type's),
 * with the labels the event lists, in order. Under the lock, a type made meanwhile is not made again.
 */
async function createEnums(db: Queryable, schema: string, specs: readonly ColumnSpec[]): Promise<void> {
  const created = new Set<string>();
  const statements: string[] = [];
  for (const spec of specs) {
    if (created.has(spec.typeName)) continue;
    created.add(spec.typeName);
    const labels = (spec.enumLabels ?? []).map((label) => pg.escapeLiteral(label)).join(', ');
    const type = `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(spec.typeName)}`;
    const create = `CREATE TYPE ${type} AS ENUM (${labels})`;
    // A DO block, so that a type made meanwhile by another pipeline is no error; its dollar-quote
    // tag is one the statement does not contain, so no label can end the block early.
    let tag = `$enum${randomBytes(6).toString('hex')}$`;
    while (create.includes(tag)) tag = `$enum${randomBytes(6).toString('hex')}$`;
    statements.push(`DO ${tag} BEGIN ${create}; EXCEPTION WHEN duplicate_object THEN NULL; END ${tag}`);
  }
  await db.query(
    [
      lockSql({ schema, table: '' }),
      `CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(schema)}`,
      ...statements,
    ].join(';\n'),
  );
}

/** `"price" "pg_catalog"."numeric"(10,2) NOT NULL`. interval's precision needs its keyword form. */
export function columnSql(spec: ColumnSpec, type: string, { notNull }: { notNull: boolean }): string {
  const modifier = spec.modifier.length > 0 ? `(${spec.modifier.join(',')})` : '';
  const typed =
    spec.typeName === 'interval' && modifier !== '' ? `interval${modifier}` : `${type}${modifier}`;
  return `${pg.escapeIdentifier(spec.name)} ${typed}${spec.array ? '[]' : ''}${notNull ? ' NOT NULL' : ''}`;
}

/** The specs of `fields` (or of those named in `only`) with their SQL, or the reason one cannot be made. */
async function columnsSql(
  db: Queryable,
  ref: TableRef,
  fields: readonly ConnectSchema[],
  { only, notNull }: { only?: ReadonlySet<string>; notNull: boolean },
): Promise<string[] | string> {
  const specs: ColumnSpec[] = [];
  for (const field of fields) {
    if (only !== undefined && !only.has(field.field ?? '')) continue;
    const spec = columnSpec(field);
    if (typeof spec === 'string') return spec;
    specs.push(spec);
  }
  const names = specs.map((spec) => spec.typeName);
  let types = await resolveTypes(db, names, ref.schema);
  const enums = specs.filter((spec) => spec.enumLabels !== undefined && !types.has(spec.typeName));
  if (enums.length > 0) {
    await createEnums(db, ref.schema, enums);
    types = await resolveTypes(db, names, ref.schema);
  }
  const missing = specs.find((spec) => !types.has(spec.typeName));
  if (missing !== undefined) {
    return (
      `column "${missing.name}" has type ${missing.typeName}, which the target database does not have: ` +
      'create the type there (CREATE TYPE, or CREATE EXTENSION for an extension type)'
    );
  }
  return specs.map((spec) =>
    columnSql(spec, types.get(spec.typeName)!, { notNull: notNull && spec.notNull }),
  );
}

const lockSql = (ref: TableRef): string =>
  `SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext(${pg.escapeLiteral(JSON.stringify([ref.schema, ref.table]))}))`;
const quoted = (ref: TableRef): string =>
  `${pg.escapeIdentifier(ref.schema)}.${pg.escapeIdentifier(ref.table)}`;

/**
 * Creates the table (and its schema) the changes are for, with the source's columns and types,
 * NOT NULL where the source has it, its primary key, and the sink's sync-time column.
 *
 * @returns undefined when the table exists afterwards, else why it could not be made.
 */
export async function createTable(
  db: Queryable,
  ref: TableRef,
  changes: readonly RoutedChange[],
  { syncedAtColumn }: { syncedAtColumn: string },
): Promise<string | undefined> {
  const schemas = firstSchemas(changes);
  if (schemas === undefined)
    return 'no change of it carries its row schema (JsonConverter schemas.enable=true)';
  if (schemas.key.length === 0)
    return 'its changes have no record key, so the source table has no primary key to give it';
  const columns = await columnsSql(db, ref, schemas.fields, { notNull: true });
  if (typeof columns === 'string') return columns;
  const names = new Set(schemas.fields.map((field) => field.field));
  const synced = names.has(syncedAtColumn)
    ? []
    : [`${pg.escapeIdentifier(syncedAtColumn)} timestamptz NOT NULL DEFAULT now()`];
  const schemaExists = await db.query('SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1', [
    ref.schema,
  ]);
  await db.query(
    [
      lockSql(ref),
      // CREATE SCHEMA needs CREATE on the database even when the schema exists: only when missing.
      ...(schemaExists.rowCount === 0
        ? [`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(ref.schema)}`]
        : []),
      `CREATE TABLE IF NOT EXISTS ${quoted(ref)} (${[
        ...columns,
        ...synced,
        `PRIMARY KEY (${schemas.key.map(pg.escapeIdentifier).join(', ')})`,
      ].join(', ')})`,
    ].join(';\n'),
  );
  return undefined;
}

/**
 * Adds `columns` to the table, each as an event of `changes` declares it, always nullable (the rows
 * already there have no value for it). A column no change declares is left out.
 *
 * @returns the columns added, or why they could not be.
 */
export async function addColumns(
  db: Queryable,
  ref: TableRef,
  columns: readonly string[],
  changes: readonly RoutedChange[],
): Promise<string[] | string> {
  const wanted = new Set(columns);
  const found = new Map<string, ConnectSchema>();
  for (const change of changes) {
    if (found.size === wanted.size) break;
    if (
      change.after === null ||
      !Object.keys(change.after).some((name) => wanted.has(name) && !found.has(name))
    )
      continue;
    for (const field of schemasOf(change.record)?.fields ?? []) {
      if (field.field !== undefined && wanted.has(field.field)) found.set(field.field, field);
    }
  }
  if (found.size === 0) return 'no change carries the schema of the new columns';
  const sql = await columnsSql(db, ref, [...found.values()], { notNull: false });
  if (typeof sql === 'string') return sql;
  await db.query(
    [
      lockSql(ref),
      ...sql.map((column) => `ALTER TABLE ${quoted(ref)} ADD COLUMN IF NOT EXISTS ${column}`),
    ].join(';\n'),
  );
  return [...found.keys()];
}
