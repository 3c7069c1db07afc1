/**
 * Topics created for a test, ready to be read: every partition has a leader. kafkajs's own
 * `waitForLeaders` gives up when the broker does not list a topic it has just created yet
 * ("This server does not host this topic-partition"), which a loaded machine makes common, so
 * this waits for the leaders itself and takes that answer as "not yet".
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ITopicConfig } from 'kafkajs';
import { kafkaClient } from './stack.js';

const READY_TIMEOUT_MS = 30_000;
const POLL_MS = 200;

export async function createReadyTopics(clientId: string, topics: readonly ITopicConfig[]): Promise<void> {
  const admin = kafkaClient(clientId).admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: false, topics: [...topics] });
    const names = topics.map(({ topic }) => topic);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      const ready = await admin
        .fetchTopicMetadata({ topics: names })
        .then(
          ({ topics: found }) =>
            found.length === names.length &&
            found.every(
              ({ partitions }) => partitions.length > 0 && partitions.every(({ leader }) => leader >= 0),
            ),
        )
        .catch(() => false);
      if (ready) return;
      if (Date.now() > deadline)
        throw new Error(
          `topics have no leader ${READY_TIMEOUT_MS / 1000} s after creation: ${names.join(', ')}`,
        );
      await sleep(POLL_MS);
    }
  } finally {
    await admin.disconnect();
  }
}
