import * as E from 'fp-ts/lib/Either.js';
import { type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { topicWatch } from '../../src/streams/topic-watch.js';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('topicWatch', () => {
  it('starts with the first listing, then lists every period, and tells a failed listing as a Left', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const failure = new Error('broker away');
      const replies: Observable<readonly string[]>[] = [
        cold('-(a|)', { a: ['t.a'] }),
        cold('-#', undefined, failure),
        cold('-(b|)', { b: ['t.a', 't.b'] }),
      ];
      let asked = 0;
      const watch = topicWatch(() => replies[asked++]!, ['t.a'], 10);
      expectObservable(watch, '^ 38ms !').toBe('f 10ms a 9ms x 9ms b', {
        f: E.right(['t.a']),
        a: E.right(['t.a']),
        x: E.left(failure),
        b: E.right(['t.a', 't.b']),
      });
    });
  });

  it('asks for one listing at a time: a slow one swallows the ticks while it runs', () => {
    scheduler().run(({ cold, expectObservable, flush }) => {
      let asked = 0;
      const watch = topicWatch(
        () => {
          asked += 1;
          return cold('-------------------------(a|)', { a: ['slow'] }); // 25 ms, over two periods
        },
        [],
        10,
      );
      expectObservable(watch, '^ 60ms !').toBe('f 34ms a', { f: E.right([]), a: E.right(['slow']) });
      flush();
      // Ticks at 10 and 40 asked (20 and 30 came while the first ran), 50 and 60 were swallowed by the second.
      expect(asked).toBe(2);
    });
  });

  it('shares one listing among its watchers and gives a late one the latest at once', () => {
    scheduler().run(({ cold, expectObservable, flush }) => {
      let asked = 0;
      const watch = topicWatch(
        () => {
          asked += 1;
          return cold('-(a|)', { a: [`listing ${asked}`] });
        },
        ['start'],
        10,
      );
      expectObservable(watch, '^ 25ms !').toBe('f 10ms a 9ms b', {
        f: E.right(['start']),
        a: E.right(['listing 1']),
        b: E.right(['listing 2']),
      });
      expectObservable(watch, '15ms ^ 10ms !').toBe('15ms a 5ms b', {
        a: E.right(['listing 1']),
        b: E.right(['listing 2']),
      });
      flush();
      expect(asked).toBe(2);
    });
  });
});
