/**
 * The declared type rebuilt from an event's Connect schema. The parameters are the ones Debezium
 * 3.6.1 sent on the stack for each source column (column.propagate.source.type=.*), so each row
 * is a fact seen, not a guess; test/integration/tables-evolution.test.ts creates them for real.
 */
import { describe, expect, it } from 'vitest';
import type { ConnectSchema, ConnectType } from '../../src/debezium/connect-schema.js';
import { columnSpec, rowSchemaOf, type ColumnSpec } from '../../src/sinks/connect-columns.js';
import { columnSql } from '../../src/sinks/schema-evolution.js';

const field = (
  name: string,
  type: string,
  length: string,
  scale: string,
  { connect = 'string', optional = true }: { connect?: ConnectType; optional?: boolean } = {},
): ConnectSchema => ({
  type: connect,
  optional,
  field: name,
  parameters: {
    '__debezium.source.column.type': type,
    '__debezium.source.column.length': length,
    '__debezium.source.column.scale': scale,
    '__debezium.source.column.name': name,
  },
});

/** The SQL of a column, with the type written as the name itself (resolution is the target's job). */
const sqlOf = (schema: ConnectSchema): string => {
  const spec = columnSpec(schema) as ColumnSpec;
  return columnSql(spec, spec.typeName, { notNull: spec.notNull });
};

describe('columnSpec + columnSql: the declared type from the propagated source type', () => {
  it.each([
    ['varchar(100)', field('a', 'VARCHAR', '100', '0'), '"a" varchar(100)'],
    ['varchar', field('b', 'VARCHAR', '2147483647', '0'), '"b" varchar'],
    ['char(5)', field('c', 'BPCHAR', '5', '0'), '"c" bpchar(5)'],
    ['char (length 1)', field('af', 'BPCHAR', '1', '0'), '"af" bpchar(1)'],
    ['"char"', field('ag', 'CHAR', '1', '0'), '"ag" char'],
    ['numeric(10,2)', field('d', 'NUMERIC', '10', '2'), '"d" numeric(10,2)'],
    ['numeric', field('e', 'NUMERIC', '131089', '0'), '"e" numeric'],
    ['numeric(7)', field('f', 'NUMERIC', '7', '0'), '"f" numeric(7,0)'],
    ['timestamp(3)', field('g', 'TIMESTAMP', '26', '3', { connect: 'int64' }), '"g" timestamp(3)'],
    ['timestamp', field('h', 'TIMESTAMP', '29', '6', { connect: 'int64' }), '"h" timestamp'],
    ['timestamptz(0)', field('i', 'TIMESTAMPTZ', '28', '0'), '"i" timestamptz(0)'],
    ['time(2)', field('j', 'TIME', '11', '2', { connect: 'int32' }), '"j" time(2)'],
    ['timetz', field('k', 'TIMETZ', '21', '6'), '"k" timetz'],
    ['interval(3): the keyword form', field('m', 'INTERVAL', '49', '3'), '"m" interval(3)'],
    ['bit(3)', field('n', 'BIT', '3', '0', { connect: 'bytes' }), '"n" bit(3)'],
    ['varbit(7)', field('o', 'VARBIT', '7', '0', { connect: 'bytes' }), '"o" varbit(7)'],
    ['varbit', field('p', 'VARBIT', '2147483647', '0', { connect: 'bytes' }), '"p" varbit'],
    ['int[]', field('q', '_INT4', '10', '0', { connect: 'array' }), '"q" int4[]'],
    ['varchar(20)[]', field('r', '_VARCHAR', '20', '0', { connect: 'array' }), '"r" varchar(20)[]'],
    ['numeric(5,1)[]', field('s', '_NUMERIC', '5', '1', { connect: 'array' }), '"s" numeric(5,1)[]'],
    ['an enum', field('u', 'MOOD', '2147483647', '0'), '"u" mood'],
    ['real: its scale is no modifier', field('aa', 'FLOAT4', '8', '8', { connect: 'float' }), '"aa" float4'],
    [
      'a NOT NULL key',
      field('id', 'INT4', '10', '0', { connect: 'int32', optional: false }),
      '"id" int4 NOT NULL',
    ],
  ])('%s', (_, schema, sql) => {
    expect(sqlOf(schema)).toBe(sql);
  });

  it('refuses a column without the propagated type, naming the connector option: no guess', () => {
    const bare: ConnectSchema = { type: 'string', optional: true, field: 'note' };
    expect(columnSpec(bare)).toBe(
      'column "note" has no propagated source type: set column.propagate.source.type=.* on the Debezium ' +
        'connector (the shipped one does), or create the target table yourself',
    );
  });

  it('quotes a column name from the event, never pastes it', () => {
    expect(sqlOf(field('a"; DROP TABLE x; --', 'TEXT', '2147483647', '0'))).toBe(
      '"a""; DROP TABLE x; --" text',
    );
  });

  it('ignores a length or scale that is not a whole number', () => {
    expect(sqlOf(field('a', 'VARCHAR', '10); DROP TABLE x', '0'))).toBe('"a" varchar');
  });
});

describe('rowSchemaOf', () => {
  const row: ConnectSchema = { type: 'struct', optional: true, fields: [field('a', 'TEXT', '1', '0')] };
  it('takes the after struct, or the before struct of a delete', () => {
    expect(
      rowSchemaOf({
        type: 'struct',
        fields: [
          { ...row, field: 'before' },
          { ...row, field: 'after' },
        ],
      }),
    ).toEqual({
      ...row,
      field: 'after',
    });
    expect(rowSchemaOf({ type: 'struct', fields: [{ ...row, field: 'before' }] })).toEqual({
      ...row,
      field: 'before',
    });
    expect(rowSchemaOf({ type: 'struct', fields: [{ type: 'string', field: 'op' }] })).toBeUndefined();
  });
});
