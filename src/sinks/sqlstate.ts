/**
 * What a PostgreSQL error says about the records that caused it, read from its SQLSTATE
 * (https://www.postgresql.org/docs/current/errcodes-appendix.html), never from its message text.
 * Retriability and fatality are decided in ../errors.ts; this file tells record-level errors
 * (isolate the guilty record) from everything else (throw to the caller).
 */
import { findInCauseChain } from '../cause-chain.js';
import { FencedError, isFatal, isRetriable } from '../errors.js';

/** A SQLSTATE is five digits or upper-case letters; pg puts it in `error.code`. */
const SQLSTATE_PATTERN = /^[0-9A-Z]{5}$/;

/**
 * Codes that mean the cached catalog no longer matches the target (a table or column dropped or
 * renamed, the primary key gone): refresh the catalog and plan the batch again before isolating.
 */
const STALE_CATALOG_CODES: ReadonlySet<string> = new Set([
  '42P01', // undefined_table
  '42703', // undefined_column
  '42804', // datatype_mismatch
  '42P10', // invalid_column_reference: no unique constraint matches ON CONFLICT
]);

/** The SQLSTATE of the first error in the `cause` chain that has one. */
export function sqlState(error: unknown): string | undefined {
  return findInCauseChain(error, (link) => {
    const code: unknown = 'code' in link ? link.code : undefined;
    return typeof code === 'string' && SQLSTATE_PATTERN.test(code) ? code : undefined;
  });
}

/**
 * Whether the error may have been caused by the data of some records, so bisecting the batch finds
 * them and the rest applies. Any error a single record's apply can cause counts, whatever its
 * SQLSTATE — XX000 from an extension's input function, a class nobody listed, an error with no
 * SQLSTATE at all — because one record must never stop the stream (issue: an hstore value in a
 * crash loop stopped every table). Only what is about the connection or the whole target is not:
 * transient errors (an outage: retried in place) and deployment errors that a person must fix
 * (refused authentication, a missing database or privilege: fatal). Both are thrown instead.
 */
export function isRecordLevel(error: unknown): boolean {
  // Fenced off: the partition moved to another owner; no record of the batch is to blame.
  if (error instanceof FencedError) return false;
  return !isRetriable(error) && !isFatal(error);
}

/** Whether the error says the target's tables changed since the catalog was read. */
export function isStaleCatalog(error: unknown): boolean {
  const code = sqlState(error);
  return code !== undefined && STALE_CATALOG_CODES.has(code);
}
