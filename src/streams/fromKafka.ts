/**
 * Kafka records as an Observable, read by a kafkajs consumer with auto-commit off (offsets are
 * committed by `commitDurable` after the records are durable in the target). Subscribing connects
 * and runs the consumer; the caller disconnects it after the stream ends.
 *
 * Backpressure: RxJS does not slow a producer by itself, so the source pauses every subscribed
 * topic once the tracker counts `highWaterMark` records in flight and resumes at `lowWaterMark`.
 * Memory is bounded by the high-water mark plus one fetch, however large the backlog.
 *
 * When something above restarts the consumer after a crash (the service's supervisor does), give
 * the consumer `retry: { restartOnFailure: async () => false }`: a crash then ends the stream. With
 * kafkajs' own restart on, a restart already under way when the consumer is disconnected outlives
 * the disconnect and rejoins the group later, holding partitions that nobody reads.
 */
import type { Consumer, EachBatchPayload } from 'kafkajs';
import { Observable } from 'rxjs';
import './kafkajs-idle-timer.js';
import { DEFAULT_MAX_IN_FLIGHT } from '../defaults.js';
import type { KafkaRecord } from '../types.js';
import type { SeekTo } from '../positions/claimed.js';
import type { OffsetTracker } from './offsetTracker.js';

/** How often a paused source looks at the tracker to decide whether to resume. */
const RESUME_POLL_MS = 20;

export interface FromKafkaOptions {
  /** Topics (or patterns) to subscribe to. */
  readonly topics: readonly (string | RegExp)[];
  /** Tracks every emitted record until it is durable; its in-flight count drives backpressure. */
  readonly tracker: Pick<OffsetTracker, 'track' | 'inFlight' | 'reset'>;
  /** Where a new consumer group starts: the earliest offset (true) or only new records (false). */
  readonly fromBeginning?: boolean;
  /** Pause fetching when this many records are in flight. */
  readonly highWaterMark?: number;
  /** Resume fetching when the in-flight count falls to this (default: half the high-water mark). */
  readonly lowWaterMark?: number;
  /** Told about pauses, resumes and rebalances. */
  readonly onEvent?: (event: SourceEvent) => void;
  /**
   * Called after each rebalance with the new assignment, before any of it is read: the assigned
   * topics stay paused until it resolves, then each returned seek is applied (where the target
   * says to start). A rejection ends the stream.
   */
  readonly onAssigned?: (
    assignment: Readonly<Record<string, readonly number[]>>,
  ) => Promise<readonly SeekTo[]>;
}

export type SourceEvent =
  | { readonly type: 'paused'; readonly inFlight: number }
  | { readonly type: 'resumed'; readonly inFlight: number }
  | {
      readonly type: 'rebalanced';
      readonly assignment: Readonly<Record<string, readonly number[]>>;
      /** The new assignment's number: records read from now on carry it (KafkaOrigin.epoch). */
      readonly epoch: number;
    }
  /** kafkajs crashed on a retriable error (the broker went away, say) and restarts the consumer itself. */
  | { readonly type: 'restarting'; readonly error: unknown };

function toRecord(
  topic: string,
  partition: number,
  message: EachBatchPayload['batch']['messages'][number],
  epoch: number,
): KafkaRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    epoch,
    key: message.key,
    value: message.value,
    timestamp: message.timestamp,
  };
}

export function fromKafka(consumer: Consumer, options: FromKafkaOptions): Observable<KafkaRecord> {
  const {
    topics,
    tracker,
    fromBeginning = true,
    highWaterMark = DEFAULT_MAX_IN_FLIGHT,
    lowWaterMark = Math.floor(highWaterMark / 2),
    onEvent = () => undefined,
    onAssigned,
  } = options;
  if (!(highWaterMark > 0 && lowWaterMark >= 0 && lowWaterMark < highWaterMark)) {
    throw new RangeError(
      `fromKafka: need 0 <= lowWaterMark (${lowWaterMark}) < highWaterMark (${highWaterMark})`,
    );
  }

  return new Observable<KafkaRecord>((subscriber) => {
    let paused = false;
    /** Rebalances so far: the stamp on every record read since the last one. */
    let epoch = 0;
    let resumeTimer: NodeJS.Timeout | undefined;
    /** The assignment being claimed (onAssigned): its topics stay paused until the claim is done. */
    let claiming: { topic: string }[] | undefined;
    // Topics are paused by name; patterns only name their topics as records arrive.
    const seenTopics = new Set<string>();
    const topicList = (): { topic: string }[] => [...seenTopics].map((topic) => ({ topic }));

    const pauseIfFull = (): void => {
      if (paused || tracker.inFlight < highWaterMark) return;
      paused = true;
      consumer.pause(topicList());
      onEvent({ type: 'paused', inFlight: tracker.inFlight });
      resumeTimer = setInterval(() => {
        if (tracker.inFlight > lowWaterMark) return;
        clearInterval(resumeTimer);
        paused = false;
        if (claiming !== undefined) return; // the claim resumes when it is done
        consumer.resume(topicList());
        onEvent({ type: 'resumed', inFlight: tracker.inFlight });
      }, RESUME_POLL_MS);
    };

    // After a rebalance kafkajs reads every assigned partition again from its committed offset, so
    // what was tracked before may never be committed (it may belong to a revoked partition).
    const removeJoinListener = consumer.on(consumer.events.GROUP_JOIN, (event) => {
      tracker.reset();
      epoch += 1;
      const assignment = event.payload.memberAssignment;
      onEvent({ type: 'rebalanced', assignment, epoch });
      if (onAssigned !== undefined) claim(assignment);
    });

    // Runs inside kafkajs' GROUP_JOIN event, before its first fetch: the pause holds every assigned
    // topic until the seeks are in place, so nothing is read from where Kafka would have started.
    const claim = (assignment: Readonly<Record<string, readonly number[]>>): void => {
      const current = Object.keys(assignment).map((topic) => ({ topic }));
      // Known by name from now on, so that backpressure pauses and resumes them too.
      for (const { topic } of current) seenTopics.add(topic);
      claiming = current;
      consumer.pause(current);
      onAssigned!(assignment)
        .then((seeks) => {
          if (claiming !== current || subscriber.closed) return; // a newer rebalance took over
          for (const { topic, partition, offset } of seeks) consumer.seek({ topic, partition, offset });
          claiming = undefined;
          if (!paused) consumer.resume(current);
        })
        .catch((error: unknown) => subscriber.error(error));
    };

    const eachBatch = async ({ batch, isRunning, isStale, heartbeat }: EachBatchPayload): Promise<void> => {
      if (!seenTopics.has(batch.topic)) {
        seenTopics.add(batch.topic);
        // The pause named only the topics seen before it; kafkajs keeps fetching the others, so a
        // topic first seen while paused is paused too (else in-flight records grow without bound).
        if (paused) consumer.pause([{ topic: batch.topic }]);
      }
      for (const message of batch.messages) {
        // Stale: the partition was revoked mid-batch; the rest is read again by its next owner.
        if (!isRunning() || isStale() || subscriber.closed) break;
        const record = toRecord(batch.topic, batch.partition, message, epoch);
        tracker.track(record);
        subscriber.next(record);
      }
      pauseIfFull();
      await heartbeat();
    };

    const start = async (): Promise<void> => {
      await consumer.connect();
      await consumer.subscribe({ topics: [...topics], fromBeginning });
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: true, eachBatch });
    };
    start().catch((error: unknown) => subscriber.error(error));
    const removeCrashListener = consumer.on(consumer.events.CRASH, (event) => {
      // kafkajs restarts itself after a retriable crash; anything else ends the stream.
      if (event.payload.restart) onEvent({ type: 'restarting', error: event.payload.error });
      else subscriber.error(event.payload.error);
    });

    // The consumer belongs to the caller, who disconnects it once the stream is done: stopping it
    // here as well would race that disconnect (kafkajs then crashes and restarts the consumer).
    // After teardown eachBatch emits nothing more, so records fetched meanwhile are never tracked.
    return () => {
      clearInterval(resumeTimer);
      removeJoinListener();
      removeCrashListener();
    };
  });
}
