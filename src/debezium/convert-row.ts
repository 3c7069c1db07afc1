import * as E from 'fp-ts/lib/Either.js';
import { type ColumnValue, type Row, UNAVAILABLE } from '../types.js';
import { type ConnectSchema, sourceColumnType } from './connect-schema.js';
import { type ConvertOptions, valueText } from './convert-value.js';
import { schemalessText } from './json-values.js';
import { NEVER_CARRIED } from './losses.js';
import type { Json, JsonObject } from './parse-json.js';
import { isUnavailable, type PlaceholderForms } from './placeholder.js';

/** What converting a row needs besides the row: the value options and the placeholder's shapes. */
export interface RowOptions extends ConvertOptions {
  readonly placeholder: PlaceholderForms;
  /**
   * Whether a null in a `name` column is refused: true for the rows of streamed changes from a
   * connector without `include.unknown.datatypes`, where Debezium sends null for every name.
   */
  readonly refuseNullNames: boolean;
}

/** One column: the placeholder first (any type can carry it), then the schema's conversion. */
function column(
  path: string,
  name: string,
  schema: ConnectSchema | undefined,
  value: Json,
  options: RowOptions,
): E.Either<string, ColumnValue> {
  if (value !== null && isUnavailable(schema, value, options.placeholder)) return E.right(UNAVAILABLE);
  if (schema === undefined) return E.right(schemalessText(value));
  if (value === null && options.refuseNullNames && sourceColumnType(schema) === 'NAME') {
    return E.left(`${path}.${name}: ${NEVER_CARRIED.streamedName}`);
  }
  const converted = valueText(schema, value, options);
  return E.isLeft(converted) ? E.left(`${path}.${name}: ${converted.left}`) : converted;
}

/** A struct schema's fields, by name for look-ups and as a list for the per-row loop. */
interface StructFields {
  readonly byName: ReadonlyMap<string, ConnectSchema>;
  /** In schema order: a row is converted by an indexed loop, no iterator or entry per column. */
  readonly names: readonly string[];
  readonly schemas: readonly ConnectSchema[];
}

/** Fields of struct schemas: decoded schemas are cached objects, so this is computed once each. */
const fieldMaps = new WeakMap<ConnectSchema, E.Either<string, StructFields>>();

/** The fields of a struct schema; Left when the schema is not a struct of named fields. */
function structFields(schema: ConnectSchema, path: string): E.Either<string, StructFields> {
  const known = fieldMaps.get(schema);
  if (known !== undefined) return known;
  let result: E.Either<string, StructFields>;
  if (schema.type !== 'struct' || schema.fields === undefined) {
    result = E.left(`${path}: schema is not a struct`);
  } else if (schema.fields.some((field) => field.field === undefined)) {
    result = E.left(`${path}: struct field without a name`);
  } else {
    const byName = new Map(schema.fields.map((field) => [field.field!, field] as const));
    result = E.right({ byName, names: [...byName.keys()], schemas: [...byName.values()] });
  }
  fieldMaps.set(schema, result);
  return result;
}

/**
 * A row (or key) struct → column name → PostgreSQL text. With a schema, every field of the schema
 * is converted by its own schema, in schema order (a field missing from the payload is null), and
 * a payload column the schema does not know is a mismatch. Without one (schemas.enable=false),
 * values are converted by their JSON type alone. `path` names the struct in reasons (`after`, `key`).
 * Every name becomes an own property, `__proto__` too (setColumn).
 *
 * This runs for every column of every change, so it is a plain loop that stops at the first Left
 * rather than a chain of Either combinators, and it fills the row in place.
 */
export function convertRow(
  schema: ConnectSchema | undefined,
  payload: JsonObject,
  path: string,
  options: RowOptions,
): E.Either<string, Row> {
  const row: Record<string, ColumnValue> = {};
  if (schema === undefined) {
    for (const name of Object.keys(payload)) {
      const value = column(path, name, undefined, payload[name] ?? null, options);
      if (E.isLeft(value)) return value;
      setColumn(row, name, value.right);
    }
    return E.right(row);
  }
  const fields = structFields(schema, path);
  if (E.isLeft(fields)) return fields;
  const { byName, names, schemas } = fields.right;
  // for-in rather than Object.keys: no array of names per row (JSON.parse builds plain objects).
  for (const name in payload) {
    if (Object.hasOwn(payload, name) && !byName.has(name))
      return E.left(`${path}.${name}: column not in the schema`);
  }
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const raw = Object.hasOwn(payload, name) ? (payload[name] ?? null) : null;
    const value = column(path, name, schemas[i]!, raw, options);
    if (E.isLeft(value)) return value;
    setColumn(row, name, value.right);
  }
  return E.right(row);
}

/**
 * Sets a column as an own data property, as Object.fromEntries would: a plain assignment to
 * `__proto__` would set the row's prototype instead.
 */
function setColumn(row: Record<string, ColumnValue>, name: string, value: ColumnValue): void {
  if (name === '__proto__')
    Object.defineProperty(row, name, { value, enumerable: true, writable: true, configurable: true });
  else row[name] = value;
}
