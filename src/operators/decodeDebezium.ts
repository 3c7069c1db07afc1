import type { Either } from 'fp-ts/lib/Either.js';
import { map, type OperatorFunction } from 'rxjs';
import { type DecodeOptions, recordDecoder } from '../debezium/decode-record.js';
import type { Decoded, Failure, KafkaRecord } from '../types.js';

export type { DecodeOptions } from '../debezium/decode-record.js';

/**
 * Decodes Debezium JSON change events (Kafka Connect JsonConverter, with or without
 * `schemas.enable`) into ChangeEvents whose values are PostgreSQL text.
 *
 * One output per input, in order: `right(ChangeEvent)`, `right(Skipped)` for a tombstone, a
 * heartbeat or a logical decoding message, or `left(Failure)` (stage `decode`) for a record that
 * is not a well-formed change event, with the reason and the raw key and value, for the dead-letter
 * side. Never errors because of a record and never drops one, so every offset can be committed.
 * Errors and completion of the source pass through untouched.
 *
 * The decoder is pure and holds no state, so the operator can be subscribed any number of times.
 */
export function decodeDebezium(
  options: DecodeOptions = {},
): OperatorFunction<KafkaRecord, Either<Failure, Decoded>> {
  return map(recordDecoder(options));
}
