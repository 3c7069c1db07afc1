import * as E from 'fp-ts/lib/Either.js';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { route } from '../../src/operators/route.js';
import type { ChangeEvent, Failure, RoutedChange, TableRef } from '../../src/types.js';

const change = (topic: string, offset: string): ChangeEvent => ({
  kind: 'change',
  op: 'c',
  key: { id: offset },
  before: null,
  after: { id: offset, name: 'n' },
  source: { schema: 'public', table: 'users', lsn: offset, txId: '1', tsMs: 0, snapshot: 'false' },
  origin: { topic, partition: 0, offset },
  record: { key: Buffer.from(`{"id":${offset}}`), value: Buffer.from('{"op":"c"}') },
  sizeBytes: 10,
});

const routed = (event: ChangeEvent, target: TableRef): E.Either<Failure, RoutedChange> =>
  E.right({ ...event, target });

const users = change('dbserver1.public.users', '1');
const orders = change('dbserver1.sales.orders', '2');
const dotted = change('acme.eu.inventory.items', '3');
const bare = change('users', '4');

const publicUsers = { schema: 'public', table: 'users' };
const salesOrders = { schema: 'sales', table: 'orders' };

describe('route', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('routes <prefix>.<schema>.<table> to schema.table; the prefix may contain dots', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -u-o-d-|', { u: users, o: orders, d: dotted });
      const subs = '        ^------!';
      const expected = '    -u-o-d-|';

      expectObservable(source.pipe(route())).toBe(expected, {
        u: routed(users, publicUsers),
        o: routed(orders, salesOrders),
        d: routed(dotted, { schema: 'inventory', table: 'items' }),
      });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('turns a topic it cannot route into a route failure naming the topic and the fix', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -b-u-|', { b: bare, u: users });
      const subs = '        ^----!';
      const expected = '    -b-u-|';

      expectObservable(source.pipe(route())).toBe(expected, {
        b: E.left({
          kind: 'failure',
          stage: 'route',
          reason:
            'topic "users" has no target table: it is not <prefix>.<schema>.<table>; ' +
            'add it to the route tables map ("users": "schema.table")',
          detail: null,
          origin: bare.origin,
          record: bare.record,
        }),
        u: routed(users, publicUsers),
      });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('lets the explicit tables map win, as "schema.table" or a TableRef', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -u-b-d-|', { u: users, b: bare, d: dotted });
      const subs = '        ^------!';
      const expected = '    -u-b-d-|';
      const tables = {
        'dbserver1.public.users': 'archive.users_v2',
        users: { schema: 'legacy', table: 'users' },
        'acme.eu.inventory.items': { schema: 'inventory', table: 'stock.items' },
      };

      expectObservable(source.pipe(route({ tables }))).toBe(expected, {
        u: routed(users, { schema: 'archive', table: 'users_v2' }),
        b: routed(bare, { schema: 'legacy', table: 'users' }),
        d: routed(dotted, { schema: 'inventory', table: 'stock.items' }),
      });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('with a topicPrefix, routes only topics <topicPrefix>.<schema>.<table>', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -u-d-|', { u: users, d: dotted });
      const subs = '        ^----!';
      const expected = '    -u-d-|';

      expectObservable(source.pipe(route({ topicPrefix: 'acme.eu' }))).toBe(expected, {
        u: E.left(
          expect.objectContaining({
            stage: 'route',
            reason: expect.stringContaining('not acme.eu.<schema>.<table>'),
          }),
        ),
        d: routed(dotted, { schema: 'inventory', table: 'items' }),
      });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('refuses a tables entry that is not "schema.table" when created', () => {
    expect(() => route({ tables: { t: 'users' } })).toThrow(ConfigError);
    expect(() => route({ tables: { t: 'a.b.c' } })).toThrow(/"a\.b\.c"; write it as "schema\.table"/);
    expect(() => route({ tables: { t: '.users' } })).toThrow(ConfigError);
  });

  it('never emits for a source that never emits', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -', { u: users });
      const subs = '        ^';
      const expected = '    -';

      expectObservable(source.pipe(route())).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('completes with an empty source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' |', { u: users });
      const subs = '        (^!)';
      const expected = '    |';

      expectObservable(source.pipe(route())).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('forwards a source error', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -u-#', { u: users }, new Error('broker gone'));
      const subs = '        ^--!';
      const expected = '    -u-#';

      expectObservable(source.pipe(route())).toBe(
        expected,
        { u: routed(users, publicUsers) },
        new Error('broker gone'),
      );
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('keeps up with a never-ending source and stops at an early unsubscribe', () => {
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  -u-^-u-o---u-o-', { u: users, o: orders });
      const subs = '           ^------!';
      const unsub = '          -------!';
      const expected = '       --u-o---';

      expectObservable(source.pipe(route()), unsub).toBe(expected, {
        u: routed(users, publicUsers),
        o: routed(orders, salesOrders),
      });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });
});
