import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { batch } from '../../src/operators/batch.js';

/** Items that carry their size, as ChangeEvent does. */
const sized = { a: { id: 'a', sizeBytes: 40 }, b: { id: 'b', sizeBytes: 40 }, c: { id: 'c', sizeBytes: 30 } };
const { a, b, c } = sized;

describe('batch', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('emits when a batch reaches maxSize, and the remainder on completion', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -a-b-c-d-e-|');
      const subs = '        ^----------!';
      const expected = '    -----x-----(y|)';

      const batched = source.pipe(batch({ maxSize: 3, maxBytes: 0, maxWaitMs: 0 }));
      expectObservable(batched).toBe(expected, { x: ['a', 'b', 'c'], y: ['d', 'e'] });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('emits when the sizes reach maxBytes, counting the item that reached it (sizeBytes by default)', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -a-b-c-a-b-|', sized);
      const subs = '        ^----------!';
      const expected = '    -----x-----(y|)';

      const batched = source.pipe(batch({ maxSize: 0, maxBytes: 110, maxWaitMs: 0 }));
      expectObservable(batched).toBe(expected, { x: [a, b, c], y: [a, b] });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('measures items with sizeOf when given', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -a-bb-c-|');
      const subs = '        ^-------!';
      const expected = '    ---x--y-|';

      const batched = source.pipe(batch({ maxSize: 0, maxBytes: 2, maxWaitMs: 0, sizeOf: () => 1 }));
      expectObservable(batched).toBe(expected, { x: ['a', 'b'], y: ['b', 'c'] });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('emits maxWaitMs after the first item of the batch, not on a fixed clock', () => {
    testScheduler.run(({ cold, time, expectObservable, expectSubscriptions }) => {
      const maxWaitMs = time('  -----|');
      const source = cold('     -a-b-------c-------|');
      const subs = '            ^------------------!';
      const expected = '        ------x---------y--|';

      const batched = source.pipe(batch({ maxSize: 0, maxBytes: 0, maxWaitMs }, testScheduler));
      expectObservable(batched).toBe(expected, { x: ['a', 'b'], y: ['c'] });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('restarts the clock after a batch closed on size, and never emits an empty batch', () => {
    testScheduler.run(({ cold, time, expectObservable, expectSubscriptions }) => {
      const maxWaitMs = time('  -----|');
      const source = cold('     -ab-c---------------|');
      const subs = '            ^-------------------!';
      const expected = '        --x------y----------|';

      const batched = source.pipe(batch({ maxSize: 2, maxBytes: 0, maxWaitMs }, testScheduler));
      expectObservable(batched).toBe(expected, { x: ['a', 'b'], y: ['c'] });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('emits the remainder with the completion, before its timer', () => {
    testScheduler.run(({ cold, time, expectObservable, expectSubscriptions }) => {
      const maxWaitMs = time('  -----|');
      const source = cold('     -a-|');
      const subs = '            ^--!';
      const expected = '        ---(x|)';

      const batched = source.pipe(batch({ maxSize: 10, maxBytes: 0, maxWaitMs }, testScheduler));
      expectObservable(batched).toBe(expected, { x: ['a'] });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('never emits for a source that never emits', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -');
      const subs = '        ^';
      const expected = '    -';

      expectObservable(source.pipe(batch({}, testScheduler))).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('completes without a batch for an empty source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' |');
      const subs = '        (^!)';
      const expected = '    |';

      expectObservable(source.pipe(batch({}, testScheduler))).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('forwards a source error and drops the open batch', () => {
    testScheduler.run(({ cold, time, expectObservable, expectSubscriptions }) => {
      const maxWaitMs = time('  -----|');
      const source = cold('     -a-b-#', undefined, new Error('broker gone'));
      const subs = '            ^----!';
      const expected = '        -----#';

      const batched = source.pipe(batch({ maxSize: 10, maxWaitMs }, testScheduler));
      expectObservable(batched).toBe(expected, undefined, new Error('broker gone'));
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('keeps batching a never-ending source; an early unsubscribe cancels the pending timer', () => {
    testScheduler.run(({ hot, time, expectObservable, expectSubscriptions }) => {
      const maxWaitMs = time(' ---|');
      const source = hot('  -a-^-b-c---d----e-');
      const subs = '           ^---------!';
      const unsub = '          ----------!';
      const expected = '       -----x-----';

      const batched = source.pipe(batch({ maxSize: 0, maxBytes: 0, maxWaitMs }, testScheduler));
      expectObservable(batched, unsub).toBe(expected, { x: ['b', 'c'] });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('errors when sizeOf throws', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -a-b-c-|');
      const subs = '        ^--!';
      const expected = '    ---#';
      const sizeOf = (item: string): number => {
        if (item === 'b') throw new Error('cannot measure b');
        return 1;
      };

      const batched = source.pipe(batch({ maxSize: 10, maxBytes: 0, maxWaitMs: 0, sizeOf }));
      expectObservable(batched).toBe(expected, undefined, new Error('cannot measure b'));
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('keeps its state per subscription: one operator value, two sources', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const first = cold('      -a-b-c-|');
      const second = cold('     --x-y--|');
      const firstSubs = '       ^------!';
      const secondSubs = '      ^------!';
      const expectedFirst = '   ---p---(q|)';
      const expectedSecond = '  ----r--|';

      const pairs = batch<string>({ maxSize: 2, maxBytes: 0, maxWaitMs: 0 });
      expectObservable(first.pipe(pairs)).toBe(expectedFirst, { p: ['a', 'b'], q: ['c'] });
      expectObservable(second.pipe(pairs)).toBe(expectedSecond, { r: ['x', 'y'] });
      expectSubscriptions(first.subscriptions).toBe(firstSubs);
      expectSubscriptions(second.subscriptions).toBe(secondSubs);
    });
  });

  it('refuses a policy with every limit off, naming the fields', () => {
    expect(() => batch({ maxSize: 0, maxBytes: 0, maxWaitMs: 0 })).toThrow(
      new RangeError('batch: maxSize, maxBytes and maxWaitMs are all 0 (off); set at least one limit'),
    );
    expect(() => batch({ maxSize: -1 })).toThrow(RangeError);
    expect(() => batch({ maxWaitMs: Number.NaN })).toThrow(/maxWaitMs/);
    expect(() => batch({ maxBytes: Infinity })).toThrow(/maxBytes/);
  });
});
