/**
 * Counts the broker's answers to a consumer's OffsetCommit requests. kafkajs' `commitOffsets`
 * resolves without sending anything once its consumer has stopped (after a crash, during a
 * disconnect), so a resolved commit proves nothing by itself; an answer counted while it ran does.
 * The pipeline commits with auto-commit off and one commit at a time, so every answer is its own.
 */
import type { Consumer } from 'kafkajs';

export interface OffsetCommitAnswers {
  /** Answers received so far; compare before and after a commit. */
  count(): number;
  /** Stops counting (removes the listener). */
  stop(): void;
}

export function countOffsetCommitAnswers(consumer: Pick<Consumer, 'on' | 'events'>): OffsetCommitAnswers {
  let answers = 0;
  const remove = consumer.on(consumer.events.REQUEST, (event) => {
    if (event.payload.apiName === 'OffsetCommit') answers += 1;
  });
  return { count: () => answers, stop: remove };
}
