import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { type ColumnValue, type Row, UNAVAILABLE } from '../types.js';
import type { ConnectSchema } from './connect-schema.js';
import { type ConvertOptions, valueText } from './convert-value.js';
import { schemalessText } from './json-values.js';
import type { Json, JsonObject } from './parse-json.js';
import { isUnavailable, type PlaceholderForms } from './placeholder.js';

/** What converting a row needs besides the row: the value options and the placeholder's shapes. */
export interface RowOptions extends ConvertOptions {
  readonly placeholder: PlaceholderForms;
}

type Column = readonly [string, ColumnValue];

/** One column: the placeholder first (any type can carry it), then the schema's conversion. */
function column(
  path: string,
  name: string,
  schema: ConnectSchema | undefined,
  value: Json,
  options: RowOptions,
) {
  const converted: E.Either<string, ColumnValue> =
    value !== null && isUnavailable(schema, value, options.placeholder)
      ? E.right(UNAVAILABLE)
      : schema === undefined
        ? E.right(schemalessText(value))
        : E.mapLeft((why: string) => `${path}.${name}: ${why}`)(valueText(schema, value, options));
  return E.map((text: ColumnValue): Column => [name, text])(converted);
}

/** The fields of a struct schema by name; Left when the schema is not a struct of named fields. */
function structFields(
  schema: ConnectSchema,
  path: string,
): E.Either<string, ReadonlyMap<string, ConnectSchema>> {
  if (schema.type !== 'struct' || schema.fields === undefined)
    return E.left(`${path}: schema is not a struct`);
  const fields = new Map<string, ConnectSchema>();
  for (const field of schema.fields) {
    if (field.field === undefined) return E.left(`${path}: struct field without a name`);
    fields.set(field.field, field);
  }
  return E.right(fields);
}

/**
 * A row (or key) struct → column name → PostgreSQL text. With a schema, every field of the schema
 * is converted by its own schema, in schema order (a field missing from the payload is null), and
 * a payload column the schema does not know is a mismatch. Without one (schemas.enable=false),
 * values are converted by their JSON type alone. `path` names the struct in reasons (`after`, `key`).
 * Object.fromEntries makes own properties even of names like `__proto__`.
 */
export function convertRow(
  schema: ConnectSchema | undefined,
  payload: JsonObject,
  path: string,
  options: RowOptions,
): E.Either<string, Row> {
  const toRow = E.map((columns: readonly Column[]): Row => Object.fromEntries(columns));
  if (schema === undefined) {
    const columns = Object.entries(payload).map(([name, value]) =>
      column(path, name, undefined, value, options),
    );
    return toRow(E.sequenceArray(columns));
  }
  return pipe(
    structFields(schema, path),
    E.flatMap((fields) => {
      const unknown = Object.keys(payload).find((name) => !fields.has(name));
      if (unknown !== undefined) return E.left(`${path}.${unknown}: column not in the schema`);
      const columns = [...fields].map(([name, field]) =>
        column(path, name, field, Object.hasOwn(payload, name) ? (payload[name] ?? null) : null, options),
      );
      return toRow(E.sequenceArray(columns));
    }),
  );
}
