/**
 * Consumer lag: per partition, the topic's end offset minus the group's committed offset (a
 * partition without a commit lags by everything from its start).
 */
import type { Admin } from 'kafkajs';

/** How many messages one partition holds beyond the group's committed offset. */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  readonly lag: number;
}

export async function partitionLags(
  admin: Admin,
  groupId: string,
  topics: readonly string[],
): Promise<PartitionLag[]> {
  if (topics.length === 0) return [];
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  const lags: PartitionLag[] = [];
  for (const { topic, partitions } of committed) {
    const ends = await admin.fetchTopicOffsets(topic);
    for (const end of ends) {
      const mine = partitions.find((partition) => partition.partition === end.partition);
      const from = mine && mine.offset !== '-1' ? BigInt(mine.offset) : BigInt(end.low);
      const behind = BigInt(end.high) - from;
      lags.push({ topic, partition: end.partition, lag: behind > 0n ? Number(behind) : 0 });
    }
  }
  return lags;
}

export async function consumerLag(admin: Admin, groupId: string, topics: readonly string[]): Promise<number> {
  const lags = await partitionLags(admin, groupId, topics);
  return lags.reduce((sum, { lag }) => sum + lag, 0);
}
