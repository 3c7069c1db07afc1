import * as t from 'io-ts';
import { ConnectSchema } from './connect-schema.js';
import { allocationFreeGuard } from './guard.js';
import { ExactNumber, type Json, type JsonObject, isJsonObject } from './parse-json.js';

/**
 * io-ts codecs for what Debezium's PostgreSQL connector (3.x) writes through Kafka Connect's
 * JsonConverter: the change-event envelope (`before`, `after`, `source`, `op`, `ts_ms`,
 * `transaction`) and the record key, either bare (`schemas.enable=false`) or inside the
 * `{schema, payload}` wrapper (`schemas.enable=true`). Rows stay raw JSON here: their values are
 * converted column by column against the Connect schema (convert-row.ts).
 */

const isInt64Text = (text: string): boolean => /^-?\d+$/.test(text);

/** A Connect int64 as parsed losslessly: a safe integer, or an ExactNumber of integer digits. */
const isInt64 = (u: unknown): u is number | ExactNumber =>
  (typeof u === 'number' && Number.isInteger(u)) || (u instanceof ExactNumber && isInt64Text(u.text));
export const Int64 = new t.Type<number | ExactNumber, number | ExactNumber, unknown>(
  'Int64',
  isInt64,
  (u, c) => (isInt64(u) ? t.success(u) : t.failure(u, c)),
  t.identity,
);
export type Int64 = t.TypeOf<typeof Int64>;

/** A JSON object taken as is (a row or a key struct), converted later against its schema. */
export const JsonStruct = new t.Type<JsonObject, JsonObject, unknown>(
  'Struct',
  (u): u is JsonObject => isJsonObject(u as Json),
  (u, c) => (isJsonObject(u as Json) ? t.success(u as JsonObject) : t.failure(u, c)),
  t.identity,
);

/** Debezium op codes: the row changes, plus `m` for a logical decoding message (`pg_logical_emit_message`). */
export const EnvelopeOp = t.keyof({ c: null, u: null, d: null, r: null, t: null, m: null });
export type EnvelopeOp = t.TypeOf<typeof EnvelopeOp>;

/**
 * `source` block of the PostgreSQL connector. Only the fields the pipeline reads are required;
 * the rest are checked when present (Debezium always sends them; other versions may add more).
 */
export const Source = t.intersection([
  t.type({ ts_ms: Int64, schema: t.string, table: t.string }),
  t.partial({
    version: t.string,
    connector: t.string,
    name: t.string,
    ts_us: t.union([Int64, t.null]),
    ts_ns: t.union([Int64, t.null]),
    // An io.debezium.data.Enum string: "true", "first", "first_in_data_collection",
    // "last_in_data_collection", "last", "false", "incremental"; optional in the schema.
    snapshot: t.union([t.string, t.null]),
    db: t.string,
    // JSON text of [last committed LSN, current LSN], both as strings.
    sequence: t.union([t.string, t.null]),
    txId: t.union([Int64, t.null]),
    lsn: t.union([Int64, t.null]),
    xmin: t.union([Int64, t.null]),
  }),
]);
export type Source = t.TypeOf<typeof Source>;

/** Transaction metadata block (`provide.transaction.metadata=true`). */
export const Transaction = t.intersection([
  t.type({ id: t.string }),
  t.partial({ total_order: Int64, data_collection_order: Int64 }),
]);
export type Transaction = t.TypeOf<typeof Transaction>;

/** The value of a row-change record. Truncate events carry neither `before` nor `after`. */
export const ChangeEnvelope = t.intersection([
  t.type({ op: EnvelopeOp, source: Source }),
  t.partial({
    before: t.union([JsonStruct, t.null]),
    after: t.union([JsonStruct, t.null]),
    ts_ms: t.union([Int64, t.null]),
    ts_us: t.union([Int64, t.null]),
    ts_ns: t.union([Int64, t.null]),
    transaction: t.union([Transaction, t.null]),
  }),
]);
export type ChangeEnvelope = t.TypeOf<typeof ChangeEnvelope>;

/** `ChangeEnvelope.is`, without io-ts's closure per union member: it runs for every change (guard.ts). */
export const isChangeEnvelope = allocationFreeGuard(ChangeEnvelope);

/** A logical decoding message event (`op: "m"`): only its op is looked at, to skip it. */
export const MessageEnvelope = t.type({ op: t.literal('m') });
export type MessageEnvelope = t.TypeOf<typeof MessageEnvelope>;

/** The JsonConverter wrapper written when `schemas.enable=true`; `schema` is null for a null schema. */
export const SchemaWrapper = t.exact(
  t.type({ schema: t.union([ConnectSchema, t.null]), payload: t.unknown }),
);
export type SchemaWrapper = t.TypeOf<typeof SchemaWrapper>;

/** A message with its Connect schema when it came wrapped, `undefined` when schema-less. */
export interface Unwrapped {
  readonly schema: ConnectSchema | undefined;
  readonly payload: Json;
}

/**
 * Takes the JsonConverter wrapper off when there is one. The wrapper is recognised by its exact
 * shape: an object with just the keys `schema` and `payload`, `schema` being a Connect schema or
 * null. (A bare key whose only two columns are named `schema` and `payload`, the first holding a
 * Connect-schema-shaped JSON value, would be mistaken for a wrapper; no real table looks like that.)
 */
export function unwrap(json: Json): Unwrapped {
  if (!isJsonObject(json)) return { schema: undefined, payload: json };
  const keys = Object.keys(json);
  const wrapped = keys.length === 2 && 'schema' in json && 'payload' in json && SchemaWrapper.is(json);
  if (!wrapped) return { schema: undefined, payload: json };
  return {
    schema: json.schema === null ? undefined : (json.schema as ConnectSchema),
    payload: json.payload as Json,
  };
}

/**
 * True for a heartbeat (`heartbeat.interval.ms`, topic `__debezium-heartbeat.<prefix>`): a value
 * holding nothing but `ts_ms`, schema `io.debezium.connector.common.Heartbeat`.
 */
export const isHeartbeat = (payload: Json): boolean =>
  isJsonObject(payload) && hasOneKey(payload) && Int64.is(payload['ts_ms']);

/** Whether an object has exactly one own key; stops at the second (no key array per message). */
function hasOneKey(object: JsonObject): boolean {
  let keys = 0;
  for (const key in object) {
    if (Object.hasOwn(object, key) && ++keys > 1) return false;
  }
  return keys === 1;
}
