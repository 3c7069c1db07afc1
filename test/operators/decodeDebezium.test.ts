import * as E from 'fp-ts/lib/Either.js';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { decodeRecord } from '../../src/debezium/decode-record.js';
import { decodeDebezium } from '../../src/operators/decodeDebezium.js';
import type { KafkaRecord } from '../../src/types.js';
import {
  envelopeSchema,
  payload,
  record,
  userColumns,
  userKey,
  userRow,
  wrapped,
} from '../debezium/fixtures.js';

const schema = envelopeSchema(userColumns);
const created = record(userKey(1), wrapped(schema, payload('c', null, userRow({ id: 1 }))), '10');
const updated = record(userKey(2), wrapped(schema, payload('u', null, userRow({ id: 2 }))), '11');
const deleted = record(userKey(1), wrapped(schema, payload('d', userRow({ id: 1 }), null)), '12');
const tombstone = record(userKey(1), null, '13');
const notJson = record(userKey(3), '{"schema":', '14');
const wrongShape = record(userKey(4), '{"op":"c","after":{}}', '15');

const records: Record<string, KafkaRecord> = {
  a: created,
  b: updated,
  c: deleted,
  t: tombstone,
  x: notJson,
  y: wrongShape,
};
/** What the operator must emit for each record: exactly what decodeRecord says. */
const decoded = Object.fromEntries(Object.entries(records).map(([name, r]) => [name, decodeRecord(r)]));

describe('decodeDebezium', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('emits one decoded value per record, in order', () => {
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot(' --a--b--c--t--|', records);
      const subs = '       ^-------------!';
      const expected = '   --a--b--c--t--|';

      expectObservable(source.pipe(decodeDebezium())).toBe(expected, decoded);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('emits bad records as lefts between good ones, never erroring or dropping', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' a-x-b-y-c|', records);
      const subs = '        ^--------!';
      const expected = '    a-x-b-y-c|';

      expectObservable(source.pipe(decodeDebezium())).toBe(expected, decoded);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
    expect(E.isLeft(decoded['x'] ?? E.right(null))).toBe(true);
    expect(E.isLeft(decoded['y'] ?? E.right(null))).toBe(true);
  });

  it('emits one value and completes', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' (a|)', records);
      const subs = '        (^!)';
      const expected = '    (a|)';

      expectObservable(source.pipe(decodeDebezium())).toBe(expected, decoded);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('completes with an empty source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<KafkaRecord>(' |');
      const subs = '                     (^!)';
      const expected = '                 |';

      expectObservable(source.pipe(decodeDebezium())).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('never emits for a never source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<KafkaRecord>(' -');
      const subs = '                     ^';
      const expected = '                 -';

      expectObservable(source.pipe(decodeDebezium())).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('keeps emitting on a never-ending source', () => {
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot(' -a--x--b-', records);
      const subs = '       ^--------';
      const expected = '   -a--x--b-';

      expectObservable(source.pipe(decodeDebezium())).toBe(expected, decoded);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('forwards a source error after the values before it', () => {
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot(' --a--y--#', records, new Error('broker gone'));
      const subs = '       ^-------!';
      const expected = '   --a--y--#';

      expectObservable(source.pipe(decodeDebezium())).toBe(expected, decoded, new Error('broker gone'));
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('unsubscribes from the source when unsubscribed early', () => {
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot(' --a--b--c--|', records);
      const unsub = '      ------!';
      const subs = '       ^-----!';
      const expected = '   --a--b-';

      expectObservable(source.pipe(decodeDebezium()), unsub).toBe(expected, decoded);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('can be subscribed twice: it holds no state', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const operator = decodeDebezium();
      const source = cold(' a-b|', records);
      const subs = ['       ^--!', '       ^--!'];
      const expected = '    a-b|';

      expectObservable(source.pipe(operator)).toBe(expected, decoded);
      expectObservable(source.pipe(operator)).toBe(expected, decoded);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('passes its options to the decoder', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const toasted = record(
        userKey(5),
        wrapped(schema, payload('u', null, userRow({ id: 5, bio: '<toast>' }))),
        '20',
      );
      const source = cold(' a|', { a: toasted });
      const subs = '        ^!';
      const expected = '    a|';

      expectObservable(source.pipe(decodeDebezium({ unavailableValuePlaceholder: '<toast>' }))).toBe(
        expected,
        {
          a: decodeRecord(toasted, { unavailableValuePlaceholder: '<toast>' }),
        },
      );
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });
});
