/**
 * The pipeline in-process, as a library user runs it: runPipeline with its own kafkajs consumer
 * group, the Postgres sink and a dead-letter table on the target, a Subject as the stop switch,
 * and a logger whose lines the tests can read.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { Subject } from 'rxjs';
import { runPipeline, type PipelineReport } from '../../../src/pipeline.js';
import {
  createDeadLetterSink,
  createPostgresSink,
  createTargetPool,
  type UnknownColumnPolicy,
} from '../../../src/sinks/index.js';
import type { DecodeOptions } from '../../../src/operators/decodeDebezium.js';
import type { RouteConfig } from '../../../src/operators/route.js';
import type { TableRef } from '../../../src/types.js';
import { MAX_MESSAGE_BYTES } from './fidelity-stack.js';
import { kafkaClient, stack } from './stack.js';

export interface FidelityPipelineOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly route: RouteConfig;
  readonly deadLetterTable: TableRef;
  readonly unknownColumns?: UnknownColumnPolicy;
  /** What the decoder is told about the connector, and which Debezium losses it writes. */
  readonly decode?: DecodeOptions;
}

export interface FidelityPipeline {
  readonly groupId: string;
  /** Every report so far (one per flush or dead-letter write). */
  readonly reports: readonly PipelineReport[];
  /** Every log line of the sink and the dead-letter sink, parsed. */
  readonly logLines: readonly Record<string, unknown>[];
  /** Throws the pipeline's error if it has stopped with one. */
  assertAlive(): void;
  /** Stops taking records, flushes and commits what it holds, then disconnects. Idempotent. */
  stop(): Promise<void>;
}

/** Changes per flush: large enough that a backlog of one table's changes is one batch. */
const BATCH = { maxSize: 500, maxBytes: 4 * MAX_MESSAGE_BYTES, maxWaitMs: 100 } as const;
const RETRY = { maxRetries: 3, initialDelayMs: 100, maxDelayMs: 1000 } as const;

export async function startFidelityPipeline(options: FidelityPipelineOptions): Promise<FidelityPipeline> {
  const { groupId, topics, route, deadLetterTable, unknownColumns = 'ignore', decode } = options;
  const logLines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => logLines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const consumer = kafkaClient(groupId).consumer({
    groupId,
    maxWaitTimeInMs: 250,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
  });
  const pool = createTargetPool(stack().TARGET_DATABASE_URL, {
    max: 4,
    applicationName: 'cdc-fidelity-test',
  });
  const deadLetters = await createDeadLetterSink({ pool, table: deadLetterTable, logger });
  const sink = createPostgresSink({ pool, logger, unknownColumns });
  const stopSwitch = new Subject<void>();
  const reports: PipelineReport[] = [];
  let failure: unknown;
  const done = new Promise<void>((resolve) => {
    runPipeline({
      consumer,
      topics,
      sink,
      deadLetters,
      stop: stopSwitch,
      route,
      decode,
      batch: BATCH,
      retry: RETRY,
    }).subscribe({
      next: (report) => reports.push(report),
      error: (error: unknown) => {
        failure = error;
        resolve();
      },
      complete: () => resolve(),
    });
  });
  let stopped: Promise<void> | undefined;
  return {
    groupId,
    reports,
    logLines,
    assertAlive: () => {
      if (failure !== undefined) throw failure;
    },
    stop: () => {
      stopped ??= (async () => {
        stopSwitch.next();
        await done;
        await consumer.disconnect();
        await pool.end();
        if (failure !== undefined) throw failure;
      })();
      return stopped;
    },
  };
}

/**
 * Polls `check` until it returns true, failing early when one of `pipelines` has died. On timeout
 * the caller's own assertion (run after this) shows what differs.
 */
export async function waitUntil(
  check: () => Promise<boolean>,
  { timeoutMs = 60_000, pipelines = [] as readonly FidelityPipeline[] } = {},
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const pipeline of pipelines) pipeline.assertAlive();
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(300);
  }
}
