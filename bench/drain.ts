/**
 * One clock for every system the bench drains (this pipeline, its peer): from the consumer group's
 * first Stable generation with a member, to the poll that finds every partition's committed offset
 * at or past the offset after its last change event. A system that commits through trailing
 * tombstones and one that filters them are so timed alike.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';
import { machineBusySeconds } from './cpu.js';
import type { Backlog } from './fill.js';

const POLL_MS = 100;

export interface DrainWatch {
  /** Throws to abandon the wait (the system failed); called on every poll. */
  readonly check: () => Promise<void>;
  readonly timeoutMs: number;
  /** Called once, when the clock starts: where a system's own CPU count starts too. */
  readonly onStarted?: () => void;
}

export interface Drain {
  readonly seconds: number;
  /** CPU seconds the whole machine was busy over the same clock (machineBusySeconds). */
  readonly machineBusySeconds: number;
}

export async function timeDrain(
  admin: Admin,
  groupId: string,
  backlog: Backlog,
  { check, timeoutMs, onStarted }: DrainWatch,
): Promise<Drain> {
  const deadline = Date.now() + timeoutMs;
  let started: { at: number; busy: number } | undefined;
  for (;;) {
    await check();
    if (Date.now() > deadline) throw new Error(`not drained within ${timeoutMs / 1000} s`);
    if (started === undefined) {
      const [group] = (await admin.describeGroups([groupId])).groups;
      if (group && group.state === 'Stable' && group.members.length > 0) {
        started = { at: performance.now(), busy: machineBusySeconds() };
        onStarted?.();
      }
    } else if (await drained(admin, groupId, backlog)) {
      return {
        seconds: (performance.now() - started.at) / 1000,
        machineBusySeconds: machineBusySeconds() - started.busy,
      };
    }
    await sleep(POLL_MS);
  }
}

async function drained(admin: Admin, groupId: string, backlog: Backlog): Promise<boolean> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [backlog.topic] });
  if (!offsets) return false;
  return backlog.drainedAt.every((target, partition) => {
    const committed = offsets.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
    return target === 0 || Number(committed) >= target;
  });
}
