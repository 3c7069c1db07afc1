/**
 * Every PostgreSQL column type's verdict through Debezium and this decoder (issue 16): `exact`,
 * `refused` (a dead letter whose reason names Debezium's limit), or `lost` (written, but not the
 * source's value: a documented loss). docs/data-fidelity.md says the same in prose, and
 * test/integration/fidelity-types.test.ts checks each row against the source catalog and the
 * values that arrive. A tool that compares source and target (verify, issue 12) can look a column
 * up here to report its documented losses apart from real differences.
 *
 * Verdicts assume the recommended connector options (docs/data-fidelity.md, "Connector options for
 * exact values"), include.unknown.datatypes among them: without it many of these types are left out
 * of every event (lost: the target keeps NULL).
 */

/** What happens to a type's values. */
export type TypeState = 'exact' | 'refused' | 'lost';

export interface TypeVerdict {
  readonly state: TypeState;
  /**
   * Values whose fate differs from the type's: a documented loss the decoder cannot see (a NULL
   * array, the same digits in another era), or a value refused. Empty when there is none.
   */
  readonly except: string;
}

const exact: TypeVerdict = { state: 'exact', except: '' };
const exactExcept = (except: string): TypeVerdict => ({ state: 'exact', except });
const refused = (except = ''): TypeVerdict => ({ state: 'refused', except });
const lost = (what: string): TypeVerdict => ({ state: 'lost', except: what });

/** An array holding a NULL element arrives as a NULL array (Debezium's items are not optional). */
const NULL_ELEMENT = 'an array holding a NULL element arrives as NULL';
/** Debezium has no schema for these arrays: the column is absent from every event. */
const LEFT_OUT = 'left out of every event: the target keeps NULL (or the column default)';

const EXACT_TYPES = [
  'smallint',
  'integer',
  'bigint',
  'numeric',
  'real',
  'double precision',
  'boolean',
  'text',
  'character varying',
  'character',
  'uuid',
  'json',
  'jsonb',
  'time without time zone',
  'timestamp without time zone',
  'timestamp with time zone',
  'interval',
  'bytea',
  'inet',
  'cidr',
  'macaddr',
  'macaddr8',
  'money',
  'int4range',
  'int8range',
  'numrange',
  'daterange',
  'tsrange',
  'tstzrange',
  'int4multirange',
  'int8multirange',
  'nummultirange',
  'datemultirange',
  'tsmultirange',
  'tstzmultirange',
  'hstore',
  'citext',
  'ltree',
  'lquery',
  'ltxtquery',
  'tsvector',
  'tsquery',
  'bit',
  'point',
  'line',
  'lseg',
  'box',
  'path',
  'polygon',
  'circle',
  '"char"',
  'oid',
  'pg_lsn',
  'jsonpath',
  'xid8',
  'xid',
  'tid',
  'regtype',
  'pg_snapshot',
  'txid_snapshot',
  'aclitem',
  'cube',
  'seg',
  'isbn',
  'isbn13',
  'ismn',
  'issn',
  'ean13',
  'upc',
  'enum',
  'composite',
] as const;

/** Arrays whose every value arrives exactly, NULL elements included. */
const EXACT_ARRAYS = [
  'integer',
  'text',
  'smallint',
  'bigint',
  'real',
  'double precision',
  'boolean',
  'uuid',
  'json',
  'jsonb',
  'date',
  'timestamp without time zone',
  'inet',
  'cidr',
  'macaddr',
  'macaddr8',
  'bytea',
  'character varying',
  'character',
  '"char"',
  'oid',
  'int4range',
  'int8range',
  'numrange',
  'daterange',
  'tsrange',
  'tstzrange',
  'hstore',
  'citext',
] as const;

/** Arrays that arrive exactly unless they hold a NULL element. */
const NULL_ELEMENT_ARRAYS = [
  'int4multirange',
  'int8multirange',
  'nummultirange',
  'datemultirange',
  'tsmultirange',
  'tstzmultirange',
  'ltree',
  'lquery',
  'ltxtquery',
  'tsvector',
  'tsquery',
  'box',
  'circle',
  'line',
  'lseg',
  'path',
  'polygon',
  'pg_lsn',
  'xid',
  'xid8',
  'jsonpath',
  'tid',
  'regclass',
  'regtype',
  'pg_snapshot',
  'cube',
  'seg',
  'isbn',
  'enum',
  'domain',
  'composite',
] as const;

/** Arrays Debezium has no schema for. */
const LEFT_OUT_ARRAYS = ['money', 'bit varying', 'point', 'interval', 'xml', 'name'] as const;

/**
 * Verdicts by type as `format_type(atttypid, NULL)` prints it (no typmod, no schema), arrays with
 * `[]`; user-defined types by kind: `enum`, `domain`, `composite` (and `enum[]`…).
 */
export const TYPE_VERDICTS: Readonly<Record<string, TypeVerdict>> = {
  ...Object.fromEntries(EXACT_TYPES.map((type) => [type, exact])),
  ...Object.fromEntries(EXACT_ARRAYS.map((type) => [`${type}[]`, exact])),
  ...Object.fromEntries(NULL_ELEMENT_ARRAYS.map((type) => [`${type}[]`, exactExcept(NULL_ELEMENT)])),
  ...Object.fromEntries(LEFT_OUT_ARRAYS.map((type) => [`${type}[]`, lost(LEFT_OUT)])),
  date: exactExcept(
    'in the initial snapshot (JDBC), a date BC arrives as the same date AD and a date the Julian calendar skipped (1582-10-05…14) ten days later',
  ),
  'integer[]': exactExcept(
    'lower bounds are dropped ([0:2]={…} arrives as {…}); a multidimensional array arrives as NULL elements',
  ),
  'text[]': exactExcept(
    'lower bounds are dropped; a multidimensional text array is refused (Java array references)',
  ),
  xml: exactExcept('a bare <?xml version="1.0"?> declaration is dropped'),
  'numeric[]': exactExcept('an array holding NaN, Infinity or -Infinity arrives as NULL'),
  'timestamp with time zone[]': exactExcept('an element before Christ arrives as the same date after Christ'),
  'time without time zone[]': lost('elements are cut to milliseconds; 24:00:00 arrives as 00:00:00'),
  'time with time zone': refused('timetz-offset: written moved to UTC when the loss is accepted'),
  'time with time zone[]': refused('timetz-offset: written moved to UTC when the loss is accepted'),
  'bit varying': refused(
    'varbit-length: a value shorter than its declared length; written padded when the loss is accepted',
  ),
  'bit[]': refused(),
  name: exactExcept(
    'refused in streamed changes unless the connector sets include.unknown.datatypes (PIPELINE_INCLUDE_UNKNOWN_DATATYPES)',
  ),
  regclass: exactExcept(
    "'-' (no relation) is refused by the target: the sink's staging cast text::regclass does not read it (SQLSTATE 42P01)",
  ),
  int2vector: refused(),
  oidvector: refused(),
};

/** A leading schema (`public.hstore`): verdicts are by type name alone. */
const SCHEMA_PREFIX = /^(?:[a-z_][a-z0-9_$]*|"(?:[^"]|"")+")\./;

/**
 * The key of a column's verdict, from `format_type(atttypid, NULL)` and the `typtype` of the type
 * (or of its element, for an array): `e` enum, `d` domain, `c` composite, anything else by name. A
 * domain column has its base type's verdict: pass `format_type(typbasetype, NULL)` and its typtype;
 * only arrays of domains have a verdict of their own (`domain[]`).
 */
export function verdictKey(formatType: string, typtype = 'b'): string {
  const array = formatType.endsWith('[]') ? '[]' : '';
  const kind = USER_TYPE_KINDS[typtype];
  return `${kind ?? formatType.slice(0, formatType.length - array.length).replace(SCHEMA_PREFIX, '')}${array}`;
}

const USER_TYPE_KINDS: Readonly<Record<string, string>> = { e: 'enum', d: 'domain', c: 'composite' };

/** The verdict of a column (see verdictKey); undefined for a type nobody has tested: unverified. */
export function typeVerdict(formatType: string, typtype = 'b'): TypeVerdict | undefined {
  const key = verdictKey(formatType, typtype);
  return Object.hasOwn(TYPE_VERDICTS, key) ? TYPE_VERDICTS[key] : undefined;
}
