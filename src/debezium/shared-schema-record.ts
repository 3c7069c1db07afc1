/**
 * The bytes of a decoded record, kept for its dead letter without a copy of its Connect schema.
 *
 * A change keeps the exact bytes Kafka delivered until it is flushed, so that a change the target
 * refuses is dead-lettered as it came. JsonConverter repeats the table's whole schema in every
 * message: in the bench it is 82% of a value (2,335 of 2,838 bytes) and nearly all of a key. The
 * schema cache of parse-wrapped.ts already holds each schema's bytes once, so a change holds its
 * payload's own bytes and a reference to that shared schema. That also frees the fetched response
 * its bytes were sliced from, which every slice would otherwise keep whole. With 20,000 records in
 * flight that is about 50 MB less at the peak of a drain.
 *
 * The exact bytes are put together again only when read (a dead letter, schema evolution): rare.
 */
import type { RawRecord } from '../types.js';
import { PAYLOAD_KEY, SCHEMA_PREFIX } from './parse-wrapped.js';

const CLOSING_BRACE = Buffer.from('}');

/** A JsonConverter message without its schema: the cached schema's text and the payload's bytes. */
class SplitMessage {
  constructor(
    /** The schema's text from its `{` to its `}`, shared with the schema cache. */
    readonly schemaText: Buffer,
    /** The payload's bytes, copied: a slice would keep the whole fetched response alive. */
    readonly payload: Buffer,
  ) {}

  /** The message exactly as it was: `{"schema":` schema `,"payload":` payload `}`. */
  bytes(): Buffer {
    return Buffer.concat([SCHEMA_PREFIX, this.schemaText, PAYLOAD_KEY, this.payload, CLOSING_BRACE]);
  }
}

/** A key or value as kept: whole, or split from its shared schema. */
export type KeptBytes = Buffer | SplitMessage | null;

/**
 * Splits `message` at its payload when it starts with `schemaText` (the schema parseWrapped found
 * it to carry); otherwise keeps it whole. Keeping it whole is always correct, only larger.
 */
export function keepBytes(message: Buffer | null, schemaText: Buffer | undefined): KeptBytes {
  if (message === null || schemaText === undefined) return message;
  const payloadStart = SCHEMA_PREFIX.length + schemaText.length + PAYLOAD_KEY.length;
  return new SplitMessage(schemaText, Buffer.from(message.subarray(payloadStart, message.length - 1)));
}

const wholeBytes = (kept: KeptBytes): Buffer | null => (kept instanceof SplitMessage ? kept.bytes() : kept);

/** A RawRecord whose key and value are rebuilt from the kept parts when read. */
export class SharedSchemaRecord implements RawRecord {
  constructor(
    private readonly keptKey: KeptBytes,
    private readonly keptValue: KeptBytes,
  ) {}

  get key(): Buffer | null {
    return wholeBytes(this.keptKey);
  }

  get value(): Buffer | null {
    return wholeBytes(this.keptValue);
  }

  /** JSON.stringify of a change shows its key and value as before, not the kept parts. */
  toJSON(): RawRecord {
    return { key: this.key, value: this.value };
  }
}
