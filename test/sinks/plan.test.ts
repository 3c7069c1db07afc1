import { describe, expect, it } from 'vitest';
import { tableKey, type TableLookup } from '../../src/sinks/catalog.js';
import { planChanges, unknownColumnsOf, type PlanOptions } from '../../src/sinks/plan.js';
import { UNAVAILABLE, type RoutedChange } from '../../src/types.js';
import { change, column, targetTable } from './fixtures.js';

const USERS = { schema: 'public', table: 'users' };
const MISSING = { schema: 'public', table: 'missing' };
const users = targetTable(
  USERS,
  [
    column('id', 'int4'),
    column('name', 'text'),
    column('bio', 'text'),
    column('full_name', 'text', { generated: true }),
    column('synced_at', 'timestamptz'),
  ],
  ['id'],
);
const lookups = new Map<string, TableLookup>([
  [tableKey(USERS), { kind: 'found', table: users }],
  [
    tableKey(MISSING),
    { kind: 'refused', reason: 'target table "public"."missing" does not exist: create it' },
  ],
]);
const IGNORE: PlanOptions = { syncedAtColumn: 'synced_at', unknownColumns: 'ignore' };
const DEAD_LETTER: PlanOptions = { ...IGNORE, unknownColumns: 'dead-letter' };

const plan = (changes: readonly RoutedChange[], options = IGNORE) => planChanges(changes, lookups, options);

describe('planChanges', () => {
  it('plans an upsert of the columns the event has, in table order, key included', () => {
    const created = change(USERS, 'c', { key: { id: '1' }, after: { name: 'Ann', id: '1', bio: null } });
    const { items, failures } = plan([created]);
    expect(failures).toEqual([]);
    expect(items).toEqual([
      {
        op: 'upsert',
        change: created,
        table: users,
        rowKey: '["1"]',
        columns: ['id', 'name', 'bio'],
        values: ['1', 'Ann', null],
      },
    ]);
  });

  it('treats snapshot reads and updates as upserts', () => {
    const { items } = plan([
      change(USERS, 'r', { key: { id: '1' }, after: { id: '1', name: 'a' } }),
      change(USERS, 'u', { key: { id: '2' }, after: { id: '2', name: 'b' } }),
    ]);
    expect(items.map((item) => item.op)).toEqual(['upsert', 'upsert']);
  });

  it('leaves out unavailable (TOASTed) columns, generated columns and the sync-time column', () => {
    const updated = change(USERS, 'u', {
      key: { id: '1' },
      after: { id: '1', name: 'Ann', bio: UNAVAILABLE, full_name: 'x', synced_at: '2020-01-01' },
    });
    const [item] = plan([updated]).items;
    expect(item).toMatchObject({ op: 'upsert', columns: ['id', 'name'], values: ['1', 'Ann'] });
  });

  it('plans a delete by the key, taking a key column from the before image when the record key lacks it', () => {
    const deleted = change(USERS, 'd', { key: {}, before: { id: '7', name: 'x' } });
    expect(plan([deleted]).items).toEqual([
      { op: 'delete', change: deleted, table: users, rowKey: '["7"]', values: ['7'] },
    ]);
  });

  it('plans a truncate', () => {
    const truncated = change(USERS, 't');
    expect(plan([truncated]).items).toEqual([{ op: 'truncate', change: truncated, table: users }]);
  });

  it('makes every change of a refused table a failure with the reason, keeping the others', () => {
    const lost = change(MISSING, 'c', { key: { id: '1' }, after: { id: '1' } });
    const kept = change(USERS, 'c', { key: { id: '1' }, after: { id: '1' } });
    const { items, failures } = plan([lost, kept]);
    expect(items.map((item) => item.change)).toEqual([kept]);
    expect(failures).toEqual([
      expect.objectContaining({
        kind: 'failure',
        stage: 'apply',
        origin: lost.origin,
        reason: expect.stringContaining('"public"."missing"'),
      }),
    ]);
  });

  it('ignores unknown columns by default and reports them', () => {
    const created = change(USERS, 'c', { key: { id: '1' }, after: { id: '1', name: 'a', nickname: 'z' } });
    const { items, ignoredColumns } = plan([created]);
    expect(items[0]).toMatchObject({ columns: ['id', 'name'] });
    expect(ignoredColumns).toEqual([{ table: USERS, column: 'nickname' }]);
  });

  it("makes a change with unknown columns a failure under 'dead-letter', naming them", () => {
    const created = change(USERS, 'c', {
      key: { id: '1' },
      after: { id: '1', nickname: 'z', 'odd "col"': '1' },
    });
    const { items, failures } = plan([created], DEAD_LETTER);
    expect(items).toEqual([]);
    expect(failures[0]?.reason).toBe(
      'columns "nickname", "odd ""col""" not in target table "public"."users": ' +
        'add them to the target table, or run with PIPELINE_UNKNOWN_COLUMNS=ignore to leave their values out',
    );
  });

  it('fails a change whose key is absent, NULL or unavailable, or an upsert without an after image', () => {
    const { items, failures } = plan([
      change(USERS, 'c', { key: {}, after: { name: 'a' } }),
      change(USERS, 'c', { key: { id: '1' }, after: { id: null } }),
      change(USERS, 'd', { key: { id: UNAVAILABLE } }),
      change(USERS, 'u', { key: { id: '1' }, after: null }),
    ]);
    expect(items).toEqual([]);
    expect(failures.map((failure) => failure.reason)).toEqual([
      expect.stringContaining('primary key column "id"'),
      expect.stringContaining('primary key column "id"'),
      expect.stringContaining('primary key column "id"'),
      expect.stringContaining('no after image'),
    ]);
  });

  it('throws on a table that was not looked up (a bug in the caller)', () => {
    expect(() => plan([change({ schema: 'x', table: 'y' }, 't')])).toThrow(RangeError);
  });
});

describe('unknownColumnsOf', () => {
  it('lists the after-image columns the table lacks; deletes and truncates have none', () => {
    expect(unknownColumnsOf(users, change(USERS, 'u', { after: { id: '1', extra: 'x' } }))).toEqual([
      'extra',
    ]);
    expect(unknownColumnsOf(users, change(USERS, 'd', { before: { extra: 'x' } }))).toEqual([]);
    expect(unknownColumnsOf(users, change(USERS, 't'))).toEqual([]);
  });
});
