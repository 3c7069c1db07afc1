import * as E from 'fp-ts/lib/Either.js';
import type {
  ChangeEvent,
  Decoded,
  Failure,
  KafkaOrigin,
  KafkaRecord,
  Op,
  Row,
  SourcePosition,
  TransactionRef,
} from '../types.js';
import { type ConnectSchema, fieldSchema } from './connect-schema.js';
import { type BinaryHandlingMode } from './convert-value.js';
import { convertRow, type RowOptions } from './convert-row.js';
import { ChangeEnvelope, type Int64, isChangeEnvelope, isHeartbeat, MessageEnvelope } from './envelope.js';
import { kindOf } from './json-values.js';
import { disagreeingKeyColumn } from './key-agreement.js';
import { isJsonObject, type Json, numberText } from './parse-json.js';
import { createSchemaCache, parseWrapped, type SchemaCache } from './parse-wrapped.js';
import { keepBytes, SharedSchemaRecord } from './shared-schema-record.js';
import { DEBEZIUM_LOSSES, type DebeziumLoss } from './losses.js';
import { pathReport } from './path-report.js';
import { DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER, placeholderForms } from './placeholder.js';

/** How the connector was configured, where the messages alone cannot tell. */
export interface DecodeOptions {
  /** The connector's `unavailable.value.placeholder`; default `__debezium_unavailable_value`. */
  readonly unavailableValuePlaceholder?: string;
  /**
   * The connector's `binary.handling.mode`; default `bytes`. Other modes only decode bytea columns
   * whose source type is propagated (`column.propagate.source.type`): see convert-value.ts.
   */
  readonly binaryHandlingMode?: BinaryHandlingMode;
  /**
   * Which before-images to decode: `all` (default), or `deletes` only. Applying changes needs the
   * before-image of a delete alone (creates and updates are applied from `after`); with REPLICA
   * IDENTITY FULL every update carries the whole old row, and skipping it halves the conversion
   * work. With `deletes`, `before` of a create, read or update is null, as under the default
   * replica identity.
   */
  readonly beforeImages?: 'all' | 'deletes';
  /**
   * Debezium losses whose lossy form is written (see losses.ts and docs/data-fidelity.md); by
   * default none: a value Debezium could not carry exactly makes the change a decode Failure.
   */
  readonly acceptLosses?: readonly DebeziumLoss[];
  /**
   * The connector's `include.unknown.datatypes`; default false, as Debezium's. Without it Debezium
   * streams every `name` value as null, so a null there is refused rather than written as NULL.
   */
  readonly includeUnknownDatatypes?: boolean;
}

/** The row options for each kind of row: a snapshot read's, a streamed change's, a before-image. */
interface RowOptionSet {
  /** `after` of a read (op r): Debezium read it over JDBC, where name values arrive. */
  readonly read: RowOptions;
  /** `after` of a streamed change and the key. */
  readonly streamed: RowOptions;
  /** Before-images: never written (a delete needs their key columns alone), so nothing is refused. */
  readonly before: RowOptions;
}

/** A record decoder: one Kafka record to a change, a skip, or a decode failure. Never throws. */
export type RecordDecoder = (record: KafkaRecord) => E.Either<Failure, Decoded>;

const originOf = ({ topic, partition, offset, epoch }: KafkaRecord): KafkaOrigin =>
  epoch === undefined ? { topic, partition, offset } : { topic, partition, offset, epoch };

const int64Text = (n: Int64 | null | undefined): string | null =>
  n === null || n === undefined ? null : numberText(n);

/** The JSON parser's complaint without the excerpt of the text V8 quotes (it may hold row values). */
const notJson = (what: string, message: string): string => {
  const position = /position (\d+)/.exec(message)?.[1];
  return `${what} is not valid JSON${position === undefined ? '' : ` (at position ${position})`}`;
};

/** An op's row must be there: c/r/u carry the new row in `after`, d the old one in `before`. */
const ROW_REQUIRED: Readonly<Record<Op, 'before' | 'after' | null>> = {
  c: 'after',
  r: 'after',
  u: 'after',
  d: 'before',
  t: null,
};

function decodeRow(
  envelopeSchema: ConnectSchema | undefined,
  row: Json | undefined,
  name: 'before' | 'after',
  options: RowOptions,
) {
  if (row === null || row === undefined) return E.right(null);
  if (!isJsonObject(row)) return E.left(`${name}: expected a struct, got ${kindOf(row)}`);
  const schema = envelopeSchema === undefined ? undefined : fieldSchema(envelopeSchema, name);
  if (envelopeSchema !== undefined && schema === undefined) return E.left(`schema has no "${name}" field`);
  return convertRow(schema, row, name, options);
}

/** A decoded key, and the cached schema text it was split at (see shared-schema-record.ts). */
interface DecodedKey {
  readonly row: Row;
  readonly schemaText?: Buffer;
}

function decodeKey(
  key: Buffer | null,
  op: Op,
  options: RowOptions,
  schemas: SchemaCache,
): E.Either<string, DecodedKey> {
  // Truncate events have no key: they are about the whole table.
  if (op === 't') return E.right({ row: {} });
  if (key === null)
    return E.left(`op "${op}" record has no key (a table without a primary key or replica identity?)`);
  // Early returns rather than pipe(mapLeft, flatMap): this runs for every record.
  const parsed = parseWrapped(key, schemas);
  if (E.isLeft(parsed)) return E.left(notJson('key', parsed.left));
  const { schema, payload, schemaText } = parsed.right;
  if (!isJsonObject(payload)) return E.left(`key: expected a struct, got ${kindOf(payload)}`);
  const row = convertRow(schema, payload, 'key', options);
  return E.isLeft(row) ? row : E.right({ row: row.right, schemaText });
}

function sourcePosition({ source }: ChangeEnvelope): SourcePosition {
  return {
    schema: source.schema,
    table: source.table,
    lsn: int64Text(source.lsn),
    txId: int64Text(source.txId),
    tsMs: Number(numberText(source.ts_ms)),
    snapshot: source.snapshot ?? 'false',
    sequence: source.sequence ?? null,
  };
}

function transactionRef({ transaction }: ChangeEnvelope): TransactionRef | null {
  if (transaction === null || transaction === undefined) return null;
  return { id: transaction.id, totalOrder: Number(int64Text(transaction.total_order) ?? 0) };
}

/** The value of a non-tombstone record → a change or a skip; Left is the reason. */
function decodeValue(
  record: KafkaRecord,
  origin: KafkaOrigin,
  value: Buffer,
  options: RowOptionSet,
  schemas: SchemaCache,
  allBeforeImages: boolean,
): E.Either<string, Decoded> {
  const parsed = parseWrapped(value, schemas);
  if (E.isLeft(parsed)) return E.left(notJson('value', parsed.left));
  const { schema, payload, schemaText } = parsed.right;
  if (isHeartbeat(payload)) return E.right({ kind: 'skipped', reason: 'heartbeat', origin });
  if (MessageEnvelope.is(payload)) return E.right({ kind: 'skipped', reason: 'message', origin });
  // `is` first: every codec of the envelope is the identity on valid input, and `is` builds no
  // validation report; `decode` runs only for a record that fails, to say why.
  let change: ChangeEnvelope;
  if (isChangeEnvelope(payload)) {
    change = payload;
  } else {
    const envelope = ChangeEnvelope.decode(payload);
    if (E.isLeft(envelope)) return E.left(`not a Debezium change event: ${pathReport(envelope.left)}`);
    change = envelope.right;
  }
  const op = change.op as Op; // 'm' was skipped above
  const required = ROW_REQUIRED[op];
  if (required !== null && !isJsonObject(change[required] ?? null))
    return E.left(`op "${op}" without "${required}"`);
  // Plain early returns rather than E.Do/apS: this runs for every record.
  const before =
    allBeforeImages || op === 'd'
      ? decodeRow(schema, change.before, 'before', options.before)
      : E.right(null);
  if (E.isLeft(before)) return before;
  const after = decodeRow(schema, change.after, 'after', op === 'r' ? options.read : options.streamed);
  if (E.isLeft(after)) return after;
  const key = decodeKey(record.key, op, options.streamed, schemas);
  if (E.isLeft(key)) return key;
  const image = required === 'before' ? before.right : after.right;
  const disagreeing = image === null ? undefined : disagreeingKeyColumn(key.right.row, image);
  if (disagreeing !== undefined)
    return E.left(
      `key column "${disagreeing}" disagrees with "${required}": the record key and value name different rows`,
    );
  const event: ChangeEvent = {
    kind: 'change',
    op,
    key: key.right.row,
    before: before.right,
    after: after.right,
    source: sourcePosition(change),
    transaction: transactionRef(change),
    origin,
    record: new SharedSchemaRecord(keepBytes(record.key, key.right.schemaText), keepBytes(value, schemaText)),
    sizeBytes: (record.key?.length ?? 0) + value.length,
  };
  return E.right(event);
}

/**
 * Prepares a decoder for the given connector settings. A tombstone (null value, sent after each
 * delete for log compaction) is skipped; a heartbeat or a logical decoding message (op `m`) is
 * skipped too; anything that is not a well-formed change event is a decode Failure carrying the
 * reason and the raw key and value. Nothing throws: an unexpected exception is a Failure as well.
 */
export function recordDecoder(options: DecodeOptions = {}): RecordDecoder {
  const allBeforeImages = (options.beforeImages ?? 'all') === 'all';
  const read: RowOptions = {
    binaryHandlingMode: options.binaryHandlingMode ?? 'bytes',
    placeholder: placeholderForms(
      options.unavailableValuePlaceholder ?? DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER,
    ),
    acceptLosses: new Set(options.acceptLosses),
    refuseNeverCarried: true,
    refuseNullNames: false,
  };
  const rowOptions: RowOptionSet = {
    read,
    streamed: { ...read, refuseNullNames: options.includeUnknownDatatypes !== true },
    before: { ...read, acceptLosses: new Set(DEBEZIUM_LOSSES), refuseNeverCarried: false },
  };
  // Decoded Connect schemas by their text: a pure memo, safe to share between subscriptions.
  const schemas = createSchemaCache();
  return (record) => {
    const origin = originOf(record);
    const { value } = record;
    if (value === null) return E.right({ kind: 'skipped', reason: 'tombstone', origin });
    try {
      const decoded = decodeValue(record, origin, value, rowOptions, schemas, allBeforeImages);
      return E.isLeft(decoded) ? E.left(decodeFailure(record, origin, value, decoded.left)) : decoded;
    } catch (error) {
      // The exception's text may quote the record: it goes to the stored detail, not the reason.
      return E.left(
        decodeFailure(
          record,
          origin,
          value,
          'unexpected error while decoding (the dead letter holds its message)',
          error instanceof Error ? error.message : String(error),
        ),
      );
    }
  };
}

/** A record that is not a well-formed change event, with its raw key and value for the dead letter. */
const decodeFailure = (
  record: KafkaRecord,
  origin: KafkaOrigin,
  value: Buffer,
  reason: string,
  detail: string | null = null,
): Failure => ({
  kind: 'failure',
  stage: 'decode',
  reason,
  detail,
  origin,
  record: { key: record.key, value },
});

/** Decodes one Kafka record (see recordDecoder); for use outside RxJS. */
export const decodeRecord = (record: KafkaRecord, options: DecodeOptions = {}): E.Either<Failure, Decoded> =>
  recordDecoder(options)(record);
