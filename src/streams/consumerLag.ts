/**
 * Consumer lag: per partition, the topic's end offset minus the group's committed offset (a
 * partition without a commit lags by everything from its start).
 */
import type { Admin } from 'kafkajs';

export async function consumerLag(admin: Admin, groupId: string, topics: readonly string[]): Promise<number> {
  if (topics.length === 0) return 0;
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  let lag = 0n;
  for (const { topic, partitions } of committed) {
    const ends = await admin.fetchTopicOffsets(topic);
    for (const end of ends) {
      const mine = partitions.find((partition) => partition.partition === end.partition);
      const from = mine && mine.offset !== '-1' ? BigInt(mine.offset) : BigInt(end.low);
      const behind = BigInt(end.high) - from;
      if (behind > 0n) lag += behind;
    }
  }
  return Number(lag);
}
