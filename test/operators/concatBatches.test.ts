import { throwError } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { concatBatches } from '../../src/operators/concatBatches.js';

const batches = { a: ['a1', 'a2'], b: ['b1'], c: ['c1', 'c2'], d: ['d1'] };

describe('concatBatches', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('runs a batch at once when idle, and joins the batches that arrive while it runs', () => {
    testScheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  -a-b-c------d--|', batches);
      const subs = '        ^--------------!';
      // Each run takes 4 frames and then emits what it ran.
      const expected = '    -----x---y------(z|)';
      const work = (items: string[]) => cold('----(r|)', { r: items.join(',') });

      expectObservable(source.pipe(concatBatches({ work }))).toBe(expected, {
        x: 'a1,a2',
        y: 'b1,c1,c2',
        z: 'd1',
      });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('joins no more than maxSize items per run, keeping their order', () => {
    testScheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  -a-b-c-|', batches);
      const subs = '        ^------!';
      const expected = '    -----x---y---(z|)';
      const work = (items: string[]) => cold('----(r|)', { r: items.join(',') });

      expectObservable(source.pipe(concatBatches({ work, maxSize: 2 }))).toBe(expected, {
        x: 'a1,a2',
        y: 'b1,c1',
        z: 'c2',
      });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('runs what waits when the source completes, then completes', () => {
    testScheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  -a-b|', batches);
      const subs = '        ^---!';
      const expected = '    -----x---(y|)';
      const work = (items: string[]) => cold('----(r|)', { r: items.join(',') });

      expectObservable(source.pipe(concatBatches({ work }))).toBe(expected, { x: 'a1,a2', y: 'b1' });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('completes with the source when nothing ever arrives (empty)', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<string[]>('  ---|');
      const subs = '                   ^--!';
      expectObservable(source.pipe(concatBatches({ work: () => cold('-(r|)') }))).toBe('---|');
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('emits nothing for a source that never emits (never)', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<string[]>('  -');
      const subs = '                   ^';
      expectObservable(source.pipe(concatBatches({ work: () => cold('-(r|)') }))).toBe('-');
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('forwards a source error at once', () => {
    testScheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  -a--#', batches);
      const subs = '        ^---!';
      const work = (items: string[]) => cold('------(r|)', { r: items.join(',') });
      expectObservable(source.pipe(concatBatches({ work }))).toBe('----#');
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('forwards an error of the work', () => {
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  -a--b-|', batches);
      const subs = '        ^!';
      expectObservable(
        source.pipe(concatBatches({ work: () => throwError(() => new Error('flush failed')) })),
      ).toBe('-#', undefined, new Error('flush failed'));
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('turns a throwing work callback into an error notification', () => {
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  -a--b-|', batches);
      const subs = '        ^!';
      const work = (): never => {
        throw new Error('bad callback');
      };
      expectObservable(source.pipe(concatBatches({ work }))).toBe('-#', undefined, new Error('bad callback'));
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('stops the source and the running work on early unsubscribe', () => {
    testScheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  -a-b-c-d--|', batches);
      const subs = '        ^-----!';
      const unsub = '       ------!';
      const work = (items: string[]) => cold('----(r|)', { r: items.join(',') });
      expectObservable(source.pipe(concatBatches({ work })), unsub).toBe('-----x', { x: 'a1,a2' });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('keeps state per subscription', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const source = cold(' -a-b|', batches);
      const work = (items: string[]) => cold('--(r|)', { r: items.join(',') });
      const joined = source.pipe(concatBatches({ work }));
      expectObservable(joined).toBe('---x-(y|)', { x: 'a1,a2', y: 'b1' });
      expectObservable(joined).toBe('---x-(y|)', { x: 'a1,a2', y: 'b1' });
    });
  });

  it('refuses a negative maxSize', () => {
    expect(() => concatBatches({ work: () => [], maxSize: -1 })).toThrow(RangeError);
  });
});
