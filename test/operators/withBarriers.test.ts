import { concatMap, mergeMap, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { withBarriers } from '../../src/operators/withBarriers.js';

/** Upper-case letters are barriers. */
const isBarrier = (item: string): boolean => item === item.toUpperCase();

describe('withBarriers', () => {
  let testScheduler: TestScheduler;
  /** Ordinary items take 3 frames each, in parallel; a barrier takes 1. */
  let config: Parameters<typeof withBarriers<string, string>>[0];

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    config = {
      isBarrier,
      segment: (items: Observable<string>) =>
        items.pipe(mergeMap((item) => testScheduler.createColdObservable('---i|', { i: item }))),
      barrier: (item: string) => testScheduler.createColdObservable('-b|', { b: item }),
    };
  });

  it('runs a barrier after the work before it and before the work after it', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -ab-T-c--d---|');
      const subs = '        ^------------!';
      const expected = '    ----ab-T---cd|';

      expectObservable(source.pipe(withBarriers(config))).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('runs ordinary items live, in parallel, when no barrier comes', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -abc-|');
      const subs = '        ^----!';
      const expected = '    ----abc|';

      expectObservable(source.pipe(withBarriers(config))).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('runs consecutive barriers one after the other, and a barrier first', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -XY-a-|');
      const subs = '        ^-----!';
      const expected = '    --X-Y---a|';

      expectObservable(source.pipe(withBarriers(config))).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('completes only after the barrier and the items waiting behind it have run', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -a-Tb|');
      const subs = '        ^----!';
      const expected = '    ----a-T---b|';

      expectObservable(source.pipe(withBarriers(config))).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('works with segments and barriers that complete synchronously', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -aTbXY-c|');
      const subs = '        ^-------!';
      const expected = '    -aTbXY-c|';
      const syncConfig = {
        isBarrier,
        segment: (items: Observable<string>) => items,
        barrier: (item: string) => [item],
      };

      expectObservable(source.pipe(withBarriers(syncConfig))).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('never emits for a source that never emits', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<string>(' -');
      const subs = '                ^';
      const expected = '            -';

      expectObservable(source.pipe(withBarriers(config))).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('completes with an empty source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<string>(' |');
      const subs = '                (^!)';
      const expected = '            |';

      expectObservable(source.pipe(withBarriers(config))).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('forwards a source error at once, dropping work in progress', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -a-T#', undefined, new Error('broker gone'));
      const subs = '        ^---!';
      const expected = '    ----#';

      expectObservable(source.pipe(withBarriers(config))).toBe(expected, undefined, new Error('broker gone'));
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('forwards an error of a barrier', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -T-a-|');
      const subs = '        ^--!';
      const expected = '    ---#';
      const failing = { ...config, barrier: () => cold('--#', undefined, new Error('truncate failed')) };

      expectObservable(source.pipe(withBarriers(failing))).toBe(
        expected,
        undefined,
        new Error('truncate failed'),
      );
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('forwards an error of a segment', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -aT-b-|');
      const subs = '        ^--!';
      const expected = '    ---#';
      const failing = {
        ...config,
        segment: (items: Observable<string>) =>
          items.pipe(concatMap(() => cold('--#', undefined, new Error('flush failed')))),
      };

      expectObservable(source.pipe(withBarriers(failing))).toBe(
        expected,
        undefined,
        new Error('flush failed'),
      );
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('keeps up with a never-ending source and stops at an early unsubscribe', () => {
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  -a-^-b-T-c-d-e-');
      const subs = '           ^--------!';
      const unsub = '          ---------!';
      const expected = '       -----b-T-';

      expectObservable(source.pipe(withBarriers(config)), unsub).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('errors when isBarrier throws', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -a-b-|');
      const subs = '        ^--!';
      const expected = '    ---#';
      const throwing = {
        ...config,
        isBarrier: (item: string) => {
          if (item === 'b') throw new Error('cannot classify b');
          return false;
        },
      };

      expectObservable(source.pipe(withBarriers(throwing))).toBe(
        expected,
        undefined,
        new Error('cannot classify b'),
      );
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('errors when barrier throws, also when it runs after waiting', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -aT--|');
      const subs = '        ^----!';
      const expected = '    ----a#';
      const throwing = {
        ...config,
        barrier: (): Observable<string> => {
          throw new Error('no barrier today');
        },
      };

      expectObservable(source.pipe(withBarriers(throwing))).toBe(
        expected,
        undefined,
        new Error('no barrier today'),
      );
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('keeps its state per subscription: one operator value, two sources', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const first = cold('      -aT-|');
      const second = cold('     --b-|');
      const firstSubs = '       ^---!';
      const secondSubs = '      ^---!';
      const expectedFirst = '   ----a-T|';
      const expectedSecond = '  -----b|';

      const operator = withBarriers(config);
      expectObservable(first.pipe(operator)).toBe(expectedFirst);
      expectObservable(second.pipe(operator)).toBe(expectedSecond);
      expectSubscriptions(first.subscriptions).toBe(firstSubs);
      expectSubscriptions(second.subscriptions).toBe(secondSubs);
    });
  });
});
