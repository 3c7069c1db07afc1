import { concatMap, map, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LANES } from '../../src/defaults.js';
import { batch } from '../../src/operators/batch.js';
import { changeKey, changeLanes, laneIndex, lanes } from '../../src/operators/lanes.js';
import type { Op, RoutedChange } from '../../src/types.js';

/** Items are keyed by their first letter: with two lanes, 'a' goes to lane 0 and 'b' to lane 1. */
const firstLetter = (item: string): string => item.charAt(0);
const values = { p: 'a1', q: 'b1', r: 'a2', s: 'b2', t: 'a3' };

/** Tags each item with its lane, synchronously. */
const tagged = (items: Observable<string>, index: number): Observable<string> =>
  items.pipe(map((item) => `${index}:${item}`));

const change = (op: Op, id: string | null, table = 'users'): RoutedChange => ({
  kind: 'change',
  op,
  key: id === null ? {} : { id },
  before: null,
  after: id === null ? null : { id },
  source: { schema: 'public', table, lsn: null, txId: null, tsMs: 0, snapshot: 'false' },
  origin: { topic: `dbserver1.public.${table}`, partition: 0, offset: id ?? 't' },
  record: { key: null, value: null },
  sizeBytes: 10,
  target: { schema: 'public', table },
});

describe('laneIndex', () => {
  it('is 32-bit FNV-1a modulo the lane count', () => {
    expect(laneIndex('', 2 ** 32)).toBe(0x811c9dc5);
    expect(laneIndex('a', 2 ** 32)).toBe(0xe40c292c);
    expect(laneIndex('foobar', 2 ** 32)).toBe(0xbf9cf968);
    expect([laneIndex('a', 2), laneIndex('b', 2)]).toEqual([0, 1]);
    expect(laneIndex('anything', 1)).toBe(0);
  });
});

describe('changeKey', () => {
  it('names the target table and the key values, whatever the column order', () => {
    const ab = { ...change('c', '1'), key: { tenant: 'x', id: '1' } };
    const ba = { ...change('u', '1'), key: { id: '1', tenant: 'x' } };
    expect(changeKey(ab)).toBe(changeKey(ba));
    expect(changeKey(change('c', '1'))).not.toBe(changeKey(change('c', '1', 'orders')));
    expect(changeKey(change('c', '1'))).not.toBe(changeKey(change('c', '2')));
    expect(changeKey(change('c', '1'))).toBe('["public","users",["id","1"]]');
  });

  it('keeps the text of earlier versions, which the lane offsets in the target depend on', () => {
    const composite = { ...change('c', '1'), key: { 'b"q': null, a: 'x\\y', id: 'ü' } };
    expect(changeKey(composite)).toBe(
      JSON.stringify(['public', 'users', ['a', 'x\\y'], ['b"q', null], ['id', 'ü']]),
    );
  });
});

describe('lanes', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('keeps one key in order, one item at a time, and runs other lanes in parallel', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -prq|', values);
      const subs = '        ^---!';
      const expected = '    ---x-zy|';

      const slow = (items: Observable<string>, index: number): Observable<string> =>
        items.pipe(concatMap((item) => cold('--d|', { d: `${index}:${item}` })));
      expectObservable(source.pipe(lanes({ count: 2, key: firstLetter, lane: slow }))).toBe(expected, {
        x: '0:a1',
        y: '0:a2',
        z: '1:b1',
      });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('lets each lane batch and flush sequentially: the pipeline shape', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -pqrst|', values);
      const subs = '        ^-----!';
      const expected = '    ----xy-z|';

      const batchAndFlush = (items: Observable<string>): Observable<string> =>
        items.pipe(
          batch({ maxSize: 2, maxBytes: 0, maxWaitMs: 0 }),
          concatMap((flushed) => cold('-f|', { f: flushed.join('+') })),
        );
      const flushed = source.pipe(lanes({ count: 2, key: firstLetter, lane: batchAndFlush }));
      expectObservable(flushed).toBe(expected, { x: 'a1+a2', y: 'b1+b2', z: 'a3' });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('never emits for a source that never emits', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -', values);
      const subs = '        ^';
      const expected = '    -';

      expectObservable(source.pipe(lanes({ key: firstLetter, lane: tagged }))).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('completes with an empty source, building no lane', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' |', values);
      const subs = '        (^!)';
      const expected = '    |';
      const lane = (): Observable<string> => {
        throw new Error('no lane expected');
      };

      expectObservable(source.pipe(lanes({ key: firstLetter, lane }))).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('forwards a source error', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -pq#', values, new Error('broker gone'));
      const subs = '        ^--!';
      const expected = '    -xy#';

      const laned = source.pipe(lanes({ count: 2, key: firstLetter, lane: tagged }));
      expectObservable(laned).toBe(expected, { x: '0:a1', y: '1:b1' }, new Error('broker gone'));
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('keeps up with a never-ending source and stops at an early unsubscribe', () => {
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  -p-^-q-r-s-t-', values);
      const subs = '           ^----!';
      const unsub = '          -----!';
      const expected = '       --x-y-';

      const laned = source.pipe(lanes({ count: 2, key: firstLetter, lane: tagged }));
      expectObservable(laned, unsub).toBe(expected, { x: '1:b1', y: '0:a2' });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('errors when the key selector throws', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -pq-|', values);
      const subs = '        ^-!';
      const expected = '    -x#';
      const key = (item: string): string => {
        if (item === 'b1') throw new Error('no key for b1');
        return item;
      };

      expectObservable(source.pipe(lanes({ key, lane: tagged }))).toBe(
        expected,
        { x: `${laneIndex('a1', DEFAULT_LANES)}:a1` },
        new Error('no key for b1'),
      );
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('errors when building a lane throws', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -pq-|', values);
      const subs = '        ^-!';
      const expected = '    -x#';
      const lane = (items: Observable<string>, index: number): Observable<string> => {
        if (index === 1) throw new Error('lane 1 is closed');
        return tagged(items, index);
      };

      expectObservable(source.pipe(lanes({ count: 2, key: firstLetter, lane }))).toBe(
        expected,
        { x: '0:a1' },
        new Error('lane 1 is closed'),
      );
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('keeps its state per subscription: one operator value, two sources', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const first = cold('      -pq|', values);
      const second = cold('     --r|', values);
      const firstSubs = '       ^--!';
      const secondSubs = '      ^--!';
      const expectedFirst = '   -xy|';
      const expectedSecond = '  --z|';

      const operator = lanes({ count: 2, key: firstLetter, lane: tagged });
      expectObservable(first.pipe(operator)).toBe(expectedFirst, { x: '0:a1', y: '1:b1' });
      expectObservable(second.pipe(operator)).toBe(expectedSecond, { z: '0:a2' });
      expectSubscriptions(first.subscriptions).toBe(firstSubs);
      expectSubscriptions(second.subscriptions).toBe(secondSubs);
    });
  });

  it('refuses a lane count that is not a positive integer', () => {
    expect(() => lanes({ count: 0, key: firstLetter, lane: tagged })).toThrow(RangeError);
    expect(() => lanes({ count: 1.5, key: firstLetter, lane: tagged })).toThrow(
      /count must be a positive integer/,
    );
  });
});

describe('changeLanes', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('flushes every lane before a truncate, applies it alone, then goes on', () => {
    // users 1 and 3 hash to lane 0, users 2 to lane 1 (of 2).
    const user1 = change('c', '1');
    const user2 = change('c', '2');
    const truncate = change('t', null);
    const user3 = change('c', '3');
    expect([user1, user2, user3].map((c) => laneIndex(changeKey(c), 2))).toEqual([0, 1, 0]);

    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -abT-c---|', { a: user1, b: user2, T: truncate, c: user3 });
      const subs = '        ^--------!';
      const expected = '    -----xy--z--w|';

      // Batches close only when their lane completes; lane 0 flushes in 2 frames, lane 1 in 3.
      const lane = (changes: Observable<RoutedChange>, index: number): Observable<RoutedChange[]> =>
        changes.pipe(
          batch({ maxSize: 100, maxBytes: 0, maxWaitMs: 0 }),
          concatMap((flushed) => cold(index === 0 ? '--f|' : '---f|', { f: flushed })),
        );
      expectObservable(source.pipe(changeLanes({ count: 2, lane }))).toBe(expected, {
        x: [user1],
        y: [user2],
        z: [truncate],
        w: [user3],
      });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });
});
