import { firstValueFrom, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Shutdown } from '../src/shutdown.js';

describe('Shutdown', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is not requested until asked', () => {
    const shutdown = new Shutdown();
    expect(shutdown.requested).toBe(false);
    let emitted = false;
    shutdown.requested$.subscribe(() => (emitted = true));
    expect(emitted).toBe(false);
  });

  it('remembers a request made while nobody listened: a later subscriber sees it at once', () => {
    const shutdown = new Shutdown();
    // Between two sessions: the first one's subscriber has gone, the next has not subscribed yet.
    shutdown.requested$.subscribe().unsubscribe();
    shutdown.request();
    expect(shutdown.requested).toBe(true);

    const seen: string[] = [];
    shutdown.requested$.subscribe({ next: () => seen.push('next'), complete: () => seen.push('complete') });
    expect(seen).toEqual(['next', 'complete']);
  });

  it('tells a subscriber that listens when the request comes, once, then completes', async () => {
    const shutdown = new Shutdown();
    const all = firstValueFrom(shutdown.requested$.pipe(toArray()));
    shutdown.request();
    await expect(all).resolves.toEqual([undefined]);
  });

  it('takes a second request as the first: idempotent', async () => {
    const shutdown = new Shutdown();
    const all = firstValueFrom(shutdown.requested$.pipe(toArray()));
    shutdown.request();
    shutdown.request();
    await expect(all).resolves.toHaveLength(1);
    expect(shutdown.requested).toBe(true);
    await expect(firstValueFrom(shutdown.requested$.pipe(toArray()))).resolves.toHaveLength(1);
  });

  it('sleep resolves true when it slept the whole time', async () => {
    const shutdown = new Shutdown();
    const slept = shutdown.sleep(1000);
    await vi.advanceTimersByTimeAsync(999);
    let settled = false;
    void slept.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(slept).resolves.toBe(true);
  });

  it('sleep ends early, resolving false, when shutdown is requested meanwhile', async () => {
    const shutdown = new Shutdown();
    const slept = shutdown.sleep(60_000);
    await vi.advanceTimersByTimeAsync(10);
    shutdown.request();
    await expect(slept).resolves.toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sleep after a request returns false at once', async () => {
    const shutdown = new Shutdown();
    shutdown.request();
    await expect(shutdown.sleep(60_000)).resolves.toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });
});
