/**
 * The pipeline in-process, as a library user runs it: a kafkajs consumer with its own group, the
 * Postgres sink and the dead-letter table on the target, and a stop switch.
 */
import { lastValueFrom, Subject, toArray } from 'rxjs';
import {
  createDeadLetterSink,
  createPostgresSink,
  createTargetPool,
  runPipeline,
  type PipelineOptions,
  type PipelineReport,
} from '../../../src/index.js';
import { kafkaClient, stack } from './stack.js';

export interface RunningPipeline {
  readonly groupId: string;
  readonly reports: PipelineReport[];
  /** Stops taking records, flushes, commits; resolves with every report. */
  stop(): Promise<PipelineReport[]>;
}

export async function startPipeline(
  topics: readonly (string | RegExp)[],
  options: Partial<Omit<PipelineOptions, 'consumer' | 'topics' | 'sink' | 'deadLetters' | 'stop'>> & {
    groupId?: string;
  } = {},
): Promise<RunningPipeline> {
  const groupId = options.groupId ?? `it-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const consumer = kafkaClient(groupId).consumer({
    groupId,
    maxWaitTimeInMs: 500,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
  });
  const pool = createTargetPool(stack().TARGET_DATABASE_URL, { max: 6 });
  const deadLetters = await createDeadLetterSink({ pool });
  const sink = createPostgresSink({ pool });
  const stop = new Subject<void>();
  const reports: PipelineReport[] = [];
  const done = lastValueFrom(
    runPipeline({
      consumer,
      topics,
      sink,
      deadLetters,
      stop,
      batch: { maxSize: 500, maxBytes: 0, maxWaitMs: 50 },
      ...options,
    }).pipe(toArray()),
    { defaultValue: [] as PipelineReport[] },
  ).then((all) => {
    reports.push(...all);
    return all;
  });
  return {
    groupId,
    reports,
    stop: async () => {
      stop.next();
      try {
        return await done;
      } finally {
        await consumer.disconnect();
        await pool.end();
      }
    },
  };
}
