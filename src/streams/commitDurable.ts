/**
 * Commits, per partition, the offset below which every record is durable (flushed or
 * dead-lettered). Called after each flush. A commit refused during a rebalance is not an error:
 * the records are read again from the last commit and applied idempotently.
 */
import type { Consumer } from 'kafkajs';
import type { CommittableOffset, OffsetTracker } from './offsetTracker.js';

export async function commitDurable(
  consumer: Consumer,
  tracker: OffsetTracker,
): Promise<readonly CommittableOffset[]> {
  const offsets = tracker.committable();
  if (offsets.length === 0) return offsets;
  try {
    await consumer.commitOffsets(
      offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })),
    );
  } catch (error) {
    if (isRebalanceError(error)) return [];
    throw error;
  }
  return offsets;
}

/**
 * kafkajs protocol errors carry Kafka's error code name in `type`, often wrapped in a
 * KafkaJSNonRetriableError whose `cause` is the protocol error: walk the chain (never the message).
 */
export function isRebalanceError(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < MAX_CAUSE_DEPTH; depth += 1) {
    const { type, cause } = current as { type?: unknown; cause?: unknown };
    if (typeof type === 'string' && REBALANCE_ERRORS.has(type)) return true;
    current = cause;
  }
  return false;
}

const MAX_CAUSE_DEPTH = 8;

/** Kafka error codes a commit gets when the group is rebalancing or this member left it. */
const REBALANCE_ERRORS = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'NOT_COORDINATOR',
]);
