/**
 * The wider type matrix (issue 16): the built-in and common extension types beyond the basics, each
 * ending in one of three states that docs/data-fidelity.md lists:
 * - exact: TYPES_EXACT, compared as `col::text` after a snapshot, inserts, updates and deletes;
 * - refused with a reason: REFUSALS, one table each, whose changes become dead letters;
 * - a documented loss: TYPES_LOST, columns Debezium leaves out of its events (the target keeps
 *   NULL) or sends as NULL.
 * Values are SQL written here; `$S` stands for the run's schema (user-defined types live there).
 */
import { lit } from './fidelity-matrix.js';

/** A column: its type and the SQL of its value in rows 2, 3 and 4 (row 1 is all NULL). */
export interface TypeColumn {
  readonly name: string;
  readonly type: string;
  readonly values: readonly [string, string, string];
}

const column = (name: string, type: string, ...values: [string, string, string]): TypeColumn => ({
  name,
  type,
  values,
});
const l = (...texts: [string, string, string]): [string, string, string] =>
  texts.map(lit) as [string, string, string];

/** Types of the run's schema that the tables use. */
export const typeSetupSql = (schema: string): string[] => [
  `CREATE DOMAIN ${schema}.dtext AS text`,
  `CREATE DOMAIN ${schema}.dint AS integer CHECK (VALUE > 0)`,
  `CREATE TYPE ${schema}.pair AS (n integer, s text)`,
  `CREATE TYPE ${schema}.hue AS ENUM ('red', 'it''s "q"', 'with space')`,
];

/** The extensions of the common extension types, in both databases. */
export const EXTENSIONS = ['hstore', 'citext', 'ltree', 'cube', 'seg', 'isn', 'lo'] as const;

const HSTORE_EDGES = l(
  '',
  '"a b"=>"c,d", "e"=>NULL, "NULL"=>"NULL", ""=>""',
  '"q\\"uote"=>"x=>y\\\\", "k=>v"=>" spaced ", "ü🚀"=>"日本", "comma,key"=>"tab\there"',
);

/** Types that arrive exactly: snapshot and streaming, with the shipped connector options. */
export const TYPES_EXACT: readonly TypeColumn[] = [
  column('r_int4', 'int4range', ...l('empty', '[1,5)', '(,)')),
  column('r_int8', 'int8range', ...l('(,10]', '[-9223372036854775808,9223372036854775807)', 'empty')),
  column('r_num', 'numrange', ...l('[1.50,infinity]', '(-infinity,0.000001)', 'empty')),
  column('r_date', 'daterange', ...l('[2020-01-01,infinity)', '(-infinity,)', '[0044-03-15 BC,2020-01-01)')),
  column('r_ts', 'tsrange', ...l('["2020-01-01 00:00:00.5",)', '[-infinity,infinity]', 'empty')),
  column(
    'r_tstz',
    'tstzrange',
    ...l(
      '[2020-01-01 00:00:00+05,2021-01-01)',
      '(,)',
      '["2020-01-01 12:00:00.000001+00","2020-01-01 12:00:00.000002+00"]',
    ),
  ),
  column('m_int4', 'int4multirange', ...l('{}', '{[1,3),[5,7)}', '{(,0),[10,)}')),
  column('m_int8', 'int8multirange', ...l('{[1,2)}', '{}', '{(,)}')),
  column('m_num', 'nummultirange', ...l('{[1.5,2.5]}', '{}', '{(,-1.00), [1.50,)}')),
  column('m_date', 'datemultirange', ...l('{[2020-01-01,2020-02-01)}', '{}', '{[-infinity,infinity]}')),
  column('m_ts', 'tsmultirange', ...l('{["2020-01-01 00:00:00.000001",)}', '{}', '{}')),
  column('m_tstz', 'tstzmultirange', ...l('{[2020-01-01 00:00:00+05,2021-01-01)}', '{}', '{(,)}')),
  column('h', 'hstore', ...HSTORE_EDGES),
  column('ci', 'citext', ...l('MiXeD Case', '', 'ü🚀 "q"')),
  column('lt', 'ltree', ...l('a.b.c', '', 'Top.Science_1.Astronomy')),
  column('lq', 'lquery', ...l('*.b.*', 'top.*{1,3}.x', '!x.*')),
  column('ltq', 'ltxtquery', ...l('a & b', '!x | y*', 'a@')),
  column('dom_text', '$S.dtext', ...l('dom', '', 'it\'s "q"')),
  column('dom_int', '$S.dint', '1', '2147483647', '42'),
  column('tv', 'tsvector', ...l('a fat cat', "'quoted' 'sp ace':1A,2B", '')),
  column('tq', 'tsquery', ...l('fat & (rat | cat)', '!a <-> b:*', "'sp ace' & x:AB")),
  column('b8', 'bit(8)', "B'10100000'", "B'00000000'", "B'11111111'"),
  column('b1', 'bit(1)', "B'1'", "B'0'", "B'1'"),
  column('pt', 'point', ...l('(1.5,-2)', '(0,0)', '(0.1,-0.30000000000000004)')),
  column('ln', 'line', ...l('{1,2,3}', '{0,-1,0.5}', '{-1.5,0,1e-300}')),
  column('ls', 'lseg', ...l('[(0,0),(1,1)]', '[(-1.5,2),(3,-4)]', '[(0,0),(0,0)]')),
  column('bx', 'box', ...l('(1,1),(0,0)', '(-1,-1),(-2,-2)', '(0.5,0.5),(0.5,0.5)')),
  column('pa', 'path', ...l('[(0,0),(1,1),(2,0)]', '((0,0),(1,1))', '[(0.1,0.2)]')),
  column('pg', 'polygon', ...l('((0,0),(1,1),(1,0))', '((0,0))', '((-1,-1),(1e10,2))')),
  column('cir', 'circle', ...l('<(1,2),3>', '<(0.5,-0.5),0>', '<(-1e10,0),1e-10>')),
  column(
    'comp',
    '$S.pair',
    "ROW(1, 'x y')::$S.pair",
    "ROW(NULL, 'q\"uote,')::$S.pair",
    'ROW(NULL, NULL)::$S.pair',
  ),
  column('nm', 'name', ...l('a_name', '', 'with space "q"')),
  column('ch', '"char"', ...l('x', 'Z', ' ')),
  column('oi', 'oid', '0', '4294967295', '42'),
  column('lsn', 'pg_lsn', ...l('16/B374D848', '0/0', 'FFFFFFFF/FFFFFFFF')),
  column(
    'mac8',
    'macaddr8',
    ...l('08:00:2b:01:02:03:04:05', '00:00:00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff:ff:ff'),
  ),
  column('jp', 'jsonpath', ...l('$.a[*] ? (@ > 1)', '$', 'strict $."k y".**{2 to last}')),
  column('x8', 'xid8', ...l('0', '18446744073709551615', '42')),
  // System types a table may hold, and the types of contrib extensions (cube, seg, isn, lo).
  column('xi', 'xid', ...l('0', '4294967295', '42')),
  column('ti', 'tid', ...l('(0,0)', '(4294967295,65535)', '(1,2)')),
  // Not '-' (no relation): the sink's staging cast text::regclass refuses it (42P01), see the docs.
  column('rc', 'regclass', ...l('pg_class', 'pg_catalog.pg_type', 'pg_namespace')),
  column('rt', 'regtype', ...l('integer', 'timestamp with time zone', '"char"[]')),
  column('snap', 'pg_snapshot', ...l('10:20:10,14,15', '1:1:', '10:20:')),
  column('txs', 'txid_snapshot', ...l('10:20:10,14,15', '1:1:', '10:20:')),
  column('acl', 'aclitem', ...l('postgres=r/postgres', '=arwdDxt/postgres', 'postgres=r*w/postgres')),
  column('cu', 'cube', ...l('(1,2),(3,4)', '(0)', '(-1e-300, 1e300)')),
  column('sg', 'seg', ...l('1.5 .. 2.5', '<1', '~3.0e2')),
  column('isb', 'isbn', ...l('978-0-393-04002-9', '0-393-04002-X', '9791020304063')),
  column('i13', 'isbn13', ...l('978-0-393-04002-9', '979-10-90636-07-1', '9780393040029')),
  column('ism', 'ismn', ...l('979-0-3452-4680-5', 'M-3452-4680-5', '9790345246805')),
  column('iss', 'issn', ...l('1436-4522', '0317-8471', '9771436452008')),
  column('e13', 'ean13', ...l('0036000291452', '4006381333931', '978-0-393-04002-9')),
  column('up', 'upc', ...l('220356483481', '036000291452', '012345678905')),
  column('lob', 'lo', '0', '4294967295', '42'),
  // Arrays of each kind, with NULL elements and elements that need quoting.
  column('a_r_int4', 'int4range[]', ...l('{"[1,5)",empty,NULL}', '{}', '{"(,)"}')),
  column('a_r_ts', 'tsrange[]', ...l('{"[\\"2020-01-01 00:00:00\\",)"}', '{NULL}', '{empty}')),
  column('a_m_int4', 'int4multirange[]', ...l('{"{[1,2)}","{}"}', '{"{}"}', '{}')),
  column('a_h', 'hstore[]', ...l('{"\\"a\\"=>\\"1\\"",NULL,""}', '{}', '{"\\"q\\\\\\"x\\"=>NULL"}')),
  column('a_ci', 'citext[]', ...l('{A,b,NULL}', '{""}', '{"x y"}')),
  column('a_lt', 'ltree[]', ...l('{a.b,c}', '{""}', '{x.y}')),
  column('a_lq', 'lquery[]', ...l('{*.a,b}', '{}', '{a.*}')),
  column('a_ltq', 'ltxtquery[]', ...l('{"a & b","!x"}', '{}', '{y*}')),
  column('a_r_int8', 'int8range[]', ...l('{"[1,5)",empty,NULL}', '{}', '{"(,9223372036854775807)"}')),
  column('a_r_num', 'numrange[]', ...l('{"[1.50,infinity]",NULL}', '{}', '{empty}')),
  column('a_r_date', 'daterange[]', ...l('{"[2020-01-01,infinity)",NULL}', '{}', '{"[0044-03-15 BC,)"}')),
  column('a_r_tstz', 'tstzrange[]', ...l('{"[2020-01-01 00:00:00+05,)",NULL}', '{}', '{"(,)"}')),
  column('a_m_int8', 'int8multirange[]', ...l('{"{[1,2)}"}', '{}', '{"{(,)}"}')),
  column('a_m_num', 'nummultirange[]', ...l('{"{[1.5,2.5]}","{}"}', '{}', '{"{(,-1.00)}"}')),
  column('a_m_date', 'datemultirange[]', ...l('{"{[2020-01-01,2020-02-01)}"}', '{}', '{"{}"}')),
  column('a_m_ts', 'tsmultirange[]', ...l('{"{[\\"2020-01-01 00:00:00.5\\",)}"}', '{}', '{"{}"}')),
  column('a_m_tstz', 'tstzmultirange[]', ...l('{"{[2020-01-01 00:00:00+05,)}"}', '{}', '{"{(,)}"}')),
  column('a_ln', 'line[]', ...l('{"{1,2,3}","{0,-1,0.5}"}', '{}', '{"{-1.5,0,1e-300}"}')),
  column('a_ls', 'lseg[]', ...l('{"[(0,0),(1,1)]"}', '{}', '{"[(-1.5,2),(3,-4)]"}')),
  column('a_pa', 'path[]', ...l('{"[(0,0),(1,1)]","((0,0),(1,1))"}', '{}', '{"[(0.1,0.2)]"}')),
  column('a_pg', 'polygon[]', ...l('{"((0,0),(1,1),(1,0))"}', '{}', '{"((0,0))"}')),
  column('a_xid', 'xid[]', ...l('{0,4294967295}', '{}', '{42}')),
  column('a_tid', 'tid[]', ...l('{"(0,0)","(1,2)"}', '{}', '{"(4294967295,65535)"}')),
  column('a_rc', 'regclass[]', ...l('{pg_class,pg_type}', '{}', '{-,pg_namespace}')),
  column('a_rt', 'regtype[]', ...l('{integer,text}', '{}', '{"\\"char\\"[]"}')),
  column('a_snap', 'pg_snapshot[]', ...l('{"10:20:10,14,15"}', '{}', '{1:1:}')),
  column('a_cu', 'cube[]', ...l('{"(1,2),(3,4)","(0)"}', '{}', '{"(1)"}')),
  column('a_sg', 'seg[]', ...l('{"1.5 .. 2.5","<1"}', '{}', '{~3.0e2}')),
  column('a_isb', 'isbn[]', ...l('{978-0-393-04002-9}', '{}', '{0-393-04002-X}')),
  column('a_lo', 'lo[]', ...l('{0,4294967295}', '{}', '{42}')),
  column('a_jp', 'jsonpath[]', ...l('{"$.a[*] ? (@ > 1)",$}', '{}', '{"strict $.\\"k y\\""}')),
  column('a_x8', 'xid8[]', ...l('{0,18446744073709551615}', '{}', '{42}')),
  column('a_tv', 'tsvector[]', ...l("{\"'a' 'b'\"}", '{""}', '{b}')),
  column('a_tq', 'tsquery[]', ...l('{"a & b"}', '{}', '{"!c"}')),
  column('a_bx', 'box[]', ...l('{(1,1),(0,0);(2,2),(-1.5,0)}', '{}', '{(0,0),(0,0)}')),
  column('a_cir', 'circle[]', ...l('{"<(1,2),3>","<(0,0),0>"}', '{}', '{"<(-1,-1),0.5>"}')),
  column('a_lsn', 'pg_lsn[]', ...l('{0/1,16/B374D848}', '{}', '{FFFFFFFF/FFFFFFFF}')),
  column(
    'a_uuid',
    'uuid[]',
    ...l('{00000000-0000-0000-0000-000000000000,NULL}', '{}', '{ffffffff-ffff-ffff-ffff-ffffffffffff}'),
  ),
  column('a_jsonb', 'jsonb[]', ...l('{"{\\"a\\": 1.50}","null",NULL}', '{}', '{"[]","\\"\\""}')),
  column('a_json', 'json[]', ...l('{"{\\"a\\":  1}",NULL}', '{}', '{"null"}')),
  column('a_date', 'date[]', ...l('{2020-01-01,infinity,-infinity,NULL}', '{}', '{9999-12-31}')),
  column(
    'a_tstz',
    'timestamptz[]',
    ...l('{"2020-01-01 00:00:00+00",-infinity,infinity,NULL}', '{}', '{"2020-01-01 00:00:00.000001+05:30"}'),
  ),
  column('a_ts', 'timestamp[]', ...l('{"2020-01-01 00:00:00.000001",NULL}', '{}', '{infinity}')),
  column('a_bool', 'boolean[]', ...l('{t,f,NULL}', '{}', '{t}')),
  column(
    'a_f8',
    'float8[]',
    ...l('{NaN,-Infinity,Infinity,NULL,0.1,-0}', '{}', '{5e-324,1.7976931348623157e308}'),
  ),
  column('a_f4', 'real[]', ...l('{1.5,NaN,NULL}', '{}', '{-0,3.4028235e38}')),
  column('a_i2', 'smallint[]', ...l('{-32768,32767,NULL}', '{}', '{0}')),
  column('a_i8', 'bigint[]', ...l('{-9223372036854775808,9223372036854775807}', '{}', '{NULL}')),
  column(
    'a_num',
    'numeric[]',
    ...l('{1.50,NULL,-0.001}', '{}', '{12345678901234567890.12345678901234567890}'),
  ),
  column('a_inet', 'inet[]', ...l('{1.2.3.4/8,::1,NULL}', '{}', '{::ffff:1.2.3.4/128}')),
  column('a_cidr', 'cidr[]', ...l('{10.0.0.0/8,NULL}', '{}', '{::/0}')),
  column('a_mac', 'macaddr[]', ...l('{08:00:2b:01:02:03}', '{}', '{NULL}')),
  column('a_mac8', 'macaddr8[]', ...l('{08:00:2b:01:02:03:04:05}', '{}', '{NULL}')),
  column('a_bytea', 'bytea[]', ...l('{"\\\\x00ff",NULL,"\\\\x"}', '{}', '{"\\\\x5c"}')),
  column('a_varchar', 'varchar(5)[]', ...l('{ab,"c d",NULL}', '{""}', '{"NULL"}')),
  column('a_bpchar', 'char(2)[]', ...l('{a,bb}', '{"  "}', '{NULL}')),
  column('a_enum', '$S.hue[]', ...l('{red,"it\'s \\"q\\"","with space"}', '{}', '{red}')),
  column('a_dom', '$S.dtext[]', ...l('{x,"y z"}', '{""}', '{}')),
  column('a_char', '"char"[]', ...l('{a,b}', '{}', '{NULL}')),
  column('a_oid', 'oid[]', ...l('{0,4294967295}', '{}', '{NULL}')),
  column(
    'a_comp',
    '$S.pair[]',
    "ARRAY[ROW(1, 'a')::$S.pair, ROW(2, NULL)::$S.pair]",
    "'{}'::$S.pair[]",
    "ARRAY[ROW(NULL, 'q\"')::$S.pair]",
  ),
];

/**
 * Documented losses: columns Debezium leaves out of every event (it has no schema for their type,
 * even with include.unknown.datatypes), so the target keeps NULL (or the column's default); and
 * numeric arrays holding NaN or ±Infinity, which Debezium sends as a NULL array.
 */
export const TYPES_LOST: readonly TypeColumn[] = [
  column('a_money', 'money[]', ...l('{1.50,-2}', '{}', '{0}')),
  column('a_varbit', 'varbit[]', ...l('{1,0101}', '{}', '{""}')),
  column('a_point', 'point[]', ...l('{"(1,2)"}', '{}', '{NULL}')),
  column('a_interval', 'interval[]', ...l('{"1 mon","-1 days"}', '{}', '{NULL}')),
  column('a_xml', 'xml[]', ...l('{<a/>}', '{}', '{NULL}')),
  column('a_name', 'name[]', ...l('{a,b}', '{}', '{NULL}')),
  column('a_num_special', 'numeric[]', ...l('{1.50,NaN}', '{Infinity}', '{-Infinity,NULL}')),
  // Arrays of these types holding a NULL element arrive as a NULL array.
  column('a_lt_null', 'ltree[]', ...l('{a,NULL}', '{NULL}', '{NULL,NULL}')),
  column('a_tv_null', 'tsvector[]', ...l('{a,NULL}', '{NULL}', '{NULL}')),
  column('a_bx_null', 'box[]', ...l('{NULL}', '{NULL}', '{NULL}')),
  column('a_lsn_null', 'pg_lsn[]', ...l('{0/1,NULL}', '{NULL}', '{NULL}')),
  column('a_enum_null', '$S.hue[]', ...l('{red,NULL}', '{NULL}', '{NULL}')),
  column('a_dom_null', '$S.dtext[]', ...l('{x,NULL}', '{NULL}', '{NULL}')),
  column('a_lq_null', 'lquery[]', ...l('{a,NULL}', '{NULL}', '{NULL}')),
  column('a_ltq_null', 'ltxtquery[]', ...l('{a,NULL}', '{NULL}', '{NULL}')),
  column('a_tq_null', 'tsquery[]', ...l('{a,NULL}', '{NULL}', '{NULL}')),
  column('a_cir_null', 'circle[]', ...l('{"<(1,2),3>",NULL}', '{NULL}', '{NULL}')),
  column('a_ln_null', 'line[]', ...l('{"{1,2,3}",NULL}', '{NULL}', '{NULL}')),
  column('a_ls_null', 'lseg[]', ...l('{"[(0,0),(1,1)]",NULL}', '{NULL}', '{NULL}')),
  column('a_pa_null', 'path[]', ...l('{"[(0,0),(1,1)]",NULL}', '{NULL}', '{NULL}')),
  column('a_pg_null', 'polygon[]', ...l('{"((0,0),(1,1))",NULL}', '{NULL}', '{NULL}')),
  column('a_xid_null', 'xid[]', ...l('{1,NULL}', '{NULL}', '{NULL}')),
  column('a_tid_null', 'tid[]', ...l('{"(1,2)",NULL}', '{NULL}', '{NULL}')),
  column('a_rc_null', 'regclass[]', ...l('{pg_class,NULL}', '{NULL}', '{NULL}')),
  column('a_rt_null', 'regtype[]', ...l('{integer,NULL}', '{NULL}', '{NULL}')),
  column('a_snap_null', 'pg_snapshot[]', ...l('{"10:20:",NULL}', '{NULL}', '{NULL}')),
  column('a_cu_null', 'cube[]', ...l('{"(1)",NULL}', '{NULL}', '{NULL}')),
  column('a_sg_null', 'seg[]', ...l('{"1 .. 2",NULL}', '{NULL}', '{NULL}')),
  column('a_isb_null', 'isbn[]', ...l('{978-0-393-04002-9,NULL}', '{NULL}', '{NULL}')),
  column('a_lo_null', 'lo[]', ...l('{1,NULL}', '{NULL}', '{NULL}')),
  column('a_x8_null', 'xid8[]', ...l('{1,NULL}', '{NULL}', '{NULL}')),
  column('a_jp_null', 'jsonpath[]', ...l('{$,NULL}', '{NULL}', '{NULL}')),
  column('a_m_int4_null', 'int4multirange[]', ...l('{"{[1,2)}",NULL}', '{NULL}', '{NULL}')),
  column('a_m_int8_null', 'int8multirange[]', ...l('{"{[1,2)}",NULL}', '{NULL}', '{NULL}')),
  column('a_m_num_null', 'nummultirange[]', ...l('{"{[1,2)}",NULL}', '{NULL}', '{NULL}')),
  column('a_m_date_null', 'datemultirange[]', ...l('{"{}",NULL}', '{NULL}', '{NULL}')),
  column('a_m_ts_null', 'tsmultirange[]', ...l('{"{}",NULL}', '{NULL}', '{NULL}')),
  column('a_m_tstz_null', 'tstzmultirange[]', ...l('{"{}",NULL}', '{NULL}', '{NULL}')),
  column(
    'a_comp_null',
    '$S.pair[]',
    'ARRAY[NULL::$S.pair]',
    "ARRAY[ROW(1, 'a')::$S.pair, NULL]",
    "'{NULL}'::$S.pair[]",
  ),
];

/**
 * Documented losses that are a different value, not NULL, in arrays only (the scalars are exact):
 * a timestamptz before Christ arrives as the same date after Christ; a time of 24:00:00 as
 * 00:00:00, and other times cut to milliseconds. `arrives` is the target's text for rows 2, 3 and 4.
 */
export const ALTERED_IN_ARRAYS: readonly {
  readonly column: TypeColumn;
  readonly arrives: readonly string[];
}[] = [
  {
    column: column(
      'a_tstz_bc',
      'timestamptz[]',
      ...l(
        '{"0044-03-15 12:00:00+00 BC"}',
        '{"4713-01-01 00:00:00+00 BC",NULL}',
        '{"2020-01-01 00:00:00+00"}',
      ),
    ),
    arrives: ['{"0044-03-15 12:00:00+00"}', '{"4713-01-01 00:00:00+00",NULL}', '{"2020-01-01 00:00:00+00"}'],
  },
  {
    column: column('a_time', 'time[]', ...l('{24:00:00,12:00:00.5}', '{24:00:00}', '{23:59:59.999999,NULL}')),
    arrives: ['{00:00:00,12:00:00.5}', '{00:00:00}', '{23:59:59.999,NULL}'],
  },
];

/** One table each: the type Debezium cannot carry exactly, and what the dead letter's reason says. */
export const REFUSALS: readonly {
  readonly table: string;
  readonly type: string;
  /** Rows: id → SQL value; those with `applied` arrive exactly, the others are refused. */
  readonly rows: readonly { readonly id: number; readonly value: string; readonly applied: boolean }[];
  readonly reason: RegExp;
}[] = [
  {
    table: 'refuse_varbit',
    type: 'varbit(4)',
    rows: [
      { id: 1, value: "B'1010'", applied: true }, // its highest bit is at the maximum: nothing lost
      { id: 2, value: "B'101'", applied: false },
      { id: 3, value: "B'0'", applied: false },
      { id: 4, value: 'NULL', applied: true },
    ],
    reason: /varbit: Debezium sends the bits without their count.*PIPELINE_ACCEPT_LOSSES=varbit-length/,
  },
  {
    table: 'refuse_bit_array',
    type: 'bit(3)[]',
    rows: [
      { id: 1, value: "'{101,010}'", applied: false },
      { id: 2, value: 'NULL', applied: false }, // sent as null like every other value: no telling
    ],
    reason: /bit and varbit arrays: Debezium sends null for every value.*column\.exclude\.list/,
  },
  {
    table: 'refuse_timetz',
    type: 'timetz',
    rows: [
      { id: 1, value: "'12:34:56.789012+05:30'", applied: false },
      { id: 2, value: "'00:00:00+00'", applied: false }, // already UTC, but the decoder cannot know
      { id: 3, value: 'NULL', applied: true },
    ],
    reason: /timetz: Debezium sends the time moved to UTC.*PIPELINE_ACCEPT_LOSSES=timetz-offset/,
  },
  {
    table: 'refuse_timetz_array',
    type: 'timetz[]',
    rows: [
      { id: 1, value: "'{12:34:56.789012+05:30,NULL}'", applied: false },
      { id: 2, value: "'{NULL}'", applied: true }, // no time in it: nothing lost
      { id: 3, value: 'NULL', applied: true },
    ],
    reason: /timetz: Debezium sends the time moved to UTC.*PIPELINE_ACCEPT_LOSSES=timetz-offset/,
  },
  {
    table: 'refuse_int2vector',
    type: 'int2vector',
    rows: [
      { id: 1, value: "'1 2 3'", applied: false },
      { id: 2, value: "''", applied: false }, // sent as null: no telling it from a NULL
      { id: 3, value: 'NULL', applied: false },
    ],
    reason:
      /int2vector and oidvector: Debezium sends an empty array whatever the value.*column\.exclude\.list/,
  },
  {
    table: 'refuse_oidvector',
    type: 'oidvector',
    rows: [
      { id: 1, value: "'1 2 4294967295'", applied: false },
      { id: 2, value: 'NULL', applied: false },
    ],
    reason:
      /int2vector and oidvector: Debezium sends an empty array whatever the value.*column\.exclude\.list/,
  },
];

/** `CREATE TABLE` of a table with these columns, in the source (REPLICA IDENTITY FULL) or the target. */
export function typeTableSql(
  schema: string,
  table: string,
  columns: readonly { readonly name: string; readonly type: string }[],
  side: 'source' | 'target',
): string[] {
  const definitions = columns.map(({ name, type }) => `${name} ${type.replaceAll('$S', schema)}`);
  const extra = side === 'target' ? ', synced_at timestamptz DEFAULT now()' : '';
  return [
    `CREATE TABLE ${schema}.${table} (id integer PRIMARY KEY, ${definitions.join(', ')}${extra})`,
    ...(side === 'source' ? [`ALTER TABLE ${schema}.${table} REPLICA IDENTITY FULL`] : []),
  ];
}

/** `INSERT` of row `row` (1: all NULL; 2–4: the columns' values) with id `id`. */
export function typeRowSql(
  schema: string,
  table: string,
  columns: readonly TypeColumn[],
  row: 1 | 2 | 3 | 4,
  id: number,
): string {
  const values = columns.map((c) =>
    row === 1 ? 'NULL' : (c.values[row - 2] ?? 'NULL').replaceAll('$S', schema),
  );
  return `INSERT INTO ${schema}.${table} (id, ${columns.map((c) => c.name).join(', ')}) VALUES (${id}, ${values.join(', ')})`;
}

/** `UPDATE` of every column of `id` to row `row`'s values. */
export function typeUpdateSql(
  schema: string,
  table: string,
  columns: readonly TypeColumn[],
  row: 1 | 2 | 3 | 4,
  id: number,
): string {
  const sets = columns.map(
    (c) => `${c.name} = ${row === 1 ? 'NULL' : (c.values[row - 2] ?? 'NULL').replaceAll('$S', schema)}`,
  );
  return `UPDATE ${schema}.${table} SET ${sets.join(', ')} WHERE id = ${id}`;
}
