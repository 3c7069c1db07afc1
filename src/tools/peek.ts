/**
 * Reads raw messages of a topic for `npm run peek`: by default the last `limit` messages of each
 * partition, or from the beginning, and optionally following new ones. It never joins the
 * pipeline's consumer group and commits nothing.
 */
import type { Kafka, KafkaMessage } from 'kafkajs';
import { topicOffsets } from './kafka-admin.js';

export interface PeekOptions {
  readonly topic: string;
  readonly fromBeginning: boolean;
  /** Most messages shown per partition before following (without --follow, in all). */
  readonly limit: number;
  readonly follow: boolean;
  /** Called for each message; returns nothing. */
  readonly onMessage: (message: PeekedMessage) => void;
  /** Resolves when the user stops a follow (Ctrl-C). */
  readonly stopped?: Promise<void>;
}

export interface PeekedMessage {
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: string;
  readonly key: string | null;
  readonly value: string | null;
}

const text = (buffer: Buffer | null): string | null => (buffer === null ? null : buffer.toString('utf8'));

export async function peek(kafka: Kafka, options: PeekOptions): Promise<number> {
  const { topic, fromBeginning, limit, follow, onMessage, stopped } = options;
  const admin = kafka.admin();
  await admin.connect();
  const { partitions } = await topicOffsets(admin, topic);
  await admin.disconnect();
  // Where each partition starts and where "caught up" is, fixed now: later messages are followed only.
  const plan = partitions.map(({ partition, low, high }) => {
    const start = fromBeginning
      ? BigInt(low)
      : BigInt(high) - BigInt(limit) > BigInt(low)
        ? BigInt(high) - BigInt(limit)
        : BigInt(low);
    const end = fromBeginning
      ? start + BigInt(limit) < BigInt(high)
        ? start + BigInt(limit)
        : BigInt(high)
      : BigInt(high);
    return { partition, start, end };
  });
  const pending = new Set(plan.filter((p) => p.end > p.start).map((p) => p.partition));
  let shown = 0;
  const consumer = kafka.consumer({ groupId: `cdc-peek-${process.pid}-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let caughtUp!: () => void;
  const done = new Promise<void>((resolve) => (caughtUp = resolve));
  if (pending.size === 0 && !follow) caughtUp();
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }: { partition: number; message: KafkaMessage }) => {
      const bound = plan.find((p) => p.partition === partition);
      const offset = BigInt(message.offset);
      if (!follow && bound && offset >= bound.end) return;
      onMessage({
        partition,
        offset: message.offset,
        timestamp: message.timestamp,
        key: text(message.key),
        value: text(message.value),
      });
      shown += 1;
      if (bound && offset + 1n >= bound.end) pending.delete(partition);
      if (!follow && pending.size === 0) caughtUp();
    },
  });
  for (const { partition, start } of plan) consumer.seek({ topic, partition, offset: start.toString() });
  await (follow ? (stopped ?? new Promise<void>(() => undefined)) : done);
  await consumer.disconnect();
  return shown;
}
