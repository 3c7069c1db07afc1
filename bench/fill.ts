/**
 * Fills a fresh topic with the generated backlog. The bench picks each message's partition from
 * its row id (one key, one partition, as Debezium's keyed records), so it knows per partition how
 * many change events and tombstones it holds and the offset after its last change event: where a
 * consumer that drops tombstones (the peer, through Connect's Filter) has drained it.
 */
import type { Admin, Kafka } from 'kafkajs';
import { generateEvents, type BenchMessage, type BenchRow } from './events.js';

// A produce request stays under the broker's 1 MB message.max.bytes (events are about 2.3 kB each).
const PRODUCE_BATCH = 300;

export interface Backlog {
  readonly topic: string;
  readonly messages: number;
  readonly changes: number;
  readonly tombstones: number;
  /** Per partition: the offset after its last change event (0 when it holds none). */
  readonly drainedAt: readonly number[];
  readonly finalRows: readonly BenchRow[];
}

export async function recreateTopic(admin: Admin, topic: string, partitions: number): Promise<void> {
  if ((await admin.listTopics()).includes(topic)) {
    await admin.deleteTopics({ topics: [topic] });
    while ((await admin.listTopics()).includes(topic)) await new Promise((r) => setTimeout(r, 200));
  }
  await admin.createTopics({
    topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
    waitForLeaders: true,
  });
}

export async function fillTopic({
  kafka,
  admin,
  prefix,
  topic,
  events,
  keys,
  partitions,
  random,
}: {
  kafka: Kafka;
  admin: Admin;
  prefix: string;
  topic: string;
  events: number;
  keys: number;
  partitions: number;
  random: () => number;
}): Promise<Backlog> {
  await recreateTopic(admin, topic, partitions);
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const nextOffset = new Array<number>(partitions).fill(0);
  const drainedAt = new Array<number>(partitions).fill(0);
  let changes = 0;
  let tombstones = 0;
  let chunk: { key: string; value: string | null; partition: number }[] = [];
  const send = async (): Promise<void> => {
    await producer.send({ topic, messages: chunk });
    chunk = [];
  };
  const generator = generateEvents(prefix, events, keys, random);
  let finalRows: Map<number, BenchRow>;
  try {
    for (;;) {
      const next: IteratorResult<BenchMessage, Map<number, BenchRow>> = generator.next();
      if (next.done) {
        finalRows = next.value;
        break;
      }
      const { id, key, value } = next.value;
      const partition = id % partitions;
      const offset = nextOffset[partition]!;
      nextOffset[partition] = offset + 1;
      if (value === null) tombstones += 1;
      else {
        changes += 1;
        drainedAt[partition] = offset + 1;
      }
      chunk.push({ key, value, partition });
      if (chunk.length === PRODUCE_BATCH) await send();
    }
    if (chunk.length > 0) await send();
  } finally {
    await producer.disconnect();
  }
  return {
    topic,
    messages: changes + tombstones,
    changes,
    tombstones,
    drainedAt,
    finalRows: [...finalRows.values()],
  };
}
