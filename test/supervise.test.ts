import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, OutageTooLongError } from '../src/errors.js';
import { Shutdown } from '../src/shutdown.js';
import { superviseSessions } from '../src/supervise.js';

const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { code: 'ECONNREFUSED' });

const flushMicrotasks = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('superviseSessions', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ends when shutdown is requested during a consumer restart, between two sessions', async () => {
    const shutdown = new Shutdown();
    // A session that ends for a restart (a new topic); the signal arrives as it ends, when no
    // pipeline subscribes to requested$ (issue 8: only a second signal ended the process).
    const session = vi.fn(async () => {
      await Promise.resolve();
      shutdown.request();
    });

    await superviseSessions({ shutdown, session, onFailure: vi.fn(), restartDelay: () => 1000 });
    expect(session).toHaveBeenCalledTimes(1);
  });

  it('runs no session when shutdown was requested before it started', async () => {
    const shutdown = new Shutdown();
    shutdown.request();
    const session = vi.fn(async () => undefined);
    await superviseSessions({ shutdown, session, onFailure: vi.fn(), restartDelay: () => 0 });
    expect(session).not.toHaveBeenCalled();
  });

  it('ends when shutdown is requested during the backoff after an outage, without waiting it out', async () => {
    const shutdown = new Shutdown();
    const onFailure = vi.fn();
    const session = vi.fn(async () => Promise.reject(refused()));
    let ended = false;
    const loop = superviseSessions({ shutdown, session, onFailure, restartDelay: () => 60_000 }).then(
      () => (ended = true),
    );

    await vi.advanceTimersByTimeAsync(1000);
    expect(ended).toBe(false);
    expect(onFailure).toHaveBeenCalledTimes(1);
    shutdown.request();
    await loop;
    expect(session).toHaveBeenCalledTimes(1);
  });

  it('restarts after an outage with growing delays, counted again after a session that ended well', async () => {
    const shutdown = new Shutdown();
    const outcomes: ('fail' | 'ok' | 'stop')[] = ['fail', 'fail', 'ok', 'fail', 'stop'];
    const session = vi.fn(async () => {
      const outcome = outcomes.shift();
      if (outcome === 'fail') throw refused();
      if (outcome === 'stop') shutdown.request();
    });
    const restartDelay = vi.fn((failures: number) => 1000 * (failures + 1));
    const onFailure = vi.fn();
    const loop = superviseSessions({ shutdown, session, onFailure, restartDelay });

    await vi.advanceTimersByTimeAsync(10_000);
    await loop;
    expect(session).toHaveBeenCalledTimes(5);
    expect(restartDelay.mock.calls.map(([failures]) => failures)).toEqual([0, 1, 0]);
    expect(onFailure).toHaveBeenCalledTimes(3);
  });

  it.each([
    ['a configuration error', new ConfigError('PIPELINE_GROUP_ID is empty')],
    [
      'an authentication refusal',
      Object.assign(new Error('password authentication failed'), { code: '28P01' }),
    ],
  ])('ends at once with %s, without calling it an outage', async (_, fatal) => {
    const shutdown = new Shutdown();
    const onFailure = vi.fn();
    await expect(
      superviseSessions({
        shutdown,
        session: async () => Promise.reject(fatal),
        onFailure,
        restartDelay: () => 0,
      }),
    ).rejects.toBe(fatal);
    expect(onFailure).not.toHaveBeenCalled();
    expect(shutdown.requested).toBe(false);
  });

  it('ends with what onFailure throws: an outage past its limit', async () => {
    const shutdown = new Shutdown();
    const tooLong = new OutageTooLongError('Kafka unreachable for 301 s', refused());
    const onFailure = vi.fn(() => {
      throw tooLong;
    });
    const session = vi.fn(async () => Promise.reject(refused()));
    await expect(superviseSessions({ shutdown, session, onFailure, restartDelay: () => 0 })).rejects.toBe(
      tooLong,
    );
    await flushMicrotasks();
    expect(session).toHaveBeenCalledTimes(1);
  });
});
