import type { Consumer, EachBatchPayload } from 'kafkajs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fromKafka, type SourceEvent } from '../../src/streams/fromKafka.js';
import { OffsetTracker } from '../../src/streams/offsetTracker.js';
import type { KafkaRecord } from '../../src/types.js';

/** The resume poll of fromKafka (RESUME_POLL_MS, module-private). */
const RESUME_POLL_MS = 20;

type Listener = (event: { payload: Record<string, unknown> }) => void;

/**
 * The kafkajs Consumer methods fromKafka uses: `run` hands over its eachBatch, `on` keeps the
 * listeners so the test can raise consumer events.
 */
function fakeConsumer() {
  const listeners = new Map<string, Set<Listener>>();
  let eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined;
  const consumer = {
    events: { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' },
    connect: vi.fn(async () => undefined),
    subscribe: vi.fn(async () => undefined),
    run: vi.fn(async (config: { eachBatch: (payload: EachBatchPayload) => Promise<void> }) => {
      eachBatch = config.eachBatch;
    }),
    pause: vi.fn(),
    resume: vi.fn(),
    seek: vi.fn(),
    on: vi.fn((event: string, listener: Listener) => {
      const set = listeners.get(event) ?? new Set();
      set.add(listener);
      listeners.set(event, set);
      return () => set.delete(listener);
    }),
  };
  /** Delivers one fetched batch of `offsets` on `topic`/`partition`, as kafkajs's fetch loop does. */
  const deliver = async (
    topic: string,
    offsets: readonly number[],
    { partition = 0, stale = () => false }: { partition?: number; stale?: () => boolean } = {},
  ): Promise<void> => {
    if (eachBatch === undefined) throw new Error('the consumer is not running');
    const messages = offsets.map((offset) => ({
      offset: String(offset),
      key: Buffer.from(`k${offset}`),
      value: Buffer.from(`v${offset}`),
      timestamp: '1700000000000',
      attributes: 0,
      headers: {},
    }));
    await eachBatch({
      batch: { topic, partition, messages },
      isRunning: () => true,
      isStale: stale,
      heartbeat: async () => undefined,
    } as unknown as EachBatchPayload);
  };
  const raise = (event: string, payload: Record<string, unknown>): void =>
    listeners.get(event)?.forEach((listener) => listener({ payload }));
  const listening = (): number => [...listeners.values()].reduce((n, set) => n + set.size, 0);
  return { consumer, asConsumer: consumer as unknown as Consumer, deliver, raise, listening };
}

const origins = (topic: string, offsets: readonly number[], partition = 0) =>
  offsets.map((offset) => ({ topic, partition, offset: String(offset) }));

const flushMicrotasks = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('fromKafka', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Subscribes a source over a fake consumer; resolves once the consumer runs. */
  async function started(
    options: {
      highWaterMark?: number;
      lowWaterMark?: number;
      onAssigned?: Parameters<typeof fromKafka>[1]['onAssigned'];
    } = {},
  ) {
    const fake = fakeConsumer();
    const tracker = new OffsetTracker();
    const events: SourceEvent[] = [];
    const records: KafkaRecord[] = [];
    const outcome: { error?: unknown; completed: boolean } = { completed: false };
    const subscription = fromKafka(fake.asConsumer, {
      topics: ['t', /^u/],
      tracker,
      fromBeginning: false,
      ...options,
      onEvent: (event) => events.push(event),
    }).subscribe({
      next: (record) => records.push(record),
      error: (error: unknown) => (outcome.error = error),
      complete: () => (outcome.completed = true),
    });
    await flushMicrotasks();
    return { ...fake, tracker, events, records, outcome, subscription };
  }

  it('connects, subscribes without auto-commit, and emits each record tracked', async () => {
    const { consumer, deliver, records, tracker } = await started();
    expect(consumer.subscribe).toHaveBeenCalledWith({ topics: ['t', /^u/], fromBeginning: false });
    expect(consumer.run).toHaveBeenCalledWith(expect.objectContaining({ autoCommit: false }));

    await deliver('t', [5, 6], { partition: 2 });
    expect(records).toEqual([
      {
        topic: 't',
        partition: 2,
        offset: '5',
        key: Buffer.from('k5'),
        value: Buffer.from('v5'),
        timestamp: '1700000000000',
        epoch: 0,
      },
      {
        topic: 't',
        partition: 2,
        offset: '6',
        key: Buffer.from('k6'),
        value: Buffer.from('v6'),
        timestamp: '1700000000000',
        epoch: 0,
      },
    ]);
    expect(tracker.inFlight).toBe(2);
  });

  it('stops emitting a batch whose partition was revoked mid-way (stale)', async () => {
    const { deliver, records, tracker } = await started();
    let calls = 0;
    await deliver('t', [0, 1, 2], { stale: () => ++calls > 1 });
    expect(records.map((r) => r.offset)).toEqual(['0']);
    expect(tracker.inFlight).toBe(1);
  });

  it('pauses every seen topic at the high-water mark and resumes at the low-water mark', async () => {
    const { consumer, deliver, events, tracker } = await started({ highWaterMark: 4, lowWaterMark: 1 });

    await deliver('t', [0, 1, 2]);
    expect(consumer.pause).not.toHaveBeenCalled();
    await deliver('u1', [0, 1]);
    expect(consumer.pause).toHaveBeenCalledExactlyOnceWith([{ topic: 't' }, { topic: 'u1' }]);
    expect(events).toEqual([{ type: 'paused', inFlight: 5 }]);

    // Still above the low-water mark: stays paused, however long.
    tracker.done(origins('t', [0, 1, 2]));
    expect(tracker.inFlight).toBe(2);
    vi.advanceTimersByTime(10 * RESUME_POLL_MS);
    expect(consumer.resume).not.toHaveBeenCalled();

    tracker.done(origins('u1', [0]));
    expect(tracker.inFlight).toBe(1);
    vi.advanceTimersByTime(RESUME_POLL_MS);
    expect(consumer.resume).toHaveBeenCalledExactlyOnceWith([{ topic: 't' }, { topic: 'u1' }]);
    expect(events).toEqual([
      { type: 'paused', inFlight: 5 },
      { type: 'resumed', inFlight: 1 },
    ]);

    // The poll stops once resumed, and a full tracker pauses again.
    vi.advanceTimersByTime(10 * RESUME_POLL_MS);
    expect(consumer.resume).toHaveBeenCalledTimes(1);
    await deliver('t', [3, 4, 5]);
    expect(consumer.pause).toHaveBeenCalledTimes(2);
    expect(events.at(-1)).toEqual({ type: 'paused', inFlight: 4 });
  });

  it('pauses once while paused, however many fetched batches still arrive', async () => {
    const { consumer, deliver } = await started({ highWaterMark: 2, lowWaterMark: 0 });
    await deliver('t', [0, 1]);
    await deliver('t', [2, 3]);
    expect(consumer.pause).toHaveBeenCalledTimes(1);
  });

  it('pauses a topic first seen while paused: a pattern names its topics only as records arrive', async () => {
    const { consumer, deliver, tracker } = await started({ highWaterMark: 2, lowWaterMark: 0 });
    await deliver('t', [0, 1]);
    expect(consumer.pause).toHaveBeenLastCalledWith([{ topic: 't' }]);
    // A batch of a topic the pause did not name (fetched meanwhile) is emitted, and its topic paused
    // too: else it kept fetching while the source is paused and in-flight records grew without bound.
    await deliver('u2', [0, 1, 2]);
    expect(consumer.pause).toHaveBeenLastCalledWith([{ topic: 'u2' }]);
    expect(tracker.inFlight).toBe(5);

    tracker.done([...origins('t', [0, 1]), ...origins('u2', [0, 1, 2])]);
    vi.advanceTimersByTime(RESUME_POLL_MS);
    expect(consumer.resume).toHaveBeenCalledExactlyOnceWith([{ topic: 't' }, { topic: 'u2' }]);
  });

  it('refuses water marks that cannot work', () => {
    const { asConsumer } = fakeConsumer();
    const tracker = new OffsetTracker();
    expect(() =>
      fromKafka(asConsumer, { topics: ['t'], tracker, highWaterMark: 4, lowWaterMark: 4 }),
    ).toThrow(RangeError);
    expect(() => fromKafka(asConsumer, { topics: ['t'], tracker, highWaterMark: 0 })).toThrow(RangeError);
  });

  it('reports a crash kafkajs restarts from as restarting, without ending the stream', async () => {
    const { raise, events, outcome } = await started();
    const error = Object.assign(new Error('Connection error: connect ECONNREFUSED'), { retriable: true });
    raise('consumer.crash', { error, restart: true, groupId: 'g' });
    expect(events).toEqual([{ type: 'restarting', error }]);
    expect(outcome).toEqual({ completed: false });
  });

  it('errors the stream on a crash kafkajs does not restart from', async () => {
    const { raise, events, outcome } = await started();
    const error = Object.assign(new Error('Not authorized'), { type: 'GROUP_AUTHORIZATION_FAILED' });
    raise('consumer.crash', { error, restart: false, groupId: 'g' });
    expect(outcome.error).toBe(error);
    expect(events).toEqual([]);
  });

  it('errors the stream when the consumer cannot start', async () => {
    const fake = fakeConsumer();
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    fake.consumer.connect.mockRejectedValueOnce(refused);
    let failed: unknown;
    fromKafka(fake.asConsumer, { topics: ['t'], tracker: new OffsetTracker() }).subscribe({
      error: (error: unknown) => (failed = error),
    });
    await flushMicrotasks();
    expect(failed).toBe(refused);
    expect(fake.consumer.run).not.toHaveBeenCalled();
  });

  it('on a group join forgets what it tracked and reports the new assignment', async () => {
    const { raise, deliver, events, tracker } = await started();
    await deliver('t', [0, 1]);
    raise('consumer.group_join', { memberAssignment: { t: [0, 1] }, groupId: 'g' });
    expect(events).toEqual([{ type: 'rebalanced', assignment: { t: [0, 1] }, epoch: 1 }]);
    expect(tracker.inFlight).toBe(0);
    tracker.done(origins('t', [0, 1]));
    expect(tracker.committable()).toEqual([]);
  });

  it('stamps each record with the assignment it was read under, so a copy read again is told apart', async () => {
    const { raise, deliver, records, events } = await started();
    await deliver('t', [0, 1]);
    raise('consumer.group_join', { memberAssignment: { t: [0] }, groupId: 'g' });
    await deliver('t', [0]);
    raise('consumer.group_join', { memberAssignment: { t: [0] }, groupId: 'g' });
    await deliver('t', [1]);
    expect(records.map(({ offset, epoch }) => [offset, epoch])).toEqual([
      ['0', 0],
      ['1', 0],
      ['0', 1],
      ['1', 2],
    ]);
    expect(events.map((event) => (event.type === 'rebalanced' ? event.epoch : undefined))).toEqual([1, 2]);
  });

  it('a rebalance while paused lets the source resume (nothing is in flight any more)', async () => {
    const { consumer, raise, deliver } = await started({ highWaterMark: 2, lowWaterMark: 0 });
    await deliver('t', [0, 1]);
    expect(consumer.pause).toHaveBeenCalledTimes(1);
    raise('consumer.group_join', { memberAssignment: { t: [0] }, groupId: 'g' });
    vi.advanceTimersByTime(RESUME_POLL_MS);
    expect(consumer.resume).toHaveBeenCalledTimes(1);
  });

  it('on unsubscribe removes its listeners, stops the resume poll and emits nothing more', async () => {
    const { consumer, deliver, subscription, listening, records, tracker } = await started({
      highWaterMark: 2,
      lowWaterMark: 0,
    });
    await deliver('t', [0, 1]);
    expect(listening()).toBe(2);
    subscription.unsubscribe();
    expect(listening()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);

    tracker.done(origins('t', [0, 1]));
    vi.advanceTimersByTime(RESUME_POLL_MS);
    expect(consumer.resume).not.toHaveBeenCalled();
    await deliver('t', [2]);
    expect(records).toHaveLength(2);
    expect(tracker.inFlight).toBe(0);
  });

  describe('with onAssigned (positions in the target)', () => {
    it('holds the assigned topics paused until the claim resolves, seeks where it says, then resumes', async () => {
      let settle: (seeks: { topic: string; partition: number; offset: string }[]) => void = () => undefined;
      const onAssigned = vi.fn(
        () =>
          new Promise<{ topic: string; partition: number; offset: string }[]>(
            (resolve) => (settle = resolve),
          ),
      );
      const { consumer, raise } = await started({ onAssigned });
      raise('consumer.group_join', { memberAssignment: { t: [0, 1] } });
      expect(onAssigned).toHaveBeenCalledWith({ t: [0, 1] });
      expect(consumer.pause).toHaveBeenCalledWith([{ topic: 't' }]);
      expect(consumer.resume).not.toHaveBeenCalled();

      settle([{ topic: 't', partition: 1, offset: '42' }]);
      await flushMicrotasks();
      expect(consumer.seek).toHaveBeenCalledWith({ topic: 't', partition: 1, offset: '42' });
      expect(consumer.resume).toHaveBeenCalledWith([{ topic: 't' }]);
      // Seeks come before the resume: nothing is fetched from where Kafka would have started.
      expect(consumer.seek.mock.invocationCallOrder[0]!).toBeLessThan(
        consumer.resume.mock.invocationCallOrder[0]!,
      );
    });

    it('leaves a claim overtaken by a newer rebalance without effect', async () => {
      const settles: ((seeks: { topic: string; partition: number; offset: string }[]) => void)[] = [];
      const onAssigned = vi.fn(
        () =>
          new Promise<{ topic: string; partition: number; offset: string }[]>((resolve) =>
            settles.push(resolve),
          ),
      );
      const { consumer, raise } = await started({ onAssigned });
      raise('consumer.group_join', { memberAssignment: { t: [0] } });
      raise('consumer.group_join', { memberAssignment: { t: [0, 1] } });
      settles[0]!([{ topic: 't', partition: 0, offset: '7' }]);
      await flushMicrotasks();
      expect(consumer.seek).not.toHaveBeenCalled();
      expect(consumer.resume).not.toHaveBeenCalled();
      settles[1]!([]);
      await flushMicrotasks();
      expect(consumer.resume).toHaveBeenCalledTimes(1);
    });

    it('ends the stream when the claim fails', async () => {
      const refusal = new Error('target unreachable');
      const { raise, outcome } = await started({ onAssigned: () => Promise.reject(refusal) });
      raise('consumer.group_join', { memberAssignment: { t: [0] } });
      await flushMicrotasks();
      expect(outcome.error).toBe(refusal);
    });

    it('lets backpressure keep a claimed topic paused, and resume it later', async () => {
      const { consumer, raise, deliver, tracker } = await started({
        highWaterMark: 2,
        onAssigned: async () => [],
      });
      await deliver('t', [0, 1]); // in flight: 2, paused by backpressure
      expect(consumer.pause).toHaveBeenLastCalledWith([{ topic: 't' }]);
      raise('consumer.group_join', { memberAssignment: { t: [0] } });
      await flushMicrotasks();
      // Still full (the join reset the tracker, but the backpressure pause stands until the poll).
      tracker.track({ topic: 't', partition: 0, offset: '0' });
      tracker.track({ topic: 't', partition: 0, offset: '1' });
      const resumesBefore = consumer.resume.mock.calls.length;
      tracker.done(origins('t', [0, 1]));
      await vi.advanceTimersByTimeAsync(RESUME_POLL_MS);
      expect(consumer.resume.mock.calls.length).toBeGreaterThan(resumesBefore);
    });
  });
});
