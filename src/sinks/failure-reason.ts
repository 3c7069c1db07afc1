/**
 * What an apply failure says, split in two (issue 8, poison records): a reason that is safe to log,
 * built only from PostgreSQL's error fields that name things (SQLSTATE, table, column, constraint,
 * data type) and a fixed description per SQLSTATE; and the detail, PostgreSQL's own message,
 * DETAIL and HINT, which quote row values (`Failing row contains (…)`, `invalid input syntax for
 * type integer: "abc"`) and so are stored with the dead letter but never logged above debug.
 * Field meanings: https://www.postgresql.org/docs/current/protocol-error-fields.html
 */
import pg from 'pg';
import { sqlState } from './sqlstate.js';

/** How deep the cause chain is searched for the database error; guards against cycles. */
const MAX_CAUSE_DEPTH = 16;

/** What to tell a person about each SQLSTATE a record can cause, and what to do about it. */
const DESCRIPTIONS: Readonly<Record<string, string>> = {
  '22001': 'a value is too long for its column type: widen the target column',
  '22003': 'a number is out of range for its column type: widen the target column',
  '22007': 'a date or time value is malformed for its column type',
  '22008': 'a date or time value is out of range for its column type',
  '22021': 'text holds a character the target database encoding cannot store',
  '22P02': 'a value is not valid input for its column type: align the target column type with the source',
  '22P05': 'text holds a character the target database encoding cannot store',
  '23502': 'NOT NULL violation: the change has no value for a column the target requires',
  '23503': 'foreign key violation: the referenced row is missing, or the row is still referenced',
  '23505': 'unique violation: a unique constraint other than the primary key rejects the row',
  '23514': 'check violation: a CHECK constraint of the target rejects the row',
  '23P01': 'exclusion violation: an exclusion constraint of the target rejects the row',
  '42703': 'a column of the change is missing in the target table',
  '42804': 'a target column type does not match the value',
  P0001: 'a trigger of the target table raised an error',
};

/** The description of a SQLSTATE without one of its own: its class. */
const CLASS_DESCRIPTIONS: Readonly<Record<string, string>> = {
  '0A': 'feature not supported by the target for this row',
  '21': 'cardinality violation',
  '22': 'data exception: a value does not fit its column',
  '23': 'integrity constraint violation',
  '42': 'the statement does not fit the target table',
  '44': 'WITH CHECK OPTION violation',
  '54': 'a row exceeds a PostgreSQL limit',
  P0: 'a trigger of the target table raised an error',
};

/** The error fields of a pg DatabaseError that name things and never hold values. */
interface DatabaseErrorFields {
  readonly code: string;
  readonly message: string;
  readonly detail?: string;
  readonly hint?: string;
  readonly column?: string;
  readonly constraint?: string;
  readonly dataType?: string;
}

/** The first pg DatabaseError in the `cause` chain. */
function databaseErrorOf(error: unknown): DatabaseErrorFields | undefined {
  let link = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && typeof link === 'object' && link !== null; depth++) {
    if (link instanceof pg.DatabaseError && link.code !== undefined) {
      const { code, message, detail, hint, column, constraint, dataType } = link;
      return { code, message, detail, hint, column, constraint, dataType };
    }
    link = 'cause' in link ? link.cause : undefined;
  }
  return undefined;
}

/** The fixed description of a SQLSTATE. */
export function describeSqlState(code: string): string {
  return DESCRIPTIONS[code] ?? CLASS_DESCRIPTIONS[code.slice(0, 2)] ?? 'the target refused the row';
}

/**
 * The reason and detail of a change the target refused. `what` says which statement failed and
 * on which table (`upsert into "public"."items"`), without values.
 */
export function applyFailureText(what: string, error: unknown): { reason: string; detail: string | null } {
  const database = databaseErrorOf(error);
  const code = database?.code ?? sqlState(error);
  if (code === undefined) {
    const message = error instanceof Error ? error.message : String(error);
    return { reason: `${what} failed: not a database error`, detail: message };
  }
  const names = [
    database?.column === undefined ? undefined : `column ${pg.escapeIdentifier(database.column)}`,
    database?.constraint === undefined ? undefined : `constraint ${pg.escapeIdentifier(database.constraint)}`,
    database?.dataType === undefined ? undefined : `type ${database.dataType}`,
  ].filter((name) => name !== undefined);
  const reason = `${what} failed (SQLSTATE ${code}${names.length > 0 ? `, ${names.join(', ')}` : ''}): ${describeSqlState(code)}`;
  const detail =
    database === undefined
      ? null
      : [
          database.message,
          database.detail === undefined ? undefined : `DETAIL: ${database.detail}`,
          database.hint === undefined ? undefined : `HINT: ${database.hint}`,
        ]
          .filter((line) => line !== undefined)
          .join('\n');
  return { reason, detail };
}
