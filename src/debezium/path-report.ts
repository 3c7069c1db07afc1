import * as t from 'io-ts';
import { kindOf } from './json-values.js';
import type { Json } from './parse-json.js';

/** How many io-ts errors a reason lists before "(+N more)": enough to see the fault, short enough to log. */
const MAX_REPORTED_ERRORS = 3;

const isArrayType = (type: t.Decoder<unknown, unknown> | undefined): boolean =>
  type instanceof t.ArrayType || type instanceof t.ReadonlyArrayType;

/**
 * The dotted path of an io-ts error (`payload.source.lsn`, `schema.fields.2.type`), '(root)' for
 * the value itself. Keys that only number the members of a union or intersection are left out;
 * array indices are kept.
 */
const pathOf = (error: t.ValidationError): string =>
  error.context
    .filter(
      (entry, i) => entry.key !== '' && (!/^\d+$/.test(entry.key) || isArrayType(error.context[i - 1]?.type)),
    )
    .map((entry) => entry.key)
    .join('.') || '(root)';

/**
 * A short io-ts path report: `payload.op: expected "c" | "u" | …, got string`. It names the
 * expected type and the JSON kind received, never the value (row values stay out of reasons that
 * may be logged; the whole raw record travels in the Failure anyway). One line per path.
 */
export function pathReport(errors: t.Errors, prefix = ''): string {
  const lines = new Map<string, string>();
  for (const error of errors) {
    const path = prefix + pathOf(error);
    if (lines.has(path)) continue;
    const expected = error.context[error.context.length - 1]?.type.name ?? 'unknown';
    const got = error.value === undefined ? 'nothing' : kindOf(error.value as Json);
    lines.set(path, `${path}: expected ${expected}, got ${got}`);
  }
  const all = [...lines.values()];
  const more = all.length - MAX_REPORTED_ERRORS;
  return all.slice(0, MAX_REPORTED_ERRORS).join('; ') + (more > 0 ? ` (+${more} more)` : '');
}
