import * as t from 'io-ts';

/**
 * The Kafka Connect schema as JsonConverter writes it beside each payload when
 * `schemas.enable=true` (`JsonConverter.asJsonSchema`): a primitive or container `type`, an
 * optional logical-type `name` (with `version` and string `parameters`), and for containers the
 * schemas of their parts. A struct field's schema carries the field's name in `field`.
 */

/**
 * Kafka Connect's schema types as JsonConverter writes them: `Schema.Type` lower-cased, except
 * FLOAT32 and FLOAT64, which it writes `float` and `double` (JsonSchema.FLOAT_TYPE_NAME,
 * DOUBLE_TYPE_NAME: every real and double precision column). `float32`/`float64`, the enum's own
 * names, are read too.
 */
export const ConnectType = t.keyof({
  int8: null,
  int16: null,
  int32: null,
  int64: null,
  float: null,
  double: null,
  float32: null,
  float64: null,
  boolean: null,
  string: null,
  bytes: null,
  array: null,
  map: null,
  struct: null,
});
export type ConnectType = t.TypeOf<typeof ConnectType>;

export interface ConnectSchema {
  readonly type: ConnectType;
  readonly optional?: boolean | undefined;
  /** Logical type, e.g. `org.apache.kafka.connect.data.Decimal`, `io.debezium.time.MicroTimestamp`. */
  readonly name?: string | undefined;
  readonly version?: number | undefined;
  readonly doc?: string | undefined;
  /** Logical-type parameters; JsonConverter writes every value as a string (`"scale": "2"`). */
  readonly parameters?: Readonly<Record<string, string>> | undefined;
  /** The field name, on the schema of a struct's field. */
  readonly field?: string | undefined;
  /** struct: its fields, in order. */
  readonly fields?: readonly ConnectSchema[] | undefined;
  /** array: the element schema. */
  readonly items?: ConnectSchema | undefined;
  /** map: the key and value schemas. */
  readonly keys?: ConnectSchema | undefined;
  readonly values?: ConnectSchema | undefined;
}

export const ConnectSchema: t.Type<ConnectSchema> = t.recursion('ConnectSchema', () =>
  t.intersection([
    t.type({ type: ConnectType }),
    t.partial({
      optional: t.boolean,
      name: t.string,
      version: t.number,
      doc: t.string,
      parameters: t.record(t.string, t.string),
      field: t.string,
      fields: t.readonlyArray(ConnectSchema),
      items: ConnectSchema,
      keys: ConnectSchema,
      values: ConnectSchema,
    }),
  ]),
);

/** The schema of the struct field called `name`, if the struct has one. */
export const fieldSchema = (struct: ConnectSchema, name: string): ConnectSchema | undefined =>
  struct.fields?.find((field) => field.field === name);

/**
 * Debezium's `column.propagate.source.type` / `datatype.propagate.source.type` put the source
 * column's type name here (e.g. `BYTEA`, `NUMERIC`, `BIT`). When present it disambiguates
 * encodings the Connect type alone cannot tell apart.
 */
export const SOURCE_COLUMN_TYPE_PARAMETER = '__debezium.source.column.type';

/** The source column type propagated by Debezium, upper-cased, if the connector was told to. */
export const sourceColumnType = (schema: ConnectSchema): string | undefined =>
  schema.parameters?.[SOURCE_COLUMN_TYPE_PARAMETER]?.toUpperCase();
