import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import '../../src/streams/kafkajs-idle-timer.js';

interface QueueState {
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  checks: number;
  checkPendingRequests(): void;
}

const require = createRequire(import.meta.url);
const { prototype } = require('kafkajs/src/network/requestQueue/index.js') as {
  prototype: { scheduleCheckPendingRequests(this: QueueState): void };
};

/** A request queue's state as kafkajs keeps it: -1 is its "never throttled". */
const queue = (state: Partial<QueueState> = {}): QueueState => ({
  throttledUntil: -1,
  throttleCheckTimeoutId: null,
  pending: [],
  checks: 0,
  checkPendingRequests() {
    this.checks += 1;
  },
  ...state,
});

const armed: QueueState[] = [];
const schedule = (state: QueueState): QueueState => {
  prototype.scheduleCheckPendingRequests.call(state);
  armed.push(state);
  return state;
};

afterEach(() => {
  for (const state of armed.splice(0))
    if (state.throttleCheckTimeoutId) clearTimeout(state.throttleCheckTimeoutId);
});

describe('kafkajs request queue timer (kafkajs#1751, #1704)', () => {
  it('arms no timer on an idle queue that was never throttled (kafkajs 2.2.4 armed one at -Date.now() ms)', () => {
    expect(schedule(queue()).throttleCheckTimeoutId).toBeNull();
  });

  it('still checks a queue with requests waiting, and one throttled, when due', async () => {
    const waiting = schedule(queue({ pending: [{}] }));
    const throttled = schedule(queue({ throttledUntil: Date.now() + 30 }));
    expect(waiting.throttleCheckTimeoutId).not.toBeNull();
    expect(throttled.throttleCheckTimeoutId).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect([waiting.checks, throttled.checks]).toEqual([1, 1]);
  });

  it('keeps a timer already armed', () => {
    const state = schedule(queue({ pending: [{}] }));
    const first = state.throttleCheckTimeoutId;
    prototype.scheduleCheckPendingRequests.call(state);
    expect(state.throttleCheckTimeoutId).toBe(first);
  });
});
