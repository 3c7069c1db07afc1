/**
 * What verify forgives: the documented Debezium losses (src/debezium/losses.ts, docs/data-fidelity.md)
 * as SQL that maps a column's value to the form both sides share once the loss is taken. A row
 * whose only differences vanish under these is reported as a loss, not a difference: a verify
 * that cries wolf on a documented loss trains people to ignore it (issue 12). Each normalisation
 * is applied to both sides, so a target that somehow holds the exact value still compares equal.
 */
import type { DebeziumLoss } from '../debezium/losses.js';
import type { ColumnRow } from '../sinks/catalog.js';

/** How one loss shows in a column, when the column's type has it. */
interface LossRule {
  /** The SQL expression of the normalised value of column `id` (already quoted), or undefined when the column cannot have the loss. */
  readonly normalise: (id: string, column: ColumnRow) => string | undefined;
}

/** The declared length of `bit varying(7)`, if any. */
const declaredLength = (type: string): number | undefined => {
  const match = /\((\d+)\)$/.exec(type);
  return match ? Number(match[1]) : undefined;
};

/** Every loss a user may accept has its rule: a new loss in losses.ts does not compile until verify knows it. */
export const LOSS_RULES: Readonly<Record<DebeziumLoss, LossRule>> = {
  // Debezium sends a timetz moved to UTC (io.debezium.time.ZonedTime): the same instant of the day.
  'timetz-offset': {
    normalise: (id, column) =>
      column.type_schema === 'pg_catalog' && column.type_name === 'timetz'
        ? `(${id} AT TIME ZONE 'UTC')`
        : undefined,
  },
  // Debezium sends a varbit without its bit count: written padded with zeros to the declared length.
  'varbit-length': {
    normalise: (id, column) => {
      const length =
        column.type_schema === 'pg_catalog' && column.type_name === 'varbit'
          ? declaredLength(column.type)
          : undefined;
      return length === undefined ? undefined : `lpad(${id}::text, ${length}, '0')`;
    },
  },
};

/** The losses each column of a table can have. */
export interface LossyColumn {
  readonly column: string;
  readonly loss: DebeziumLoss;
  readonly sql: string;
}

/** The columns among `compared` whose type has a documented loss, with their normalised SQL. */
export function lossyColumns(
  columns: readonly ColumnRow[],
  compared: readonly string[],
  quote: (name: string) => string,
): LossyColumn[] {
  const found: LossyColumn[] = [];
  for (const column of columns) {
    if (!compared.includes(column.name)) continue;
    for (const [loss, rule] of Object.entries(LOSS_RULES) as [DebeziumLoss, LossRule][]) {
      const sql = rule.normalise(quote(column.name), column);
      if (sql !== undefined) found.push({ column: column.name, loss, sql });
    }
  }
  return found;
}
