/**
 * A target column's exact type, read from the Connect schema of an event. Debezium's
 * `column.propagate.source.type` puts the source column's type name, length and scale in each
 * field's parameters (`__debezium.source.column.type` = `VARCHAR`, `…length` = `100`); from them the
 * declared type is rebuilt, modifier included (`varchar(100)`, `numeric(10,2)`, `timestamp(3)`).
 * Connect's own types cannot say it (a `string` is text, varchar(n), numeric, uuid, …), which is why
 * the peers' created tables approximate and these do not. Found on the stack (Debezium 3.6.1):
 * the name is pg_type.typname upper-cased, `_` first for an array; an unconstrained length is
 * 2147483647 (131089 for numeric); a time type's scale is its fractional precision, 6 when unset.
 */
import { SOURCE_COLUMN_TYPE_PARAMETER, type ConnectSchema } from '../debezium/connect-schema.js';

const LENGTH_PARAMETER = '__debezium.source.column.length';
const SCALE_PARAMETER = '__debezium.source.column.scale';

/** What PostgreSQL's JDBC metadata reports for a length the column does not declare. */
const UNCONSTRAINED_LENGTH = 2_147_483_647;
/** numeric's largest declarable precision; an unconstrained numeric reports 131089. */
const NUMERIC_MAX_PRECISION = 1000;
/** The fractional precision of time types when none is declared (equal in values to none). */
const DEFAULT_TIME_PRECISION = 6;

/** Types whose modifier is a length, a precision and scale, or a fractional precision. */
const LENGTH_TYPES: ReadonlySet<string> = new Set(['varchar', 'bpchar', 'bit', 'varbit']);
const TIME_TYPES: ReadonlySet<string> = new Set(['time', 'timetz', 'timestamp', 'timestamptz', 'interval']);

/** One column as an event's schema declares it. */
export interface ColumnSpec {
  readonly name: string;
  /** pg_type.typname of the column, or of its elements for an array (`varchar`, `int4`, `mood`). */
  readonly typeName: string;
  readonly array: boolean;
  /** The type modifier's numbers (`[100]`, `[10, 2]`), empty when the type takes none or has none. */
  readonly modifier: readonly number[];
  /** Connect's `optional: false`: the source column is NOT NULL. */
  readonly notNull: boolean;
  /** An enum's labels (io.debezium.data.Enum's `allowed`), to create the type where the target lacks it. */
  readonly enumLabels?: readonly string[];
}

const ENUM_LOGICAL_TYPE = 'io.debezium.data.Enum';

const whole = (raw: string | undefined): number | undefined => {
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
};

/** The modifier the declared type had, from the reported length and scale. */
function modifierOf(typeName: string, length: number | undefined, scale: number | undefined): number[] {
  if (LENGTH_TYPES.has(typeName))
    return length === undefined || length >= UNCONSTRAINED_LENGTH ? [] : [length];
  if (typeName === 'numeric') {
    if (length === undefined || length === 0 || length > NUMERIC_MAX_PRECISION) return [];
    return [length, scale ?? 0];
  }
  if (TIME_TYPES.has(typeName)) return scale === undefined || scale === DEFAULT_TIME_PRECISION ? [] : [scale];
  return [];
}

/**
 * The column a struct field of an event's row schema declares, or the reason it cannot be known:
 * without the propagated source type the exact type is unknown, and a guess is never made.
 */
export function columnSpec(field: ConnectSchema): ColumnSpec | string {
  const name = field.field ?? '';
  const propagated = field.parameters?.[SOURCE_COLUMN_TYPE_PARAMETER];
  if (propagated === undefined || propagated === '') {
    return (
      `column "${name}" has no propagated source type: set column.propagate.source.type=.* on the ` +
      'Debezium connector (the shipped one does), or create the target table yourself'
    );
  }
  const lower = propagated.toLowerCase();
  const array = lower.startsWith('_');
  const typeName = array ? lower.slice(1) : lower;
  const length = whole(field.parameters?.[LENGTH_PARAMETER]);
  const scale = whole(field.parameters?.[SCALE_PARAMETER]);
  const allowed = field.name === ENUM_LOGICAL_TYPE ? field.parameters?.allowed : undefined;
  return {
    name,
    typeName,
    array,
    modifier: modifierOf(typeName, length, scale),
    notNull: field.optional !== true,
    // Debezium joins the labels with commas: a label holding one is split in two (a wrong type
    // is refused by the first value holding it; the table is better made by add-table then).
    ...(allowed !== undefined && !array ? { enumLabels: allowed.split(',') } : {}),
  };
}

/** The row schema of a Debezium envelope schema: its `after` (or `before`) struct. */
export function rowSchemaOf(envelope: ConnectSchema): ConnectSchema | undefined {
  const row = (name: string): ConnectSchema | undefined =>
    envelope.fields?.find((field) => field.field === name && field.type === 'struct');
  return row('after') ?? row('before');
}
