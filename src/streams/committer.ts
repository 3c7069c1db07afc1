/**
 * The one owner of acknowledgement for a consumer, as Redpanda Connect joins input and output by
 * acks: records are tracked when the source emits them, acknowledged when durable (flushed,
 * dead-lettered or skipped), and their offsets committed for the contiguous durable prefix.
 *
 * - Commits run one at a time, so an older commit never lands after a newer one. A commit that
 *   waits behind a running one is shared by every caller that arrives meanwhile: at most one
 *   commit runs and one waits, however fast records are acknowledged.
 * - Each commit's error belongs to its callers only: the next commit tries again, with every
 *   offset the failed one carried (the tracker counts an offset committed only once the broker
 *   acknowledged it).
 * - A commit the group refuses because it rebalanced is not an error: the records are read again
 *   by the partition's next owner and applied idempotently.
 */
import type { Consumer } from 'kafkajs';
import { isRetriable } from '../errors.js';
import type { KafkaOrigin } from '../types.js';
import { commitDurable } from './commitDurable.js';
import { countOffsetCommitAnswers, type OffsetCommitAnswers } from './offset-commit-answers.js';
import { OffsetTracker, type CommittableOffset } from './offsetTracker.js';

export interface CommitterOptions {
  /**
   * Told about a commit that failed transiently (the broker is away): the offsets are offered again
   * by the next commit, so `acknowledge` resolves anyway. Other commit errors reject `acknowledge`.
   */
  readonly onCommitError?: (error: unknown) => void;
  /** Told about every commit the broker acknowledged, with how long the broker took to answer. */
  readonly onCommitted?: (offsets: readonly CommittableOffset[], ms: number) => void;
}

export class Committer {
  readonly tracker = new OffsetTracker();
  private running: Promise<unknown> = Promise.resolve();
  private waiting: Promise<readonly CommittableOffset[]> | undefined;
  private readonly answers: OffsetCommitAnswers | undefined;

  /**
   * @param consumer a kafkajs consumer; given its `on` and `events`, a commit counts only once the
   *   broker answered it (kafkajs resolves a commit it never sent once its consumer stopped).
   */
  constructor(
    private readonly consumer: Pick<Consumer, 'commitOffsets'> & Partial<Pick<Consumer, 'on' | 'events'>>,
    private readonly options: CommitterOptions = {},
  ) {
    const { on, events } = consumer;
    this.answers =
      on !== undefined && events !== undefined
        ? countOffsetCommitAnswers({ on: on.bind(consumer), events })
        : undefined;
  }

  /** Records emitted and not yet durable. */
  get inFlight(): number {
    return this.tracker.inFlight;
  }

  /**
   * Marks records durable and commits what that makes committable. Resolves once the commit is
   * done, or has failed transiently (it is retried by the next one).
   *
   * @throws a commit error that retrying cannot cure (an authorization refusal, say).
   */
  async acknowledge(origins: Iterable<KafkaOrigin>): Promise<void> {
    this.tracker.done(origins);
    try {
      await this.commit();
    } catch (error) {
      if (!isRetriable(error)) throw error;
      this.options.onCommitError?.(error);
    }
  }

  /**
   * Commits every offset that is durable and not yet acknowledged by the broker. Resolves with
   * what was committed; rejects with this commit's own error.
   */
  commit(): Promise<readonly CommittableOffset[]> {
    if (this.waiting) return this.waiting;
    const next = this.running.then(() => {
      this.waiting = undefined;
      return this.commitNow();
    });
    this.waiting = next;
    // The next commit waits for this one to settle, whatever its outcome: errors do not chain.
    this.running = next.catch(() => undefined);
    return next;
  }

  /** After a rebalance nothing tracked before it may be committed: forget it. */
  reset(): void {
    this.tracker.reset();
  }

  /** Stops listening to the consumer (the pipeline's stream has ended). */
  close(): void {
    this.answers?.stop();
  }

  private async commitNow(): Promise<readonly CommittableOffset[]> {
    const started = performance.now();
    const committed = await commitDurable(this.consumer, this.tracker, this.answers);
    if (committed.length > 0) this.options.onCommitted?.(committed, performance.now() - started);
    return committed;
  }
}
