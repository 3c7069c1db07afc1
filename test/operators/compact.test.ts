import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { compact, compactBatch } from '../../src/operators/compact.js';
import { UNAVAILABLE, type Op, type Row, type RoutedChange } from '../../src/types.js';

let offset = 0;

/** A routed change to `schema.table` (default public.users) of the row with primary key `id`. */
const change = (op: Op, id: string | null, after: Row | null = null, table = 'users'): RoutedChange => {
  offset += 1;
  const key: Row = id === null ? {} : { id };
  return {
    kind: 'change',
    op,
    key,
    before: op === 'd' ? key : null,
    after: op === 'd' || op === 't' ? null : { ...key, ...after },
    source: { schema: 'public', table, lsn: String(offset), txId: '1', tsMs: 0, snapshot: 'false' },
    origin: { topic: `dbserver1.public.${table}`, partition: 0, offset: String(offset) },
    record: { key: null, value: null },
    sizeBytes: 100,
    target: { schema: 'public', table },
  };
};

describe('compactBatch', () => {
  it('keeps the last write of a row, at the position of its last change', () => {
    const create1 = change('c', '1', { name: 'a' });
    const create2 = change('c', '2', { name: 'b' });
    const update1 = change('u', '1', { name: 'c' });
    expect(compactBatch([create1, create2, update1])).toEqual([create2, update1]);
  });

  it('lets a delete win over the writes before it', () => {
    const create = change('c', '1', { name: 'a' });
    const update = change('u', '1', { name: 'b' });
    const remove = change('d', '1');
    expect(compactBatch([create, update, remove])).toEqual([remove]);
  });

  it('lets a write after a delete win: the row is re-inserted', () => {
    const remove = change('d', '1');
    const create = change('c', '1', { name: 'again' });
    const read = change('r', '2', { name: 'snap' });
    expect(compactBatch([remove, read, create])).toEqual([read, create]);
  });

  it('never lets the unavailable placeholder replace a value known earlier in the batch', () => {
    const create = change('c', '1', { name: 'a', bio: 'long text', avatar: null });
    const update = change('u', '1', { name: 'b', bio: UNAVAILABLE, avatar: UNAVAILABLE });
    expect(compactBatch([create, update])).toEqual([
      { ...update, after: { id: '1', name: 'b', bio: 'long text', avatar: null } },
    ]);
  });

  it('carries a known value over several updates, and keeps the placeholder when nothing is known', () => {
    const first = change('u', '1', { name: 'a', bio: UNAVAILABLE, notes: 'n' });
    const second = change('u', '1', { name: 'b', bio: UNAVAILABLE, notes: UNAVAILABLE });
    const third = change('u', '1', { name: 'c', bio: UNAVAILABLE, notes: UNAVAILABLE });
    expect(compactBatch([first, second, third])).toEqual([
      { ...third, after: { id: '1', name: 'c', bio: UNAVAILABLE, notes: 'n' } },
    ]);
  });

  it('treats columns named like Object.prototype members as ordinary columns', () => {
    /** A row with one own column, whatever its name (a literal `__proto__:` would set the prototype). */
    const column = (name: string, value: Row[string]): Row =>
      Object.defineProperty({}, name, { value, enumerable: true, writable: true, configurable: true });
    const valueOf = (row: Row | null | undefined, name: string): unknown =>
      row ? Object.getOwnPropertyDescriptor(row, name)?.value : undefined;

    const create = change('c', '1', { name: 'a' });
    const update = change('u', '1', {
      ...column('__proto__', UNAVAILABLE),
      ...column('constructor', UNAVAILABLE),
    });
    const [unknown] = compactBatch([create, update]);
    expect(valueOf(unknown?.after, '__proto__')).toBe(UNAVAILABLE);
    expect(valueOf(unknown?.after, 'constructor')).toBe(UNAVAILABLE);

    const known = change('c', '2', column('__proto__', 'x'));
    const later = change('u', '2', column('__proto__', UNAVAILABLE));
    const [filled] = compactBatch([known, later]);
    expect(valueOf(filled?.after, '__proto__')).toBe('x');
    expect(Object.getPrototypeOf(filled?.after)).toBe(Object.prototype);
  });

  it('does not fill the placeholder from a write before a delete', () => {
    const create = change('c', '1', { bio: 'old' });
    const remove = change('d', '1');
    const update = change('u', '1', { bio: UNAVAILABLE });
    expect(compactBatch([create, remove, update])).toEqual([update]);
  });

  it('drops every earlier change of a truncated table and keeps the truncate before what follows', () => {
    const user1 = change('c', '1', { name: 'a' });
    const order1 = change('c', '1', { total: '9.99' }, 'orders');
    const user2 = change('u', '2', { name: 'b' });
    const truncate = change('t', null);
    const user1Again = change('c', '1', { name: 'fresh' });
    const order2 = change('c', '2', { total: '1.00' }, 'orders');
    expect(compactBatch([user1, order1, user2, truncate, user1Again, order2])).toEqual([
      order1,
      truncate,
      user1Again,
      order2,
    ]);
  });

  it('keeps only the last of two truncates, and does not merge across a truncate', () => {
    const first = change('t', null);
    const create = change('c', '1', { bio: 'before truncate' });
    const second = change('t', null);
    const update = change('u', '1', { bio: UNAVAILABLE });
    expect(compactBatch([first, create, second, update])).toEqual([second, update]);
  });

  it('tells rows apart by target table and by every key column', () => {
    const users = change('c', '1', { name: 'a' });
    const orders = change('c', '1', { total: '2' }, 'orders');
    const composite = (tenant: string): RoutedChange => ({ ...change('c', '1'), key: { tenant, id: '1' } });
    const tenantA = composite('a');
    const tenantB = composite('b');
    expect(compactBatch([users, orders, tenantA, tenantB])).toEqual([users, orders, tenantA, tenantB]);
  });

  it('keeps changes without key columns as they are', () => {
    const first = change('c', null, { note: 'x' });
    const second = change('c', null, { note: 'x' });
    expect(compactBatch([first, second])).toEqual([first, second]);
  });

  it('leaves an empty batch empty and its input untouched', () => {
    expect(compactBatch([])).toEqual([]);
    const create = change('c', '1', { bio: 'x' });
    const update = change('u', '1', { bio: UNAVAILABLE });
    const input = Object.freeze(
      [create, update].map((c) => Object.freeze({ ...c, after: Object.freeze(c.after) })),
    );
    expect(() => compactBatch(input)).not.toThrow();
    expect(input[1]?.after).toEqual({ id: '1', bio: UNAVAILABLE });
  });
});

describe('compact', () => {
  let testScheduler: TestScheduler;

  const create = change('c', '1', { name: 'a' });
  const update = change('u', '1', { name: 'b' });
  const remove = change('d', '2');
  const batches = { x: [create, update, remove], y: [remove], z: [create] };

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('compacts each batch', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -x-y-z-|', batches);
      const subs = '        ^------!';
      const expected = '    -x-y-z-|';

      expectObservable(source.pipe(compact())).toBe(expected, {
        x: [update, remove],
        y: [remove],
        z: [create],
      });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('never emits for a source that never emits', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -', batches);
      const subs = '        ^';
      const expected = '    -';

      expectObservable(source.pipe(compact())).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('completes with an empty source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' |', batches);
      const subs = '        (^!)';
      const expected = '    |';

      expectObservable(source.pipe(compact())).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('forwards a source error', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -y-#', batches, new Error('lane failed'));
      const subs = '        ^--!';
      const expected = '    -y-#';

      expectObservable(source.pipe(compact())).toBe(expected, { y: [remove] }, new Error('lane failed'));
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('keeps up with a never-ending source and stops at an early unsubscribe', () => {
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  -x-^-y-z-x-', batches);
      const subs = '           ^----!';
      const unsub = '          -----!';
      const expected = '       --y-z-';

      expectObservable(source.pipe(compact()), unsub).toBe(expected, { y: [remove], z: [create] });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });
});
