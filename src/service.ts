/**
 * `npm run pipeline` as a long-running service: the pipeline on the configured topics, a progress
 * line every few seconds, new matching topics picked up while running, and a graceful shutdown on
 * SIGINT/SIGTERM (stop taking records, flush what is held, commit, leave).
 *
 * kafkajs resolves a topic pattern once, when it subscribes; so the service watches the broker's
 * topic list and, when a new matching topic appears (a table added to the connector), restarts the
 * consumer gracefully: what is held is flushed and committed first, nothing is read twice needlessly.
 */
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { firstValueFrom, ignoreElements, lastValueFrom, merge, Subject, tap } from 'rxjs';
import type { PipelineConfig } from './config.js';
import type { Logger } from './logger.js';
import { runPipeline, type ChangeSink, type DeadLetterSinkPort, type PipelineReport } from './pipeline.js';
import { consumerLag } from './streams/consumerLag.js';

const IDLE_FETCH_WAIT_MS = 1000;

/** How often the topic list is checked for new matching topics. */
export const TOPIC_REFRESH_MS = 5000;

export interface ServiceParts {
  readonly config: PipelineConfig;
  readonly logger: Logger;
  readonly sink: ChangeSink;
  readonly deadLetters: DeadLetterSinkPort;
  /** Emits once to shut down (the CLI wires SIGINT/SIGTERM to it). */
  readonly shutdown: Subject<void>;
}

interface Totals {
  received: number;
  written: number;
  batches: number;
  deadLetters: number;
}

async function matchingTopics(admin: Admin, pattern: RegExp): Promise<string[]> {
  return (await admin.listTopics()).filter((topic) => pattern.test(topic)).sort();
}

export async function runService({
  config,
  logger,
  sink,
  deadLetters,
  shutdown,
}: ServiceParts): Promise<void> {
  const kafka = new Kafka({
    clientId: 'cdc-pipeline',
    brokers: config.KAFKA_BROKERS.split(','),
    logLevel: logLevel.WARN,
  });
  const admin = kafka.admin();
  await admin.connect();
  const totals: Totals = { received: 0, written: 0, batches: 0, deadLetters: 0 };
  let stopping = false;
  const stopOnce = shutdown.pipe(tap(() => (stopping = true)));
  let topics: string[] = [];
  const progress = startProgress(config, logger, admin, totals, () => topics);

  try {
    while (!stopping) {
      topics = await matchingTopics(admin, config.PIPELINE_TOPIC_PATTERN);
      const restart = new Subject<void>();
      const watcher = setInterval(async () => {
        const now = await matchingTopics(admin, config.PIPELINE_TOPIC_PATTERN).catch(() => topics);
        const added = now.filter((topic) => !topics.includes(topic));
        if (added.length === 0) return;
        logger.info({ topics: added }, 'new topics match the pattern: restarting the consumer to subscribe');
        clearInterval(watcher);
        restart.next();
      }, TOPIC_REFRESH_MS);
      if (topics.length === 0) {
        logger.warn(
          { pattern: config.PIPELINE_TOPIC_PATTERN.source },
          'no topic matches yet; waiting for one',
        );
        await firstValueFrom(merge(stopOnce, restart), { defaultValue: undefined });
        clearInterval(watcher);
        continue;
      }
      logger.info({ topics, groupId: config.PIPELINE_GROUP_ID }, 'consuming');
      const consumer = kafka.consumer({
        groupId: config.PIPELINE_GROUP_ID,
        allowAutoTopicCreation: false,
        // An idle fetch returns after this long: it bounds how long a shutdown waits for the fetch loop.
        maxWaitTimeInMs: IDLE_FETCH_WAIT_MS,
        // A crashed member holds its partitions until its session expires: keep that short.
        sessionTimeout: config.PIPELINE_SESSION_TIMEOUT_MS,
        heartbeatInterval: Math.max(500, Math.floor(config.PIPELINE_SESSION_TIMEOUT_MS / 10)),
      });
      try {
        await lastValueFrom(
          runPipeline({
            consumer,
            topics,
            sink,
            deadLetters,
            stop: merge(stopOnce, restart),
            fromBeginning: config.PIPELINE_FROM_BEGINNING,
            maxInFlight: config.PIPELINE_MAX_IN_FLIGHT,
            lanes: config.PIPELINE_LANES,
            batch: {
              maxSize: config.PIPELINE_BATCH_MAX_SIZE,
              maxBytes: config.PIPELINE_BATCH_MAX_BYTES,
              maxWaitMs: config.PIPELINE_BATCH_MAX_WAIT_MS,
            },
            route: { topicPrefix: config.PIPELINE_TOPIC_PREFIX, tables: config.PIPELINE_TABLE_MAP },
            retry: {
              maxRetries: config.PIPELINE_RETRY_MAX,
              initialDelayMs: config.PIPELINE_RETRY_INITIAL_MS,
              maxDelayMs: config.PIPELINE_RETRY_MAX_MS,
            },
            onRetry: ({ description, attempt, delayMs, error }) =>
              logger.warn({ attempt, delayMs, err: error }, `retrying ${description}`),
            onSourceEvent: (event) => logger.debug(event, `source ${event.type}`),
          }).pipe(
            tap((report) => count(report, totals, logger)),
            ignoreElements(),
          ),
          { defaultValue: undefined },
        );
      } finally {
        clearInterval(watcher);
        await consumer.disconnect();
      }
    }
    logger.info({ ...totals }, 'stopped: everything held was flushed and committed');
  } finally {
    clearInterval(progress);
    await admin.disconnect();
  }
}

function count(report: PipelineReport, totals: Totals, logger: Logger): void {
  if (report.type === 'flush') {
    totals.received += report.received;
    totals.written += report.written;
    totals.batches += 1;
    totals.deadLetters += report.failed;
    logger.debug(report, 'flushed');
  } else {
    totals.deadLetters += report.count;
    logger.warn(
      { count: report.count, reasons: report.reasons.slice(0, 3) },
      'records dead-lettered (see table cdc_dead_letters)',
    );
  }
}

function startProgress(
  config: PipelineConfig,
  logger: Logger,
  admin: Admin,
  totals: Totals,
  topics: () => readonly string[],
): NodeJS.Timeout | undefined {
  if (config.PIPELINE_PROGRESS_INTERVAL_MS === 0) return undefined;
  let last = { at: Date.now(), received: 0 };
  return setInterval(async () => {
    const now = Date.now();
    const rate = ((totals.received - last.received) * 1000) / Math.max(1, now - last.at);
    last = { at: now, received: totals.received };
    const lag = await consumerLag(admin, config.PIPELINE_GROUP_ID, topics()).catch(() => undefined);
    logger.info(
      {
        changesPerSecond: Math.round(rate),
        lag,
        batches: totals.batches,
        applied: totals.written,
        deadLetters: totals.deadLetters,
      },
      `progress: ${Math.round(rate)} changes/s, lag ${lag ?? '?'}, ${totals.batches} batches, ${totals.deadLetters} dead letters`,
    );
  }, config.PIPELINE_PROGRESS_INTERVAL_MS);
}
