import { describe, expect, it, vi } from 'vitest';
import { Committer } from '../../src/streams/committer.js';
import type { CommittableOffset } from '../../src/streams/offsetTracker.js';

const at = (offset: number, partition = 0, topic = 't') => ({ topic, partition, offset: String(offset) });
const committed = (offset: number, partition = 0, topic = 't'): CommittableOffset =>
  at(offset, partition, topic);

interface Deferred {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The one kafkajs Consumer method a Committer uses. Each call waits until the test settles it,
 * so the test decides the order in which commits end.
 */
function fakeConsumer() {
  const calls: CommittableOffset[][] = [];
  const pending: Deferred[] = [];
  const consumer = {
    commitOffsets: vi.fn(
      (offsets: CommittableOffset[]) =>
        new Promise<void>((resolve, reject) => {
          calls.push(offsets);
          pending.push({ resolve, reject });
        }),
    ),
  };
  /** Settles the oldest unsettled commit. */
  const settle = async (outcome: 'ok' | { error: unknown }): Promise<void> => {
    await flushMicrotasks();
    const next = pending.shift();
    if (next === undefined) throw new Error('no commit is running');
    if (outcome === 'ok') next.resolve();
    else next.reject(outcome.error);
    await flushMicrotasks();
  };
  return { consumer, calls, settle, running: () => pending.length };
}

/** Marks records done, then commits: `acknowledge` without its error policy, to see each commit's own outcome. */
const commitAfter = (committer: Committer, origins: ReturnType<typeof at>[]) => {
  committer.tracker.done(origins);
  return committer.commit();
};

const flushMicrotasks = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

/** Collects how a promise ended, without letting a rejection go unhandled. */
function outcomeOf(promise: Promise<unknown>) {
  const outcome: { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } = { state: 'pending' };
  promise.then(
    () => (outcome.state = 'resolved'),
    (error: unknown) => Object.assign(outcome, { state: 'rejected', error }),
  );
  return outcome;
}

const transient = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { code: 'ECONNREFUSED' });
const kafkaTransient = Object.assign(new Error('The coordinator is not available'), {
  type: 'COORDINATOR_NOT_AVAILABLE',
  retriable: true,
});
const authorization = Object.assign(new Error('Not authorized to access group'), {
  type: 'GROUP_AUTHORIZATION_FAILED',
  retriable: false,
});
const rebalancing = Object.assign(new Error('The group is rebalancing'), {
  type: 'REBALANCE_IN_PROGRESS',
  retriable: true,
});

describe('Committer', () => {
  it('after a rejected commit, the next one tries again and carries the failed offsets', async () => {
    const { consumer, calls, settle } = fakeConsumer();
    const committer = new Committer(consumer);
    committer.tracker.track(at(0, 0));
    committer.tracker.track(at(0, 1));

    const first = outcomeOf(commitAfter(committer, [at(0, 0)]));
    await settle({ error: authorization });
    expect(first).toMatchObject({ state: 'rejected', error: authorization });

    // Only partition 1 moved since, yet the commit also carries partition 0's failed offset; it
    // is tried again rather than rejected with the old error.
    const second = outcomeOf(commitAfter(committer, [at(0, 1)]));
    await settle('ok');
    expect(second.state).toBe('resolved');
    expect(calls).toEqual([[committed(1, 0)], [committed(1, 0), committed(1, 1)]]);
    // What the broker acknowledged is not offered again.
    expect(committer.tracker.committable()).toEqual([]);
  });

  it('runs commits one at a time: an older commit never lands after a newer one', async () => {
    const { consumer, calls, settle, running } = fakeConsumer();
    const committer = new Committer(consumer);
    [0, 1].forEach((o) => committer.tracker.track(at(o)));

    const first = outcomeOf(commitAfter(committer, [at(0)]));
    await flushMicrotasks();
    const second = outcomeOf(commitAfter(committer, [at(1)]));
    await flushMicrotasks();
    // The second waits for the first, even though offset 2 is already committable.
    expect(running()).toBe(1);
    expect(calls).toEqual([[committed(1)]]);

    await settle('ok');
    expect(first.state).toBe('resolved');
    expect(second.state).toBe('pending');
    expect(calls).toEqual([[committed(1)], [committed(2)]]);
    await settle('ok');
    expect(second.state).toBe('resolved');
  });

  it('keeps at most one commit waiting: callers arriving meanwhile share it', async () => {
    const { consumer, calls, settle } = fakeConsumer();
    const committer = new Committer(consumer);
    [0, 1, 2, 3].forEach((o) => committer.tracker.track(at(o)));

    const running = commitAfter(committer, [at(0)]);
    await flushMicrotasks();
    const waiting = [1, 2, 3].map((o) => commitAfter(committer, [at(o)]));
    expect(waiting[1]).toBe(waiting[0]);
    expect(waiting[2]).toBe(waiting[0]);

    await settle('ok');
    await settle('ok');
    await expect(running).resolves.toEqual([committed(1)]);
    await expect(waiting[0]).resolves.toEqual([committed(4)]);
    // Three callers, one commit: everything they acknowledged, in one call.
    expect(calls).toEqual([[committed(1)], [committed(4)]]);
  });

  it('gives each commit its own error: the waiting commit is not failed by the running one', async () => {
    const { consumer, settle } = fakeConsumer();
    const committer = new Committer(consumer);
    [0, 1].forEach((o) => committer.tracker.track(at(o)));

    const first = outcomeOf(commitAfter(committer, [at(0)]));
    await flushMicrotasks();
    const second = outcomeOf(commitAfter(committer, [at(1)]));
    await settle({ error: authorization });
    expect(first.state).toBe('rejected');
    await settle('ok');
    expect(second.state).toBe('resolved');
  });

  it.each([
    ['a socket error (ECONNREFUSED)', transient],
    ['a kafkajs error flagged retriable', kafkaTransient],
  ])('resolves acknowledge on %s, tells onCommitError, and offers the offsets again', async (_, error) => {
    const { consumer, calls, settle } = fakeConsumer();
    const onCommitError = vi.fn();
    const committer = new Committer(consumer, { onCommitError });
    committer.tracker.track(at(7));

    const acknowledged = outcomeOf(committer.acknowledge([at(7)]));
    await settle({ error });
    expect(acknowledged.state).toBe('resolved');
    expect(onCommitError).toHaveBeenCalledExactlyOnceWith(error);

    const again = outcomeOf(committer.commit());
    await settle('ok');
    expect(again.state).toBe('resolved');
    expect(calls).toEqual([[committed(8)], [committed(8)]]);
  });

  it('rejects acknowledge on an error retrying cannot cure, without calling onCommitError', async () => {
    const { consumer, settle } = fakeConsumer();
    const onCommitError = vi.fn();
    const committer = new Committer(consumer, { onCommitError });
    committer.tracker.track(at(7));

    const acknowledged = outcomeOf(committer.acknowledge([at(7)]));
    await settle({ error: authorization });
    expect(acknowledged).toMatchObject({ state: 'rejected', error: authorization });
    expect(onCommitError).not.toHaveBeenCalled();
    expect(committer.inFlight).toBe(0);
  });

  it('takes a commit refused by a rebalance as no error and no acknowledgement', async () => {
    const { consumer, calls, settle } = fakeConsumer();
    const onCommitError = vi.fn();
    const onCommitted = vi.fn();
    const committer = new Committer(consumer, { onCommitError, onCommitted });
    committer.tracker.track(at(3));

    const acknowledged = outcomeOf(committer.acknowledge([at(3)]));
    await settle({ error: rebalancing });
    expect(acknowledged.state).toBe('resolved');
    expect(onCommitError).not.toHaveBeenCalled();
    expect(onCommitted).not.toHaveBeenCalled();
    // Not acknowledged by the broker, so still offered.
    expect(calls).toEqual([[committed(4)]]);
    expect(committer.tracker.committable()).toEqual([committed(4)]);
  });

  it('tells onCommitted what the broker acknowledged, and commits nothing when nothing moved', async () => {
    const { consumer, settle } = fakeConsumer();
    const onCommitted = vi.fn();
    const committer = new Committer(consumer, { onCommitted });
    committer.tracker.track(at(0, 0));
    committer.tracker.track(at(5, 1));

    const acknowledged = outcomeOf(committer.acknowledge([at(0, 0), at(5, 1)]));
    await settle('ok');
    expect(acknowledged.state).toBe('resolved');
    expect(onCommitted).toHaveBeenCalledExactlyOnceWith(
      [committed(1, 0), committed(6, 1)],
      expect.any(Number),
    );
    // The second argument is how long the broker took: a duration, for the commit histogram.
    expect(onCommitted.mock.calls[0]?.[1]).toBeGreaterThanOrEqual(0);

    await expect(committer.commit()).resolves.toEqual([]);
    expect(consumer.commitOffsets).toHaveBeenCalledTimes(1);
    expect(onCommitted).toHaveBeenCalledTimes(1);
  });

  it('reset drops everything, and a late acknowledgement of a reset partition is ignored', async () => {
    const { consumer, calls, settle } = fakeConsumer();
    const committer = new Committer(consumer);
    [0, 1, 2].forEach((o) => committer.tracker.track(at(o)));

    const inFlightCommit = outcomeOf(committer.acknowledge([at(0), at(1)]));
    await flushMicrotasks();
    expect(calls).toEqual([[committed(2)]]);
    committer.reset();
    expect(committer.inFlight).toBe(0);
    expect(committer.tracker.committable()).toEqual([]);

    // The commit that was on its way lands after the rebalance: the partition is unknown now.
    await settle('ok');
    expect(inFlightCommit.state).toBe('resolved');
    // Records of the old generation acknowledged late commit nothing either.
    await expect(committer.acknowledge([at(2)])).resolves.toBeUndefined();
    expect(calls).toHaveLength(1);

    // The partition read again from offset 0 is tracked afresh: its commit is not suppressed by
    // the late acknowledgement of the old one.
    committer.tracker.track(at(0));
    const fresh = outcomeOf(committer.acknowledge([at(0)]));
    await settle('ok');
    expect(fresh.state).toBe('resolved');
    expect(calls).toEqual([[committed(2)], [committed(1)]]);
  });
});

describe('Committer with a consumer that reports its requests', () => {
  /**
   * A consumer whose commitOffsets resolves at once, with or without the broker's answer: kafkajs
   * emits consumer.network.request for every answered request and resolves a commit it never
   * sent once its consumer stopped.
   */
  function reportingConsumer() {
    const listeners: ((event: { payload: { apiName: string } }) => void)[] = [];
    const state = { sends: true };
    const consumer = {
      events: { REQUEST: 'consumer.network.request' } as const,
      on: vi.fn((_name: string, listener: (event: { payload: { apiName: string } }) => void) => {
        listeners.push(listener);
        return () => listeners.splice(listeners.indexOf(listener), 1);
      }),
      commitOffsets: vi.fn(async () => {
        if (state.sends) for (const listener of listeners) listener({ payload: { apiName: 'OffsetCommit' } });
      }),
    };
    return { consumer, state, listeners };
  }

  const committerOf = (consumer: ReturnType<typeof reportingConsumer>['consumer']) =>
    // The fake carries only the two members of kafkajs' event API that the Committer uses.
    new Committer(consumer as unknown as ConstructorParameters<typeof Committer>[0]);

  it('counts a commit the broker answered', async () => {
    const { consumer } = reportingConsumer();
    const committer = committerOf(consumer);
    committer.tracker.track(at(0));
    await expect(commitAfter(committer, [at(0)])).resolves.toEqual([committed(1)]);
    // Nothing left to offer: the answered commit counted.
    expect(committer.tracker.committable()).toEqual([]);
  });

  it('refuses a commit that kafkajs resolved without sending, and offers its offsets again', async () => {
    const { consumer, state } = reportingConsumer();
    const committer = committerOf(consumer);
    committer.tracker.track(at(0));
    state.sends = false;
    await expect(commitAfter(committer, [at(0)])).rejects.toThrow(
      'Kafka commit not sent: the consumer is not running',
    );
    expect(committer.tracker.committable()).toEqual([committed(1)]);
    state.sends = true;
    await expect(committer.commit()).resolves.toEqual([committed(1)]);
  });

  it('treats the unsent commit as transient in acknowledge, reporting it', async () => {
    const { consumer, state } = reportingConsumer();
    const errors: unknown[] = [];
    const committer = new Committer(consumer as unknown as ConstructorParameters<typeof Committer>[0], {
      onCommitError: (error) => errors.push(error),
    });
    committer.tracker.track(at(0));
    state.sends = false;
    await committer.acknowledge([at(0)]);
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain('commit not sent');
  });

  it('stops listening when closed', () => {
    const { consumer, listeners } = reportingConsumer();
    const committer = committerOf(consumer);
    expect(listeners).toHaveLength(1);
    committer.close();
    expect(listeners).toHaveLength(0);
  });
});
