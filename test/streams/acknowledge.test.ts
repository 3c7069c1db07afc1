import * as E from 'fp-ts/lib/Either.js';
import { from, lastValueFrom, Subject, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  acknowledgeDropped,
  acknowledgeSkips,
  applyAndAcknowledge,
  DEAD_LETTER_BATCH,
  deadLetterFailures,
  type ChangeSink,
  type DeadLetterSinkPort,
} from '../../src/streams/acknowledge.js';
import { Committer } from '../../src/streams/committer.js';
import type { CommittableOffset } from '../../src/streams/offsetTracker.js';
import type { Failure, KafkaOrigin, RoutedChange, Skipped } from '../../src/types.js';

/** Records on partition 0 are the ones an operator takes out; partition 1 holds what it forwards. */
const origin = (offset: number, partition = 0): KafkaOrigin => ({
  topic: 't',
  partition,
  offset: String(offset),
});

const failure = (offset: number): Failure => ({
  kind: 'failure',
  stage: 'decode',
  reason: 'not JSON',
  detail: null,
  origin: origin(offset),
  record: { key: null, value: Buffer.from('{') },
});

/** What `decodeDebezium` or `route` emits: a value to forward, or a failure to dead-letter. */
const ok = (value: string): E.Either<Failure, string> => E.right(value);
const bad = (f: Failure): E.Either<Failure, string> => E.left(f);

const skipped = (offset: number): Skipped => ({
  kind: 'skipped',
  reason: 'tombstone',
  origin: origin(offset),
});

const change = (offset: number, id: string, partition = 1): RoutedChange => ({
  kind: 'change',
  op: 'u',
  key: { id },
  before: null,
  after: { id, name: `n${offset}` },
  source: { schema: 'public', table: 'users', lsn: String(offset), txId: '1', tsMs: 0, snapshot: 'false' },
  origin: origin(offset, partition),
  record: { key: null, value: null },
  sizeBytes: 10,
  target: { schema: 'public', table: 'users' },
});

/**
 * A real Committer over a fake kafkajs consumer whose commits succeed: what it commits shows what
 * an operator acknowledged. `offsets` are tracked first, as `fromKafka` would.
 */
function committerTracking(origins: readonly KafkaOrigin[]) {
  const commits: CommittableOffset[][] = [];
  const consumer = {
    commitOffsets: vi.fn(async (offsets: CommittableOffset[]) => {
      commits.push(offsets);
    }),
  };
  const committer = new Committer(consumer);
  origins.forEach((o) => committer.tracker.track(o));
  return { committer, consumer, commits };
}

const range = (n: number, partition = 0): KafkaOrigin[] =>
  Array.from({ length: n }, (_, o) => origin(o, partition));

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const flushMicrotasks = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

describe('deadLetterFailures', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('forwards the rights in order and writes the lefts in one batch within its time limit', async () => {
    const { committer, commits } = committerTracking(range(2));
    const writtenAt: number[] = [];
    const deadLetters = {
      write: vi.fn(async (_: readonly Failure[]) => void writtenAt.push(testScheduler.now())),
    };

    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const values = {
        a: ok('a'),
        b: ok('b'),
        c: ok('c'),
        x: bad(failure(0)),
        y: bad(failure(1)),
      };
      const source = hot('  -a-x-b-y-c-', values);
      const subs = '        ^----------';
      const expected = '    -a---b---c-';

      expectObservable(source.pipe(deadLetterFailures(committer, deadLetters))).toBe(expected, {
        a: 'a',
        b: 'b',
        c: 'c',
      });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
    // One write, maxWaitMs after the first dead letter, holding both.
    expect(deadLetters.write).toHaveBeenCalledExactlyOnceWith([failure(0), failure(1)]);
    expect(writtenAt).toEqual([3 + DEAD_LETTER_BATCH.maxWaitMs]);

    await flushMicrotasks();
    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: '2' }]]);
  });

  it('forwards a source error and drops the open batch: nothing written, nothing acknowledged', async () => {
    const { committer, consumer } = committerTracking(range(1));
    const deadLetters = { write: vi.fn(async () => undefined) };

    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  -a-x-#', { a: ok('a'), x: bad(failure(0)) });
      const subs = '        ^----!';
      const expected = '    -a---#';

      expectObservable(source.pipe(deadLetterFailures(committer, deadLetters))).toBe(expected, { a: 'a' });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
    await flushMicrotasks();
    expect(deadLetters.write).not.toHaveBeenCalled();
    expect(consumer.commitOffsets).not.toHaveBeenCalled();
    expect(committer.inFlight).toBe(1);
  });

  it('stops on unsubscribe: a dead letter whose batch had not closed is neither written nor acknowledged', async () => {
    const { committer, consumer } = committerTracking(range(1));
    const deadLetters = { write: vi.fn(async () => undefined) };

    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  -a-x-b-', { a: ok('a'), b: ok('b'), x: bad(failure(0)) });
      const subs = '        ^---!';
      const unsub = '       ^---!';
      const expected = '    -a---';

      expectObservable(source.pipe(deadLetterFailures(committer, deadLetters)), unsub).toBe(expected, {
        a: 'a',
      });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
    await flushMicrotasks();
    expect(deadLetters.write).not.toHaveBeenCalled();
    expect(consumer.commitOffsets).not.toHaveBeenCalled();
  });

  it('acknowledges a dead letter only after its write resolved, and completes after that', async () => {
    const { committer, consumer, commits } = committerTracking(range(2));
    const write = deferred();
    const deadLetters: DeadLetterSinkPort = { write: vi.fn(() => write.promise) };
    let completed = false;

    const output: string[] = [];
    from([bad(failure(0)), ok('a'), bad(failure(1))])
      .pipe(deadLetterFailures(committer, deadLetters))
      .subscribe({ next: (value) => output.push(value), complete: () => (completed = true) });

    await flushMicrotasks();
    expect(output).toEqual(['a']);
    expect(deadLetters.write).toHaveBeenCalledExactlyOnceWith([failure(0), failure(1)]);
    expect(consumer.commitOffsets).not.toHaveBeenCalled();
    expect(completed).toBe(false);

    write.resolve();
    await flushMicrotasks();
    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: '2' }]]);
    expect(completed).toBe(true);
  });

  it('errors the stream when the dead-letter write fails, and acknowledges nothing', async () => {
    const { committer, consumer } = committerTracking(range(1));
    const refused = new Error('dead-letter table is gone');
    const deadLetters = { write: vi.fn(async () => Promise.reject(refused)) };

    await expect(
      lastValueFrom(
        from([ok('a'), bad(failure(0))]).pipe(deadLetterFailures(committer, deadLetters), toArray()),
      ),
    ).rejects.toBe(refused);
    expect(consumer.commitOffsets).not.toHaveBeenCalled();
    expect(committer.inFlight).toBe(1);
  });
});

describe('acknowledgeSkips', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('forwards the changes in order and acknowledges the skipped records in one group', async () => {
    const { committer, commits } = committerTracking([...range(3), ...range(3, 1)]);
    const values = {
      a: change(0, '1'),
      b: change(1, '2'),
      c: change(2, '3'),
      x: skipped(0),
      y: skipped(1),
      z: skipped(2),
    };

    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  -x-a-y-b-z-c-', values);
      const subs = '        ^------------';
      const expected = '    ---a---b---c-';

      expectObservable(source.pipe(acknowledgeSkips(committer))).toBe(expected, values);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
    await flushMicrotasks();
    // All three skips fall within one time limit (ACKNOWLEDGE_BATCH): one commit; the changes are not acknowledged.
    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: '3' }]]);
    expect(committer.inFlight).toBe(3);
  });

  it('forwards a source error', () => {
    const { committer } = committerTracking([]);
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  -a-#', { a: change(0, '1') });
      const subs = '        ^--!';
      const expected = '    -a-#';

      expectObservable(source.pipe(acknowledgeSkips(committer))).toBe(expected, { a: change(0, '1') });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('completes only once the skipped records are committed', async () => {
    const commit = deferred();
    const consumer = { commitOffsets: vi.fn(() => commit.promise) };
    const slow = new Committer(consumer);
    slow.tracker.track(origin(0));
    let completed = false;

    from([skipped(0)])
      .pipe(acknowledgeSkips(slow))
      .subscribe({ complete: () => (completed = true) });
    await flushMicrotasks();
    expect(consumer.commitOffsets).toHaveBeenCalledExactlyOnceWith([
      { topic: 't', partition: 0, offset: '1' },
    ]);
    expect(completed).toBe(false);
    commit.resolve();
    await flushMicrotasks();
    expect(completed).toBe(true);
    expect(slow.inFlight).toBe(0);
  });

  it('errors the stream when the commit fails for good', async () => {
    const refused = Object.assign(new Error('not authorized'), {
      type: 'GROUP_AUTHORIZATION_FAILED',
      retriable: false,
    });
    const committer = new Committer({ commitOffsets: async () => Promise.reject(refused) });
    committer.tracker.track(origin(0));

    await expect(
      lastValueFrom(from([skipped(0)]).pipe(acknowledgeSkips(committer)), { defaultValue: 'done' }),
    ).rejects.toBe(refused);
  });
});

describe('acknowledgeDropped', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  /** Keeps changes of even ids: partition 1 holds the kept ones, partition 0 the dropped ones. */
  const values = { a: change(0, '1', 0), b: change(0, '2', 1), c: change(1, '3', 0), d: change(1, '4', 1) };
  const keepEven = (item: RoutedChange): boolean => Number(item.key.id) % 2 === 0;

  it('forwards the kept items in order, runs the predicate once per item and acknowledges the dropped', async () => {
    const { committer, commits } = committerTracking([...range(2), ...range(2, 1)]);
    const keep = vi.fn(keepEven);

    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  -a-b-c-d-', values);
      const subs = '        ^--------';
      const expected = '    ---b---d-';

      expectObservable(source.pipe(acknowledgeDropped(committer, keep))).toBe(expected, values);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
    expect(keep).toHaveBeenCalledTimes(4);
    expect(keep.mock.calls.map(([item]) => item)).toEqual([values.a, values.b, values.c, values.d]);
    await flushMicrotasks();
    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: '2' }]]);
    expect(committer.inFlight).toBe(2);
  });

  it('errors the stream when the predicate throws, and unsubscribes from the source', async () => {
    const { committer, consumer } = committerTracking(range(2));
    const broken = new Error('predicate broke');
    const keep = (item: RoutedChange): boolean => {
      if (item.key.id === '3') throw broken;
      return keepEven(item);
    };

    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  -a-b-c-d-', values);
      const subs = '        ^----!';
      const expected = '    ---b-#';

      expectObservable(source.pipe(acknowledgeDropped(committer, keep))).toBe(expected, values, broken);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
    await flushMicrotasks();
    // The dropped `a` was waiting for its batch to close: an error drops it unacknowledged.
    expect(consumer.commitOffsets).not.toHaveBeenCalled();
  });

  it('completes once the dropped items are committed', async () => {
    const { committer, commits } = committerTracking([...range(2), ...range(2, 1)]);
    const kept = await lastValueFrom(
      from([values.a, values.b, values.c, values.d]).pipe(acknowledgeDropped(committer, keepEven), toArray()),
    );
    expect(kept).toEqual([values.b, values.d]);
    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: '2' }]]);
  });
});

describe('applyAndAcknowledge', () => {
  /** A sink whose flushes the test settles, recording what each was given. */
  function fakeSink() {
    const flushes: {
      changes: readonly RoutedChange[];
      done: ReturnType<typeof deferred<{ failed: readonly Failure[] }>>;
    }[] = [];
    const sink: ChangeSink = {
      flush: vi.fn((changes: readonly RoutedChange[]) => {
        const done = deferred<{ failed: readonly Failure[] }>();
        flushes.push({ changes, done });
        return done.promise;
      }),
    };
    return { sink, flushes };
  }

  const apply = (offset: number, id: string, name: string): RoutedChange => ({
    ...change(offset, id, 0),
    after: { id, name },
  });
  const asFailure = (item: RoutedChange): Failure => ({
    ...failure(Number(item.origin.offset)),
    stage: 'apply',
  });

  it('flushes the compacted batch, dead-letters what failed, then acknowledges the whole batch', async () => {
    const { committer, consumer, commits } = committerTracking(range(3));
    const { sink, flushes } = fakeSink();
    const write = deferred();
    const deadLetters = { write: vi.fn(() => write.promise) };
    const first = apply(0, '1', 'old');
    const other = apply(1, '2', 'x');
    const last = apply(2, '1', 'new');
    const input = new Subject<RoutedChange[]>();
    const emitted: number[] = [];
    input.pipe(applyAndAcknowledge(committer, sink, deadLetters)).subscribe((n) => emitted.push(n));

    input.next([first, other, last]);
    // One change per key reaches the sink.
    expect(flushes.map((f) => f.changes)).toEqual([[other, last]]);
    flushes[0]!.done.resolve({ failed: [asFailure(other)] });
    await flushMicrotasks();
    expect(deadLetters.write).toHaveBeenCalledExactlyOnceWith([asFailure(other)]);
    expect(consumer.commitOffsets).not.toHaveBeenCalled();

    write.resolve();
    await flushMicrotasks();
    // Every record of the batch, the superseded `first` too.
    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: '3' }]]);
    expect(committer.inFlight).toBe(0);
    expect(emitted).toEqual([3]);
  });

  it('applies batches one at a time, in order, and writes no dead letters when none failed', async () => {
    const { committer, commits } = committerTracking(range(2));
    const { sink, flushes } = fakeSink();
    const deadLetters = { write: vi.fn(async () => undefined) };
    const input = new Subject<RoutedChange[]>();
    const emitted: number[] = [];
    input.pipe(applyAndAcknowledge(committer, sink, deadLetters)).subscribe((n) => emitted.push(n));

    input.next([apply(0, '1', 'a')]);
    input.next([apply(1, '2', 'b')]);
    expect(flushes).toHaveLength(1);
    flushes[0]!.done.resolve({ failed: [] });
    await flushMicrotasks();
    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: '1' }]]);
    expect(flushes).toHaveLength(2);
    flushes[1]!.done.resolve({ failed: [] });
    await flushMicrotasks();
    expect(commits).toEqual([
      [{ topic: 't', partition: 0, offset: '1' }],
      [{ topic: 't', partition: 0, offset: '2' }],
    ]);
    expect(emitted).toEqual([1, 1]);
    expect(deadLetters.write).not.toHaveBeenCalled();
  });

  it('errors the stream when the dead-letter write fails, and acknowledges nothing', async () => {
    const { committer, consumer } = committerTracking(range(1));
    const refused = new Error('dead-letter table is gone');
    const item = apply(0, '1', 'a');
    const sink: ChangeSink = { flush: async () => ({ failed: [asFailure(item)] }) };
    const deadLetters = { write: async () => Promise.reject(refused) };

    await expect(
      lastValueFrom(from([[item]]).pipe(applyAndAcknowledge(committer, sink, deadLetters))),
    ).rejects.toBe(refused);
    expect(consumer.commitOffsets).not.toHaveBeenCalled();
    expect(committer.inFlight).toBe(1);
  });

  it('errors the stream when the flush fails, and acknowledges nothing', async () => {
    const { committer, consumer } = committerTracking(range(1));
    const broken = new Error('flush failed');
    const sink: ChangeSink = { flush: async () => Promise.reject(broken) };
    const deadLetters = { write: vi.fn(async () => undefined) };

    await expect(
      lastValueFrom(from([[apply(0, '1', 'a')]]).pipe(applyAndAcknowledge(committer, sink, deadLetters))),
    ).rejects.toBe(broken);
    expect(deadLetters.write).not.toHaveBeenCalled();
    expect(consumer.commitOffsets).not.toHaveBeenCalled();
  });
});
