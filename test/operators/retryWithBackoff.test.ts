import { defer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { retryWithBackoff, type RetryInfo } from '../../src/operators/retryWithBackoff.js';

/** A deadlock, as node-postgres reports it: transient. */
const deadlock = Object.assign(new Error('deadlock detected'), { code: '40P01' });
/** A unique violation: permanent. */
const duplicate = Object.assign(new Error('duplicate key value'), { code: '23505' });

/** Random numbers from a list, for exact jitter. */
const randoms = (...values: number[]): (() => number) => {
  let next = 0;
  return () => values[next++ % values.length] ?? 0.5;
};

/** No jitter effect: 0.5 draws the nominal delay. */
const base = {
  description: 'flush public.users',
  initialDelayMs: 2,
  maxDelayMs: 100,
  multiplier: 2,
  jitter: 0.5,
  random: () => 0.5,
};

describe('retryWithBackoff', () => {
  let testScheduler: TestScheduler;
  let retries: RetryInfo[];
  const onRetry = (info: RetryInfo): void => {
    retries.push(info);
  };

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    retries = [];
  });

  it('re-subscribes after transient errors with exponential delays, then gives up with the error', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' --#', undefined, deadlock);
      const subs = [
        '                   ^-!',
        '                   ----^-!',
        '                   ----------^-!',
      ];
      const expected = '    ------------#';

      const retried = source.pipe(retryWithBackoff({ ...base, maxRetries: 2, onRetry }, testScheduler));
      expectObservable(retried).toBe(expected, undefined, deadlock);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
    expect(retries).toEqual([
      { description: 'flush public.users', attempt: 1, delayMs: 2, error: deadlock },
      { description: 'flush public.users', attempt: 2, delayMs: 4, error: deadlock },
    ]);
  });

  it('emits what the successful attempt emits', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const failing = cold('    -#', undefined, deadlock);
      const succeeding = cold('    -a|');
      const failingSubs = '     ^!';
      const succeedingSubs = '  ---^-!';
      const expected = '        ----a|';

      let attempts = 0;
      const source = defer(() => (attempts++ === 0 ? failing : succeeding));
      expectObservable(source.pipe(retryWithBackoff({ ...base, onRetry }, testScheduler))).toBe(expected);
      expectSubscriptions(failing.subscriptions).toBe(failingSubs);
      expectSubscriptions(succeeding.subscriptions).toBe(succeedingSubs);
    });
    expect(retries).toMatchObject([{ attempt: 1, delayMs: 2 }]);
  });

  it('passes a non-retriable error straight through', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -a-#', undefined, duplicate);
      const subs = '        ^--!';
      const expected = '    -a-#';

      const retried = source.pipe(retryWithBackoff({ ...base, onRetry }, testScheduler));
      expectObservable(retried).toBe(expected, undefined, duplicate);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
    expect(retries).toEqual([]);
  });

  it('never retries a programmer error', () => {
    const bug = new TypeError('cannot read properties of undefined');
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -#', undefined, bug);
      const subs = '        ^!';
      const expected = '    -#';

      expectObservable(source.pipe(retryWithBackoff(base, testScheduler))).toBe(expected, undefined, bug);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('asks isRetriable when given', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -#', undefined, duplicate);
      // prettier-ignore
      const subs = [
        '                   ^!',
        '                   ---^!',
      ];
      const expected = '    ----#';

      const retried = source.pipe(
        retryWithBackoff({ ...base, maxRetries: 1, isRetriable: () => true }, testScheduler),
      );
      expectObservable(retried).toBe(expected, undefined, duplicate);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('spreads delays by the jitter and caps them at maxDelayMs', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' #', undefined, deadlock);
      const subs = [
        '                   (^!)',
        '                   -(^!)',
        '                   ------(^!)',
        '                   ---------(^!)',
      ];
      const expected = '    ---------#';

      const config = { ...base, initialDelayMs: 2, multiplier: 3, maxDelayMs: 5, maxRetries: 3 };
      const retried = source.pipe(
        retryWithBackoff({ ...config, random: randoms(0, 0.999, 0), onRetry }, testScheduler),
      );
      expectObservable(retried).toBe(expected, undefined, deadlock);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
    // Nominal 2, 5 (6 capped), 5 (18 capped); drawn at ×0.5, ×1.5 (capped), ×0.5, rounded.
    expect(retries.map(({ attempt, delayMs }) => [attempt, delayMs])).toEqual([
      [1, 1],
      [2, 5],
      [3, 3],
    ]);
  });

  it('passes values through and completes', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -a-b-|');
      const subs = '        ^----!';
      const expected = '    -a-b-|';

      expectObservable(source.pipe(retryWithBackoff(base, testScheduler))).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('never emits for a source that never emits', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -');
      const subs = '        ^';
      const expected = '    -';

      expectObservable(source.pipe(retryWithBackoff(base, testScheduler))).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('completes with an empty source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' |');
      const subs = '        (^!)';
      const expected = '    |';

      expectObservable(source.pipe(retryWithBackoff(base, testScheduler))).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('keeps up with a never-ending source and stops at an early unsubscribe', () => {
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  -a-^-b-c-d-');
      const subs = '           ^----!';
      const unsub = '          -----!';
      const expected = '       --b-c-';

      expectObservable(source.pipe(retryWithBackoff(base, testScheduler)), unsub).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('does not re-subscribe after an unsubscribe during the delay', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -#', undefined, deadlock);
      const subs = '        ^!';
      const unsub = '       ---!';
      const expected = '    ---';

      const retried = source.pipe(retryWithBackoff({ ...base, initialDelayMs: 4 }, testScheduler));
      expectObservable(retried, unsub).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('errors with what a throwing onRetry throws', () => {
    const logFailed = new Error('logger closed');
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -#', undefined, deadlock);
      const subs = '        ^!';
      const expected = '    -#';
      const throwingOnRetry = (): void => {
        throw logFailed;
      };

      const retried = source.pipe(retryWithBackoff({ ...base, onRetry: throwingOnRetry }, testScheduler));
      expectObservable(retried).toBe(expected, undefined, logFailed);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('refuses numbers out of range when created', () => {
    expect(() => retryWithBackoff({ description: 'x', maxRetries: -1 })).toThrow(/maxRetries/);
    expect(() => retryWithBackoff({ description: 'x', multiplier: 0.5 })).toThrow(/multiplier/);
    expect(() => retryWithBackoff({ description: 'x', jitter: 2 })).toThrow(/jitter/);
    expect(() => retryWithBackoff({ description: 'x', initialDelayMs: 10, maxDelayMs: 5 })).toThrow(
      /maxDelayMs/,
    );
    expect(() => retryWithBackoff({ description: 'x', maxRetries: Infinity })).not.toThrow();
  });
});
