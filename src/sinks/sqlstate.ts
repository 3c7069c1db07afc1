/**
 * What a PostgreSQL error says about the records that caused it, read from its SQLSTATE
 * (https://www.postgresql.org/docs/current/errcodes-appendix.html), never from its message text.
 * Retriability itself is `isRetriable` in ../errors.ts; this file only tells record-level errors
 * (isolate the guilty record) from everything else (throw to the caller).
 */
import { findInCauseChain } from '../cause-chain.js';

/** A SQLSTATE is five digits or upper-case letters; pg puts it in `error.code`. */
const SQLSTATE_PATTERN = /^[0-9A-Z]{5}$/;

/**
 * SQLSTATE classes whose errors are caused by the rows of a statement, so splitting the batch
 * isolates them: the other records apply, the guilty one becomes a Failure.
 */
const RECORD_LEVEL_CLASSES: ReadonlySet<string> = new Set([
  '0A', // feature_not_supported: e.g. TRUNCATE of a table that a foreign key references
  '21', // cardinality_violation
  '22', // data_exception: a value that does not cast, overflows or is too long
  '23', // integrity_constraint_violation: NOT NULL, CHECK, UNIQUE, FOREIGN KEY
  '2F', // sql_routine_exception (a trigger function)
  '38', // external_routine_exception
  '39', // external_routine_invocation_exception
  '42', // syntax_error_or_access_rule_violation: undefined column or table, datatype mismatch
  '44', // with_check_option_violation
  '54', // program_limit_exceeded: e.g. an index row too big
  'P0', // plpgsql_error: RAISE in a trigger
]);

/**
 * Codes inside a record-level class that are about the deployment, not the rows: splitting the
 * batch would only dead-letter every record, so they are thrown instead.
 */
const DEPLOYMENT_CODES: ReadonlySet<string> = new Set([
  '42501', // insufficient_privilege
]);

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

/** Whether the error was caused by the data of some records, so bisecting the batch finds them. */
export function isRecordLevel(error: unknown): boolean {
  const code = sqlState(error);
  return code !== undefined && RECORD_LEVEL_CLASSES.has(code.slice(0, 2)) && !DEPLOYMENT_CODES.has(code);
}

/** Whether the error says the target's tables changed since the catalog was read. */
export function isStaleCatalog(error: unknown): boolean {
  const code = sqlState(error);
  return code !== undefined && STALE_CATALOG_CODES.has(code);
}
