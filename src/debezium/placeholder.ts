import type { ConnectSchema } from './connect-schema.js';
import { ExactNumber, type Json, isJsonObject, numberText } from './parse-json.js';

/**
 * Recognising Debezium's unavailable-value placeholder: what the PostgreSQL connector sends for an
 * unchanged TOASTed column (`unavailable.value.placeholder`). Its shape depends on the column type
 * (UnchangedToastedPlaceholder, UnchangedToastedReplicationMessageColumn):
 *   text-like, json, uuid…          the placeholder string
 *   bytea (`bytes`)                 the placeholder's UTF-8 bytes (base64 in JSON)
 *   text[], varchar[], json[], jsonb[]  a one-element array holding the placeholder string
 *   int4[], int8[], date[]          an array of the placeholder's byte values (95, 95, 100, …)
 *   hstore (map mode)               the map {placeholder: placeholder}
 *   hstore (json mode)              the JSON text of that map
 * Newer Debezium versions also declare the exact form per column in a schema parameter; when it is
 * there it is used instead of these shapes.
 */

/** Debezium's default `unavailable.value.placeholder`. */
export const DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER = '__debezium_unavailable_value';

/** Schema parameter holding the placeholder's canonical serialisation (UnavailableValuePlaceholderParameter). */
export const PLACEHOLDER_SCHEMA_PARAMETER = '__debezium.unavailable.value.placeholder';

/** The placeholder in every shape it can take, computed once per decoder. */
export interface PlaceholderForms {
  readonly text: string;
  readonly base64: string;
  readonly bytes: readonly number[];
  /** hstore in json mode: Jackson's `{"p":"p"}`. */
  readonly hstoreJson: string;
}

export function placeholderForms(text: string): PlaceholderForms {
  const utf8 = Buffer.from(text, 'utf8');
  return {
    text,
    base64: utf8.toString('base64'),
    // Java bytes are signed: the int-array form holds (int) b, so bytes ≥ 0x80 come out negative.
    bytes: [...utf8].map((b) => (b >= 0x80 ? b - 0x100 : b)),
    hstoreJson: JSON.stringify({ [text]: text }),
  };
}

/** True when `value` is the placeholder for a column of this schema (schema undefined: schema-less). */
export function isUnavailable(
  schema: ConnectSchema | undefined,
  value: Json,
  forms: PlaceholderForms,
): boolean {
  const declared = schema?.parameters?.[PLACEHOLDER_SCHEMA_PARAMETER];
  if (declared !== undefined) return serialize(value, false) === declared;
  if (typeof value === 'string') {
    if (schema?.type === 'bytes') return value === forms.base64;
    return (
      value === forms.text || value === forms.hstoreJson || (schema === undefined && value === forms.base64)
    );
  }
  if (Array.isArray(value)) {
    const items: readonly Json[] = value;
    if (items.length === 1 && items[0] === forms.text) return true;
    return items.length === forms.bytes.length && items.every((item, i) => item === forms.bytes[i]);
  }
  if (isJsonObject(value)) {
    const keys = Object.keys(value);
    return keys.length === 1 && keys[0] === forms.text && value[forms.text] === forms.text;
  }
  return false;
}

/**
 * Debezium's canonical serialisation (UnavailableValuePlaceholderParameter.serialize) of a JSON
 * value: strings (and base64 bytes) as is at the top, quoted with `\` and `"` escaped when nested;
 * integers as digits; arrays `[a,b]`; maps `{k:v}`. Anything else has none (null).
 */
function serialize(value: Json, nested: boolean): string | null {
  if (typeof value === 'string')
    return nested ? `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : value;
  if (typeof value === 'number' || value instanceof ExactNumber) return numberText(value);
  if (Array.isArray(value)) {
    const items = (value as readonly Json[]).map((item) => serialize(item, true));
    return items.includes(null) ? null : `[${items.join(',')}]`;
  }
  if (isJsonObject(value)) {
    const entries = Object.entries(value).map(([k, v]) => [serialize(k, true), serialize(v, true)] as const);
    return entries.some(([k, v]) => k === null || v === null)
      ? null
      : `{${entries.map(([k, v]) => `${k}:${v}`).join(',')}}`;
  }
  return null;
}
