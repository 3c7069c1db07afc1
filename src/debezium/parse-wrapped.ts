/**
 * Parses a message as JsonConverter writes it, `{"schema":{…},"payload":{…}}`, without parsing
 * and validating the same Connect schema again for every message: the schema is two thirds of each
 * message and identical for every change of a table, so its bytes are compared (memcmp) with the
 * schemas already decoded and only the payload is turned into a string and parsed. Anything that
 * does not split cleanly (other key order, whitespace, a null schema, a schema-less message) takes
 * the general path: parse all, then unwrap.
 */
import * as E from 'fp-ts/lib/Either.js';
import { ConnectSchema } from './connect-schema.js';
import { unwrap, type Unwrapped } from './envelope.js';
import { parseJson } from './parse-json.js';

export const SCHEMA_PREFIX = Buffer.from('{"schema":');
/** What follows the schema's closing brace and precedes the payload. */
export const PAYLOAD_KEY = Buffer.from(',"payload":');
/** Where the schema object ends and the payload begins: no key of a Connect schema is "payload". */
const PAYLOAD_BOUNDARY = Buffer.concat([Buffer.from('}'), PAYLOAD_KEY]);
const CLOSING_BRACE = 0x7d;
/** Distinct schemas remembered (tables × schema versions × key/value); the cache restarts past it. */
export const MAX_CACHED_SCHEMAS = 1024;

interface CachedSchema {
  /** The schema's JSON text as bytes, from its `{` to its `}`. */
  readonly bytes: Buffer;
  readonly schema: ConnectSchema | null;
}

/** Decoded schemas by the length of their text, which fixes where the payload starts. */
export interface SchemaCache {
  readonly byLength: Map<number, CachedSchema[]>;
  size: number;
}

export const createSchemaCache = (): SchemaCache => ({ byLength: new Map(), size: 0 });

const hasAt = (message: Buffer, part: Buffer, at: number): boolean =>
  message.length >= at + part.length && message.compare(part, 0, part.length, at, at + part.length) === 0;

/**
 * hasAt for a few bytes: a loop in JavaScript, where the call into Buffer.compare costs more than
 * comparing them (this runs a few times for every key and value).
 */
function hasShortAt(message: Buffer, part: Buffer, at: number): boolean {
  if (message.length < at + part.length) return false;
  for (let i = 0; i < part.length; i++) if (message[at + i] !== part[i]) return false;
  return true;
}

/** A cached schema the message starts with: where its schema ends, and the cached schema. */
function knownSchema(
  cache: SchemaCache,
  message: Buffer,
): { boundary: number; entry: CachedSchema } | undefined {
  for (const [length, entries] of cache.byLength) {
    const boundary = SCHEMA_PREFIX.length + length - 1;
    if (!hasShortAt(message, PAYLOAD_BOUNDARY, boundary)) continue;
    for (const entry of entries) {
      if (hasAt(message, entry.bytes, SCHEMA_PREFIX.length)) return { boundary, entry };
    }
  }
  return undefined;
}

/** Parses and remembers a schema seen for the first time (its schema null: not a Connect schema). */
function learnSchema(cache: SchemaCache, message: Buffer, boundary: number): CachedSchema {
  const bytes = Buffer.from(message.subarray(SCHEMA_PREFIX.length, boundary + 1));
  const parsed = parseJson(bytes.toString('utf8'));
  const schema = E.isRight(parsed) && ConnectSchema.is(parsed.right) ? (parsed.right as ConnectSchema) : null;
  if (cache.size >= MAX_CACHED_SCHEMAS) {
    cache.byLength.clear();
    cache.size = 0;
  }
  const entry = { bytes, schema };
  cache.byLength.set(bytes.length, [...(cache.byLength.get(bytes.length) ?? []), entry]);
  cache.size += 1;
  return entry;
}

const TS_US = ',"ts_us":';
/** The envelope's last members, in Debezium's order: the payload object closes right after them. */
const ENVELOPE_PRECISE_TIMES = /,"ts_us":-?\d+,"ts_ns":-?\d+}$/y;
/** The same pair inside the source block, which starts with its `version` member. */
const SOURCE_START = ',"source":{"version":';
const SOURCE_PRECISE_TIMES = /,"ts_us":-?\d+,"ts_ns":-?\d+/y;

/**
 * Drops the microsecond and nanosecond copies of ts_ms from the envelope and its source block. The
 * pipeline never reads them, and their 16–19 digits would send every message down the slower
 * lossless parse. Only those two places are touched: outside strings an unescaped `"` is structure,
 * so `,"source":{"version":` is the source block (no PostgreSQL column type becomes a struct with a
 * `version` field) and the anchored tail is the payload's own last members. Both cuts are found
 * first and the text is put together once: this runs for every message.
 */
export function withoutPreciseTimes(payload: string): string {
  // Where the envelope's pair starts when it closes the payload (only the last `,"ts_us":` can).
  let end = payload.length;
  const last = payload.lastIndexOf(TS_US);
  if (last >= 0) {
    ENVELOPE_PRECISE_TIMES.lastIndex = last;
    if (ENVELOPE_PRECISE_TIMES.test(payload)) end = last;
  }
  const close = end < payload.length ? '}' : '';
  const source = payload.indexOf(SOURCE_START);
  const times = source < 0 ? -1 : payload.indexOf(TS_US, source);
  if (times >= 0 && times < end) {
    SOURCE_PRECISE_TIMES.lastIndex = times;
    const match = SOURCE_PRECISE_TIMES.exec(payload);
    if (match) return payload.slice(0, times) + payload.slice(times + match[0].length, end) + close;
  }
  return close === '' ? payload : payload.slice(0, end) + close;
}

/** A parsed message; `schemaText` is the cached schema's text when the message was split there. */
export interface ParsedWrapped extends Unwrapped {
  readonly schemaText?: Buffer;
}

export function parseWrapped(message: Buffer, cache: SchemaCache): E.Either<string, ParsedWrapped> {
  if (hasShortAt(message, SCHEMA_PREFIX, 0) && message[message.length - 1] === CLOSING_BRACE) {
    let found = knownSchema(cache, message);
    if (found === undefined) {
      const boundary = message.indexOf(PAYLOAD_BOUNDARY);
      if (boundary > 0) found = { boundary, entry: learnSchema(cache, message, boundary) };
    }
    const schema = found?.entry.schema;
    if (found && schema) {
      const text = message.toString('utf8', found.boundary + PAYLOAD_BOUNDARY.length, message.length - 1);
      const payload = parseJson(withoutPreciseTimes(text));
      if (E.isRight(payload))
        return E.right({ schema, payload: payload.right, schemaText: found.entry.bytes });
    }
  }
  return E.map(unwrap)(parseJson(message.toString('utf8')));
}
