/**
 * Parses a message as JsonConverter writes it, `{"schema":{…},"payload":{…}}`, without parsing
 * and validating the same Connect schema again for every message: the schema is two thirds of each
 * message and identical for every change of a table, so its text is the key of a cache of decoded
 * schemas and only the payload is parsed. Anything that does not split cleanly (other key order,
 * whitespace, a null schema, a schema-less message) takes the general path: parse all, then unwrap.
 */
import * as E from 'fp-ts/lib/Either.js';
import { ConnectSchema } from './connect-schema.js';
import { unwrap, type Unwrapped } from './envelope.js';
import { parseJson } from './parse-json.js';

const SCHEMA_PREFIX = '{"schema":';
/** Where the schema object ends and the payload begins: no key of a Connect schema is "payload". */
const PAYLOAD_BOUNDARY = '},"payload":';
/** Distinct schemas remembered (tables × schema versions × key/value); the cache restarts past it. */
export const MAX_CACHED_SCHEMAS = 1024;

export type SchemaCache = Map<string, ConnectSchema | null>;

export const createSchemaCache = (): SchemaCache => new Map();

/** The decoded schema of a schema text, or null when the text is not a valid Connect schema. */
function cachedSchema(cache: SchemaCache, text: string): ConnectSchema | null {
  const known = cache.get(text);
  if (known !== undefined) return known;
  const parsed = parseJson(text);
  const schema = E.isRight(parsed) && ConnectSchema.is(parsed.right) ? (parsed.right as ConnectSchema) : null;
  if (cache.size >= MAX_CACHED_SCHEMAS) cache.clear();
  cache.set(text, schema);
  return schema;
}

export function parseWrapped(text: string, cache: SchemaCache): E.Either<string, Unwrapped> {
  if (text.startsWith(SCHEMA_PREFIX) && text.endsWith('}')) {
    const boundary = text.indexOf(PAYLOAD_BOUNDARY);
    if (boundary > 0) {
      const schema = cachedSchema(cache, text.slice(SCHEMA_PREFIX.length, boundary + 1));
      const payload = schema ? parseJson(text.slice(boundary + PAYLOAD_BOUNDARY.length, -1)) : undefined;
      if (schema && payload && E.isRight(payload)) return E.right({ schema, payload: payload.right });
    }
  }
  return E.map(unwrap)(parseJson(text));
}
