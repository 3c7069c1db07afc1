/**
 * One commit: per partition, the offset below which every record is durable (flushed or
 * dead-lettered), recorded in the tracker only once the broker acknowledged it. A commit refused
 * during a rebalance is not an error: the records are read again from the last commit and applied
 * idempotently. Most code wants the `Committer`, which serialises these.
 */
import type { Consumer } from 'kafkajs';
import { findInCauseChain } from '../cause-chain.js';
import { CommitNotSentError } from '../errors.js';
import type { OffsetCommitAnswers } from './offset-commit-answers.js';
import type { CommittableOffset, OffsetTracker } from './offsetTracker.js';

/**
 * @param answers when given, a commit counts only if the broker answered an OffsetCommit while it
 *   ran (kafkajs resolves without sending once its consumer stopped): else CommitNotSentError.
 */
export async function commitDurable(
  consumer: Pick<Consumer, 'commitOffsets'>,
  tracker: OffsetTracker,
  answers?: OffsetCommitAnswers,
): Promise<readonly CommittableOffset[]> {
  const offsets = tracker.committable();
  if (offsets.length === 0) return offsets;
  const answeredBefore = answers?.count();
  try {
    await consumer.commitOffsets(
      offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })),
    );
  } catch (error) {
    if (isRebalanceError(error)) return [];
    throw error;
  }
  if (answers !== undefined && answers.count() === answeredBefore) throw new CommitNotSentError();
  tracker.markCommitted(offsets);
  return offsets;
}

/**
 * kafkajs protocol errors carry Kafka's error code name in `type`, often wrapped in a
 * KafkaJSNonRetriableError whose `cause` is the protocol error: walk the chain (never the message).
 */
export function isRebalanceError(error: unknown): boolean {
  return (
    findInCauseChain(error, (link) => {
      const type: unknown = 'type' in link ? link.type : undefined;
      return typeof type === 'string' && REBALANCE_ERRORS.has(type) ? true : undefined;
    }) ?? false
  );
}

/** Kafka error codes a commit gets when the group is rebalancing or this member left it. */
const REBALANCE_ERRORS = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'NOT_COORDINATOR',
]);
