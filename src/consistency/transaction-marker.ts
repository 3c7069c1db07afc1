/**
 * The records of Debezium's transaction topic (`<prefix>.transaction`, written with
 * `provide.transaction.metadata=true`): a BEGIN and an END per source transaction, in commit order
 * (the PostgreSQL connector streams committed transactions one after the other). END says how many
 * changes the transaction made in each table, which is how the pipeline knows it holds all of them.
 *
 * Also: which transaction a record that could not be decoded belongs to, so that a dead-lettered
 * change still counts towards its transaction's END (else the transaction would wait forever).
 */
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { Int64, unwrap } from '../debezium/envelope.js';
import { isJsonObject, numberText, parseJson, type Json } from '../debezium/parse-json.js';
import { pathReport } from '../debezium/path-report.js';
import type { TransactionMarker, TransactionTally } from '../operators/assembleTransactions.js';
import type { Failure, KafkaOrigin, KafkaRecord } from '../types.js';

export type { TransactionMarker, TransactionTally } from '../operators/assembleTransactions.js';

/** The topic Debezium writes transaction boundaries to. */
export const transactionTopic = (topicPrefix: string): string => `${topicPrefix}.transaction`;

/**
 * Debezium's PostgreSQL connector names a transaction `<txId>:<lsn>` with the LSN of each event, so
 * its BEGIN, its changes and its END carry different ids (`1166:27631928`, `1166:27632160`,
 * `1166:27632440`): the transaction is the part before the colon.
 */
export const postgresTransactionKey = (id: string): string => {
  const colon = id.indexOf(':');
  return colon < 0 ? id : id.slice(0, colon);
};

const DataCollection = t.type({ data_collection: t.string, event_count: Int64 });

/** The value of a transaction-topic record. */
export const TransactionEvent = t.intersection([
  t.type({ status: t.keyof({ BEGIN: null, END: null }), id: t.string }),
  t.partial({
    event_count: t.union([Int64, t.null]),
    data_collections: t.union([t.array(DataCollection), t.null]),
  }),
]);
export type TransactionEvent = t.TypeOf<typeof TransactionEvent>;

/** A transaction-topic record → its marker, or a decode Failure naming what is wrong. */
export function decodeTransactionMarker(record: KafkaRecord): E.Either<Failure, TransactionMarker> {
  const origin: KafkaOrigin = { topic: record.topic, partition: record.partition, offset: record.offset };
  const fail = (reason: string): E.Either<Failure, TransactionMarker> =>
    E.left({
      kind: 'failure',
      stage: 'decode',
      reason: `transaction event: ${reason}`,
      detail: null,
      origin,
      record: { key: record.key, value: record.value },
    });
  if (record.value === null) return fail('no value');
  const parsed = parseJson(record.value.toString('utf8'));
  if (E.isLeft(parsed)) return fail('not valid JSON');
  const decoded = TransactionEvent.decode(unwrap(parsed.right).payload);
  if (E.isLeft(decoded)) return fail(`not a Debezium BEGIN/END event: ${pathReport(decoded.left)}`);
  const event = decoded.right;
  const counts = new Map<string, number>();
  for (const { data_collection, event_count } of event.data_collections ?? [])
    counts.set(data_collection, Number(numberText(event_count)));
  if (event.status === 'END' && event.data_collections == null)
    return fail(`END of ${event.id} without data_collections`);
  return E.right({ kind: event.status === 'BEGIN' ? 'begin' : 'end', id: event.id, counts, origin });
}

/**
 * The transaction and table of a record that failed to decode or route, read leniently from its
 * raw value; undefined when the value does not say (not JSON, no transaction block).
 */
export function tallyOf(failure: Failure): TransactionTally | undefined {
  const { value } = failure.record;
  if (value === null) return undefined;
  const parsed = parseJson(value.toString('utf8'));
  if (E.isLeft(parsed)) return undefined;
  const payload: Json = unwrap(parsed.right).payload;
  if (!isJsonObject(payload)) return undefined;
  const { transaction, source } = payload;
  if (!isJsonObject(transaction) || !isJsonObject(source)) return undefined;
  const { id } = transaction;
  const { schema, table } = source;
  if (typeof id !== 'string' || typeof schema !== 'string' || typeof table !== 'string') return undefined;
  return { kind: 'tally', id, collection: `${schema}.${table}` };
}
