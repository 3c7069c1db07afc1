/** What integration tests share: the running stack's URLs and clients on it. */
import { Kafka, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';
import '../../../src/streams/kafkajs-idle-timer.js';
import pg from 'pg';
import { inject } from 'vitest';

export const stack = () => inject('stack');

export function kafkaClient(clientId = 'cdc-test'): Kafka {
  return new Kafka({ clientId, brokers: stack().KAFKA_BROKERS.split(','), logLevel: logLevel.WARN });
}

export async function withDatabase<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export const source = <T>(work: (client: pg.Client) => Promise<T>): Promise<T> =>
  withDatabase(stack().SOURCE_DATABASE_URL, work);
export const target = <T>(work: (client: pg.Client) => Promise<T>): Promise<T> =>
  withDatabase(stack().TARGET_DATABASE_URL, work);

/**
 * Reads a topic from the beginning with a fresh consumer group (or `groupId`) until `done` says the collected
 * messages are enough, or the timeout passes (then it returns what it has, for the assertion to judge).
 */
export async function collectMessages(
  topic: string,
  done: (messages: readonly KafkaMessage[]) => boolean,
  {
    timeoutMs = 30_000,
    filter = (_: KafkaMessage): boolean => true,
    groupId = `cdc-test-${process.pid}-${Date.now()}-${Math.random()}`,
  } = {},
): Promise<KafkaMessage[]> {
  // A short idle fetch: messages that arrive while the test waits are seen at once.
  const consumer: Consumer = kafkaClient(groupId).consumer({ groupId, maxWaitTimeInMs: 250 });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          if (!filter(message)) return;
          messages.push(message);
          if (done(messages)) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}
