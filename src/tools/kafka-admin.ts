/** What the inspection tools ask the broker: topics with their partitions and offsets. */
import { Kafka, logLevel, type Admin } from 'kafkajs';
import '../streams/kafkajs-idle-timer.js';
import { securityFailure } from '../security/explain.js';
import { kafkaSecurityFromEnv } from '../security/from-env.js';
import type { KafkaSecurity } from '../security/kafka.js';

/**
 * A client of the tools (peek, topics, the demo). TLS and SASL come from the same variables as
 * the service's (KAFKA_SSL*, KAFKA_SASL_*) unless `security` is given.
 */
export function kafkaFor(
  brokers: string,
  clientId: string,
  security: KafkaSecurity = kafkaSecurityFromEnv(),
): Kafka {
  return new Kafka({
    clientId,
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
    ...security,
  });
}

export async function connectedAdmin(brokers: string, security?: KafkaSecurity): Promise<Admin> {
  const admin = kafkaFor(brokers, 'cdc-tools', security).admin();
  try {
    await admin.connect();
  } catch (error) {
    // A refused login or certificate names its own fix; anything else is Kafka not answering.
    const refused = securityFailure('broker', error);
    throw new Error(
      refused === undefined
        ? `cannot reach Kafka at ${brokers}: ${(error as Error).message}\n  fix: start Kafka (npm run stack:up in the project), or set KAFKA_BROKERS`
        : `cannot connect to Kafka at ${brokers}: ${refused.reason}\n  fix: ${refused.fix}`,
      { cause: error },
    );
  }
  return admin;
}

export interface PartitionOffsets {
  readonly partition: number;
  readonly low: string;
  readonly high: string;
}

export interface TopicOffsets {
  readonly topic: string;
  readonly partitions: readonly PartitionOffsets[];
  /** Messages currently retained: the sum of high − low. */
  readonly messages: bigint;
}

export async function topicOffsets(admin: Admin, topic: string): Promise<TopicOffsets> {
  const partitions = (await admin.fetchTopicOffsets(topic))
    .map(({ partition, low, high }) => ({ partition, low, high }))
    .sort((a, b) => a.partition - b.partition);
  const messages = partitions.reduce((sum, p) => sum + BigInt(p.high) - BigInt(p.low), 0n);
  return { topic, partitions, messages };
}

/** A clear error for a topic that does not exist, listing those that do. */
export async function requireTopic(admin: Admin, topic: string): Promise<void> {
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) {
    const known = topics.filter((name) => !name.startsWith('__')).sort();
    throw new Error(
      `topic ${topic} does not exist. Topics: ${known.join(', ') || '(none)'}\n  fix: cdc-pipeline topics (npm run topics) lists them`,
    );
  }
}
