import * as E from 'fp-ts/lib/Either.js';
import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { splitFailures } from '../../src/operators/splitFailures.js';
import type { Failure } from '../../src/types.js';

const failure = (offset: string): Failure => ({
  kind: 'failure',
  stage: 'decode',
  reason: 'Invalid value undefined supplied to : ChangeEnvelope/payload',
  origin: { topic: 'dbserver1.public.users', partition: 0, offset },
  detail: null,
  record: { key: null, value: Buffer.from('{}') },
});

const f = failure('1');
const g = failure('3');
const values: Record<string, E.Either<Failure, string>> = {
  a: E.right('a'),
  b: E.right('b'),
  c: E.right('c'),
  f: E.left(f),
  g: E.left(g),
};

describe('splitFailures', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('forwards rights and sends lefts to the dead letters, without stopping', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('       -a-f-b-g-c-|', values);
      const subs = '              ^----------!';
      const expected = '          -a---b---c-|';
      const expectedFailures = '  ---f---g----';
      const deadLetters = new Subject<Failure>();

      expectObservable(deadLetters).toBe(expectedFailures, { f, g });
      expectObservable(source.pipe(splitFailures(deadLetters))).toBe(expected, { a: 'a', b: 'b', c: 'c' });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('emits one right', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('       --a|', values);
      const subs = '              ^--!';
      const expected = '          --a|';
      const deadLetters = new Subject<Failure>();

      expectObservable(source.pipe(splitFailures(deadLetters))).toBe(expected, { a: 'a' });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('completes without values when every item is a left', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('       -f-g-|', values);
      const subs = '              ^----!';
      const expected = '          -----|';
      const expectedFailures = '  -f-g--';
      const deadLetters = new Subject<Failure>();

      expectObservable(deadLetters).toBe(expectedFailures, { f, g });
      expectObservable(source.pipe(splitFailures(deadLetters))).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('never emits for a source that never emits', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('       -', values);
      const subs = '              ^';
      const expected = '          -';

      expectObservable(source.pipe(splitFailures(new Subject<Failure>()))).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('completes with an empty source, leaving the dead letters open', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('       |', values);
      const subs = '              (^!)';
      const expected = '          |';
      const expectedFailures = '  -';
      const deadLetters = new Subject<Failure>();

      expectObservable(deadLetters).toBe(expectedFailures);
      expectObservable(source.pipe(splitFailures(deadLetters))).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('forwards a source error, not to the dead letters', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('       -a-f-#', values, new Error('broker gone'));
      const subs = '              ^----!';
      const expected = '          -a---#';
      const expectedFailures = '  ---f--';
      const deadLetters = new Subject<Failure>();

      expectObservable(deadLetters).toBe(expectedFailures, { f });
      expectObservable(source.pipe(splitFailures(deadLetters))).toBe(
        expected,
        { a: 'a' },
        new Error('broker gone'),
      );
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('keeps up with a never-ending source and stops at an early unsubscribe', () => {
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('     -a-^-f-b-g-c-a-', values);
      const subs = '              ^------!';
      const unsub = '             -------!';
      const expected = '          ----b---';
      const expectedFailures = '  --f---g-';
      const deadLetters = new Subject<Failure>();

      expectObservable(deadLetters, unsub).toBe(expectedFailures, { f, g });
      expectObservable(source.pipe(splitFailures(deadLetters)), unsub).toBe(expected, { b: 'b' });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('errors when the dead letters refuse a failure: a dead letter is never dropped silently', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('       -a-f-b-|', values);
      const subs = '              ^--!';
      const expected = '          -a-#';
      const full = new Error('dead-letter queue full');
      const deadLetters = {
        next: () => {
          throw full;
        },
      };

      expectObservable(source.pipe(splitFailures(deadLetters))).toBe(expected, { a: 'a' }, full);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });
});
