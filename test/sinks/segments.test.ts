import { describe, expect, it } from 'vitest';
import { tableKey, type TableLookup } from '../../src/sinks/catalog.js';
import { planChanges, type WorkItem } from '../../src/sinks/plan.js';
import { segmentsOf, upsertGroups, type Segment } from '../../src/sinks/segments.js';
import { UNAVAILABLE, type RoutedChange } from '../../src/types.js';
import { change, column, targetTable } from './fixtures.js';

const A = { schema: 'public', table: 'a' };
const B = { schema: 'public', table: 'b' };
const tableA = targetTable(A, [column('id', 'int4'), column('v', 'text'), column('w', 'text')], ['id']);
const tableB = targetTable(B, [column('id', 'int4'), column('v', 'text')], ['id']);
const lookups = new Map<string, TableLookup>([
  [tableKey(A), { kind: 'found', table: tableA }],
  [tableKey(B), { kind: 'found', table: tableB }],
]);

const items = (changes: readonly RoutedChange[]): readonly WorkItem[] =>
  planChanges(changes, lookups, { syncedAtColumn: 'synced_at', unknownColumns: 'ignore' }).items;
const upsert = (table: typeof A, id: string, v: string | typeof UNAVAILABLE = 'x') =>
  change(table, 'u', { key: { id }, after: { id, v, w: 'w' } });
const remove = (table: typeof A, id: string) => change(table, 'd', { key: { id } });

/** A segment as `table:kind[ids]`, for readable assertions. */
const show = (segment: Segment): string =>
  segment.kind === 'truncate'
    ? `${segment.table.ref.table}:truncate`
    : `${segment.table.ref.table}:upsert[${segment.upserts.map((i) => i.values[0]).join(',')}]` +
      `delete[${segment.deletes.map((i) => i.values[0]).join(',')}]`;

describe('segmentsOf', () => {
  it('applies each table together, tables in order of first appearance', () => {
    const segments = segmentsOf(items([upsert(A, '1'), upsert(B, '1'), remove(A, '2'), upsert(B, '2')]));
    expect(segments.map(show)).toEqual(['a:upsert[1]delete[2]', 'b:upsert[1,2]delete[]']);
  });

  it('puts a truncate between the rows before it and the rows after it, for its table only', () => {
    const segments = segmentsOf(
      items([upsert(A, '1'), upsert(B, '1'), change(A, 't'), upsert(A, '2'), upsert(B, '2')]),
    );
    expect(segments.map(show)).toEqual([
      'a:upsert[1]delete[]',
      'a:truncate',
      'a:upsert[2]delete[]',
      'b:upsert[1,2]delete[]',
    ]);
  });

  it('starts a new segment when a row key repeats (an uncompacted batch stays in order)', () => {
    const segments = segmentsOf(items([upsert(A, '1'), upsert(A, '2'), remove(A, '1'), upsert(A, '1')]));
    expect(segments.map(show)).toEqual([
      'a:upsert[1,2]delete[]',
      'a:upsert[]delete[1]',
      'a:upsert[1]delete[]',
    ]);
  });

  it('gives nothing for nothing', () => {
    expect(segmentsOf([])).toEqual([]);
  });
});

describe('upsertGroups', () => {
  it('groups rows by the columns they write, so unavailable columns get their own statement', () => {
    const [segment] = segmentsOf(
      items([upsert(A, '1'), upsert(A, '2', UNAVAILABLE), upsert(A, '3'), upsert(A, '4', UNAVAILABLE)]),
    );
    if (segment?.kind !== 'rows') throw new Error('expected a rows segment');
    const groups = upsertGroups(segment.upserts);
    expect(groups.map(({ columns, items: grouped }) => [columns, grouped.map((i) => i.values[0])])).toEqual([
      [
        ['id', 'v', 'w'],
        ['1', '3'],
      ],
      [
        ['id', 'w'],
        ['2', '4'],
      ],
    ]);
  });
});
