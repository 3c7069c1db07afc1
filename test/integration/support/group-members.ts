/**
 * Waiting for a consumer group to be left by every member. A service stopped while its consumer
 * was joining cannot tell the coordinator it leaves (it gives up after a while), so it stays a
 * member until its session times out: a service started next in the same group would share the
 * partitions with that ghost (and, under transaction consistency, refuse the partial assignment).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { kafkaClient } from './stack.js';

/** Polls until `groupId` has no member; false if it still has one after `timeoutMs`. */
export async function waitUntilGroupEmpty(groupId: string, timeoutMs = 30_000): Promise<boolean> {
  const admin = kafkaClient('it-group-members').admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { groups } = await admin.describeGroups([groupId]);
      if (groups[0]?.members.length === 0) return true;
      if (Date.now() > deadline) return false;
      await sleep(250);
    }
  } finally {
    await admin.disconnect();
  }
}
