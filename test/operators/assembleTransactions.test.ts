import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { postgresTransactionKey, type TransactionMarker } from '../../src/consistency/transaction-marker.js';
import {
  assembleTransactions,
  type AssembleTransactionsConfig,
  type AssemblyInput,
  type TransactionStall,
  type TransactionUnit,
} from '../../src/operators/assembleTransactions.js';
import type { KafkaOrigin, RoutedChange } from '../../src/types.js';

let offset = 0;
const origin = (topic: string, partition = 0): KafkaOrigin => ({
  topic,
  partition,
  offset: String(offset++),
});

/** A change of `table` in transaction `id` (null: a snapshot read), on `partition` of its topic. */
function change(table: string, id: string | null, totalOrder: number, partition = 0): RoutedChange {
  return {
    kind: 'change',
    op: id === null ? 'r' : 'c',
    key: { id: String(totalOrder) },
    before: null,
    after: { id: String(totalOrder) },
    source: {
      schema: 'public',
      table,
      lsn: null,
      txId: null,
      tsMs: 0,
      snapshot: id === null ? 'true' : 'false',
    },
    transaction: id === null ? null : { id, totalOrder },
    origin: origin(`db.public.${table}`, partition),
    record: { key: null, value: null },
    sizeBytes: 10,
    target: { schema: 'public', table },
  };
}
const begin = (id: string): TransactionMarker => ({
  kind: 'begin',
  id,
  counts: new Map(),
  origin: origin('db.transaction'),
});
const end = (id: string, counts: Record<string, number>): TransactionMarker => ({
  kind: 'end',
  id,
  counts: new Map(Object.entries(counts)),
  origin: origin('db.transaction'),
});

/** What a unit looks like in an assertion: its kind, id and changes as `table#order`. */
const shape = (unit: TransactionUnit) => ({
  kind: unit.kind,
  id: unit.id,
  changes: unit.changes.map((c) => `${c.source.table}#${c.transaction?.totalOrder ?? 'r'}`),
  acknowledged: unit.acknowledge.length,
});

/** The assembler as the pipeline runs it on PostgreSQL's transaction ids. */
const assemble = (config: AssembleTransactionsConfig = {}) =>
  assembleTransactions({ key: postgresTransactionKey, ...config });

describe('assembleTransactions', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('emits a transaction when its END counts are met, its changes in source order across partitions', () => {
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const values: Record<string, AssemblyInput> = {
        b: begin('7:100'),
        o: change('orders', '7:140', 2, 1),
        // Each event's id carries its own LSN (Debezium PostgreSQL): the key is the txId.
        e: end('7:180', { 'public.users': 1, 'public.orders': 1 }),
        u: change('users', '7:100', 1, 0),
      };
      const source = hot('  -b-o-e-u-|', values);
      const subs = '        ^--------!';
      const expected = '    -------x-|';
      expectObservable(source.pipe(assemble(), map(shape))).toBe(expected, {
        x: { kind: 'transaction', id: '7', changes: ['users#1', 'orders#2'], acknowledged: 4 },
      });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('keeps commit order: a later transaction complete first waits for the earlier one', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const values: Record<string, AssemblyInput> = {
        a: begin('1:1'),
        A: end('1:2', { 'public.users': 1 }),
        b: begin('2:3'),
        B: end('2:4', { 'public.orders': 1 }),
        o: change('orders', '2:3', 1, 1),
        u: change('users', '1:1', 1, 0),
      };
      const source = hot('-a-A-b-B-o-u----|', values);
      expectObservable(source.pipe(assemble(), map(shape))).toBe('-----------(xy)-|', {
        x: { kind: 'transaction', id: '1', changes: ['users#1'], acknowledged: 3 },
        y: { kind: 'transaction', id: '2', changes: ['orders#1'], acknowledged: 3 },
      });
    });
  });

  it('passes snapshot reads at once, or right after an open transaction that came before them on their partition', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const values: Record<string, AssemblyInput> = {
        r: change('users', null, 0, 0),
        b: begin('3:1'),
        u: change('users', '3:1', 1, 0),
        s: change('users', null, 0, 0),
        t: change('users', null, 0, 1),
        e: end('3:2', { 'public.users': 1 }),
      };
      const source = hot('-r-b-u-s-t-e---|', values);
      expectObservable(source.pipe(assemble(), map(shape))).toBe('-r-------t-(xs)|', {
        r: { kind: 'untracked', id: null, changes: ['users#r'], acknowledged: 1 },
        t: { kind: 'untracked', id: null, changes: ['users#r'], acknowledged: 1 },
        x: { kind: 'transaction', id: '3', changes: ['users#1'], acknowledged: 3 },
        s: { kind: 'untracked', id: null, changes: ['users#r'], acknowledged: 1 },
      });
    });
  });

  it('applies the oldest transaction in pieces past maxChanges; the last part acknowledges it all', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const values: Record<string, AssemblyInput> = {
        b: begin('4:1'),
        1: change('users', '4:1', 1),
        2: change('users', '4:1', 2),
        3: change('users', '4:1', 3),
        e: end('4:2', { 'public.users': 3 }),
      };
      const source = hot('-b-1-2-3-e-|', values);
      expectObservable(source.pipe(assemble({ maxChanges: 2 }), map(shape))).toBe('-----p---x-|', {
        p: { kind: 'piece', id: '4', changes: ['users#1', 'users#2'], acknowledged: 0 },
        x: { kind: 'transaction', id: '4', changes: ['users#3'], acknowledged: 5 },
      });
    });
  });

  it('makes each piece a prefix of the transaction: a change that comes early waits for those before it', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const values: Record<string, AssemblyInput> = {
        b: begin('4:1'),
        3: change('orders', '4:3', 3, 1),
        2: change('orders', '4:2', 2, 1),
        1: change('users', '4:1', 1, 0),
        e: end('4:4', { 'public.users': 1, 'public.orders': 2 }),
      };
      const source = hot('-b-3-2-1-e-|', values);
      expectObservable(source.pipe(assemble({ maxChanges: 2 }), map(shape))).toBe('-------p-x-|', {
        p: { kind: 'piece', id: '4', changes: ['users#1', 'orders#2', 'orders#3'], acknowledged: 0 },
        x: { kind: 'transaction', id: '4', changes: [], acknowledged: 5 },
      });
    });
  });

  it('does not wait for tables it does not read, and counts dead-lettered changes (tallies)', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const values: Record<string, AssemblyInput> = {
        b: begin('5:1'),
        u: change('users', '5:1', 1),
        f: { kind: 'tally', id: '5', collection: 'public.orders' },
        e: end('5:2', { 'public.users': 1, 'public.orders': 1, 'public.signal': 1 }),
      };
      const source = hot('-b-u-e-f-|', values);
      const reads = (collection: string) => collection !== 'public.signal';
      expectObservable(source.pipe(assemble({ reads }), map(shape))).toBe('-------x-|', {
        x: { kind: 'transaction', id: '5', changes: ['users#1'], acknowledged: 3 },
      });
    });
  });

  it('stops waiting for a table whose topic is missing from the second topic listing after the END', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const withoutGone: AssemblyInput = {
        kind: 'listing',
        hasTopic: (collection) => collection !== 'public.gone',
      };
      const values: Record<string, AssemblyInput> = {
        b: begin('5:1'),
        u: change('users', '5:1', 1),
        e: end('5:2', { 'public.users': 1, 'public.gone': 2 }),
        l: withoutGone,
      };
      const gone: [string, readonly string[]][] = [];
      const onTopicsGone = (id: string, collections: readonly string[]) => gone.push([id, collections]);
      // A listing before the END says nothing about it, nor does the first after it (it may have
      // been fetched before the END was read): the second after it is the first surely fetched later.
      const source = hot('-b-l-u-e-l-l-|', values);
      expectObservable(source.pipe(assemble({ onTopicsGone }), map(shape))).toBe('-----------x-|', {
        x: { kind: 'transaction', id: '5', changes: ['users#1'], acknowledged: 3 },
      });
      testScheduler.flush();
      expect(gone).toEqual([['5', ['public.gone']]]);
    });
  });

  it('keeps waiting for a table while its topic is listed, and for changes of tables it reads', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const values: Record<string, AssemblyInput> = {
        b: begin('5:1'),
        u: change('users', '5:1', 1),
        e: end('5:2', { 'public.users': 1, 'public.orders': 1 }),
        k: { kind: 'listing', hasTopic: () => true },
        o: change('orders', '5:1', 2, 1),
      };
      const source = hot('-b-u-e-k-k-k-o-|', values);
      expectObservable(source.pipe(assemble(), map(shape))).toBe('-------------x-|', {
        x: { kind: 'transaction', id: '5', changes: ['users#1', 'orders#2'], acknowledged: 4 },
      });
    });
  });

  it('tells when the oldest open transaction holds the rest back, and what it waits for, until it completes', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const values: Record<string, AssemblyInput> = {
        b: begin('5:1'),
        u: change('users', '5:1', 1),
        e: end('5:2', { 'public.users': 1, 'public.orders': 2 }),
        c: begin('6:1'),
        v: change('users', '6:1', 1),
        f: end('6:2', { 'public.users': 1 }),
        o: change('orders', '5:1', 2, 1),
        p: change('orders', '5:1', 3, 1),
      };
      const stalls: [number, TransactionStall][] = [];
      const onStalled = (stall: TransactionStall) => stalls.push([testScheduler.now(), stall]);
      // Checked every 40 ms: at 40 ms transaction 5 has had changes and its END since it became
      // the oldest (progress), at 80 ms nothing more for 40 ms: told; by 120 ms it is complete.
      const source = hot('-b-u-e-c-v-f 80ms o-p 5ms |', values);
      expectObservable(source.pipe(assemble({ stalledAfterMs: 40, onStalled }), map(shape))).toBe(
        '94ms (xy) 2ms |',
        {
          x: { kind: 'transaction', id: '5', changes: ['users#1', 'orders#2', 'orders#3'], acknowledged: 5 },
          y: { kind: 'transaction', id: '6', changes: ['users#1'], acknowledged: 3 },
        },
      );
      testScheduler.flush();
      expect(stalls).toEqual([
        [80, { id: '5', waitedMs: 40, missing: new Map([['public.orders', 2]]), endRead: true, holding: 6 }],
      ]);
    });
  });

  it('forgets what it holds on a reset, and drops a late copy of an applied transaction', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const values: Record<string, AssemblyInput> = {
        b: begin('6:1'),
        u: change('users', '6:1', 1),
        x: { kind: 'reset' },
        c: begin('8:1'),
        v: change('users', '8:1', 1),
        e: end('8:2', { 'public.users': 1 }),
        l: change('users', '8:1', 1),
      };
      const source = hot('-b-u-x-c-v-e-l-|', values);
      expectObservable(source.pipe(assemble(), map(shape))).toBe('-----------y-z-|', {
        y: { kind: 'transaction', id: '8', changes: ['users#1'], acknowledged: 3 },
        z: { kind: 'transaction', id: '8', changes: [], acknowledged: 1 },
      });
    });
  });

  it('forwards a source error and unsubscribes on early unsubscription', () => {
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-b--#', { b: begin('9:1') });
      expectObservable(source.pipe(assemble(), map(shape))).toBe('----#');
      expectSubscriptions(source.subscriptions).toBe('^---!');
      const never = hot('-b----', { b: begin('9:1') });
      expectObservable(never.pipe(assemble(), map(shape)), '^--!').toBe('---');
      expectSubscriptions(never.subscriptions).toBe('^--!');
    });
  });

  it('refuses a maxChanges that is not a whole number', () => {
    expect(() => assembleTransactions({ maxChanges: -1 })).toThrow(/maxChanges must be a whole number/);
  });
});
