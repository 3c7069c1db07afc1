/**
 * The long-running service behind `cdc-pipeline run`: the pipeline on the configured topics,
 * supervised so that it rides out outages by itself, with a progress line every few seconds, new
 * matching topics picked up while running, and a graceful shutdown at any moment.
 *
 * A session connects to Kafka and the target, lists the topics, decides where a new group starts
 * and runs the pipeline until shutdown, a new topic (kafkajs resolves patterns only when it
 * subscribes, so the consumer restarts to subscribe) or a failure. A fatal failure (configuration,
 * authentication, an outage past PIPELINE_MAX_OUTAGE_S) ends the service; any other is an outage:
 * it is reported at a sane rate, and a new session starts after a capped, jittered backoff.
 * Target outages in the middle of a session are ridden in place by the pipeline's retries, so the
 * consumer keeps its partitions; broker outages end the session (kafkajs gives up on its own).
 */
import { Kafka, type Admin, type Consumer } from 'kafkajs';
import './streams/kafkajs-idle-timer.js';
import * as E from 'fp-ts/lib/Either.js';
import { filter, firstValueFrom, ignoreElements, lastValueFrom, map, merge, Subject, tap } from 'rxjs';
import type { PipelineConfig } from './config.js';
import { DEFAULT_RESTART_BACKOFF, KAFKA_CLIENT_RETRY } from './defaults.js';
import { PartError } from './errors.js';
import type { Logger } from './logger.js';
import type { ServiceRecorder } from './metrics/recorder.js';
import { decideStart } from './new-group.js';
import { routeTarget } from './operators/route.js';
import { kafkaSecurity } from './security/kafka.js';
import { OutageMonitor } from './outage.js';
import type { PositionsPort } from './positions/port.js';
import { transactionConsistency } from './consistency/transaction-setup.js';
import { runPipeline, type ChangeSink, type DeadLetterSinkPort, type PipelineReport } from './pipeline.js';
import type { Shutdown } from './shutdown.js';
import { superviseSessions } from './supervise.js';
import { consumerLag, partitionLags } from './streams/consumerLag.js';
import { matchingTopics } from './streams/matching-topics.js';
import { topicWatch } from './streams/topic-watch.js';
import { kafkaLogCreator } from './streams/kafka-log.js';
import type { TableRef } from './types.js';

/**
 * How long the broker holds a fetch that finds nothing new; also how long kafkajs sleeps when every
 * assigned partition is paused, as they are while effectively-once claims its positions after each
 * rebalance: resuming cannot wake that sleep. At 1000 ms every assignment stood still about a
 * second (1.2 s of a 200,000-message drain, npm run bench); at 250 ms an idle consumer asks 4 times
 * a second, each a few hundred bytes.
 */
const IDLE_FETCH_WAIT_MS = 250;
/** How often the topic list is checked for new matching topics. */
export const TOPIC_REFRESH_MS = 5000;
/** A consumer that cannot leave its group cleanly (the broker is away) is given up after this long. */
const DISCONNECT_TIMEOUT_MS = 5000;

/** What a session needs of the target; connecting may fail like any target call (an outage). */
export interface TargetParts {
  readonly sink: ChangeSink;
  readonly deadLetters: DeadLetterSinkPort;
  /** The tables among `tables` that exist in the target and hold rows. */
  readonly nonEmpty: (tables: readonly TableRef[]) => Promise<readonly TableRef[]>;
  /** Positions kept in the target (PIPELINE_DELIVERY=effectively-once); absent: at-least-once. */
  readonly positions?: PositionsPort;
  /** Whether a consumer group started applying to this target before, and how to record that it did. */
  readonly groupMarker: {
    readonly started: (groupId: string) => Promise<boolean>;
    readonly mark: (groupId: string) => Promise<void>;
  };
}

export interface ServiceParts {
  readonly config: PipelineConfig;
  readonly logger: Logger;
  /** Prepares the target (the dead-letter table, say); called at the start of each session. */
  readonly connectTarget: () => Promise<TargetParts>;
  readonly shutdown: Shutdown;
  /** Told about each outage change, for readiness and metrics. */
  readonly outage?: OutageMonitor;
  /** Told what the pipeline does, for /metrics. */
  readonly metrics?: ServiceRecorder;
  /** Told about each flush and dead-letter write (the heap growth policy listens). */
  readonly onReport?: (report: PipelineReport) => void;
}

interface Totals {
  received: number;
  written: number;
  batches: number;
  deadLetters: number;
}

export async function runService({
  config,
  logger,
  connectTarget,
  shutdown,
  outage: given,
  metrics,
  onReport,
}: ServiceParts): Promise<void> {
  const kafka = new Kafka({
    clientId: 'cdc-pipeline',
    brokers: config.KAFKA_BROKERS.split(','),
    logCreator: kafkaLogCreator(logger),
    retry: KAFKA_CLIENT_RETRY,
    // TLS and SASL as configured (KAFKA_SSL*, KAFKA_SASL_*): one module builds them for every client.
    ...kafkaSecurity(config),
  });
  const outage = given ?? new OutageMonitor({ logger, maxOutageMs: config.PIPELINE_MAX_OUTAGE_S * 1000 });
  const totals: Totals = { received: 0, written: 0, batches: 0, deadLetters: 0 };
  const session = { admin: undefined as Admin | undefined, topics: [] as string[] };
  const progress = startProgress(config, logger, totals, session);
  metrics?.readLagWith(async () =>
    session.admin === undefined
      ? undefined
      : partitionLags(session.admin, config.PIPELINE_GROUP_ID, session.topics),
  );
  try {
    // The loop lives in supervise.ts, so the shutdown race is tested without a broker.
    await superviseSessions({
      shutdown,
      session: () =>
        runSession({
          kafka,
          config,
          logger,
          connectTarget,
          shutdown,
          outage,
          totals,
          session,
          metrics,
          onReport,
        }),
      onFailure: (error) => {
        const part = error instanceof PartError ? error.part : 'broker';
        // Throws once the outage is longer than PIPELINE_MAX_OUTAGE_S.
        outage.failing(part, error);
        logger.debug({ err: error }, 'session ended by an outage');
      },
      restartDelay,
    });
    logger.info({ ...totals }, 'stopped: everything held was flushed and committed');
  } finally {
    clearInterval(progress);
  }
}

interface SessionParts {
  readonly kafka: Kafka;
  readonly config: PipelineConfig;
  readonly logger: Logger;
  readonly connectTarget: () => Promise<TargetParts>;
  readonly shutdown: Shutdown;
  readonly outage: OutageMonitor;
  readonly totals: Totals;
  readonly session: { admin: Admin | undefined; topics: string[] };
  readonly metrics: ServiceRecorder | undefined;
  readonly onReport: ((report: PipelineReport) => void) | undefined;
}

/** Runs until shutdown or a new topic (resolves) or a failure (rejects with the part tagged). */
async function runSession(parts: SessionParts): Promise<void> {
  const { kafka, config, logger, connectTarget, shutdown, outage, totals, session, metrics, onReport } =
    parts;
  const admin = kafka.admin();
  try {
    await onBroker(() => admin.connect());
    const topics = await onBroker(() => matchingTopics(admin, config.PIPELINE_TOPIC_PATTERN));
    outage.recovered('broker');
    session.admin = admin;
    session.topics = topics;
    const target = await onTarget(connectTarget);
    outage.recovered('target');

    const restart = new Subject<void>();
    // A broker outage noticed outside the pipeline's own error path (the topic watcher) that lasts
    // too long stops the session, which then fails with it.
    let tooLong: unknown;
    const brokerFailing = (error: unknown): void => {
      try {
        outage.failing('broker', error);
      } catch (fatal) {
        tooLong ??= fatal;
        restart.next();
      }
    };
    // One listing stream for the session: the new-topic check below and, under transaction
    // consistency, the assembler read the same listings (streams/topic-watch.ts).
    const listings = topicWatch(
      () => matchingTopics(admin, config.PIPELINE_TOPIC_PATTERN),
      topics,
      TOPIC_REFRESH_MS,
    );
    let restarting = false;
    const watcher = listings.subscribe((listed) => {
      if (E.isLeft(listed)) {
        brokerFailing(listed.left);
        return;
      }
      outage.recovered('broker');
      const added = listed.right.filter((topic) => !topics.includes(topic));
      if (added.length === 0 || restarting) return;
      logger.info({ topics: added }, 'new topics match the pattern: restarting the consumer to subscribe');
      restarting = true;
      restart.next();
    });
    try {
      if (topics.length === 0) {
        logger.warn(
          { pattern: config.PIPELINE_TOPIC_PATTERN.source },
          'no topic matches yet; waiting for one',
        );
        await firstValueFrom(merge(shutdown.requested$, restart), { defaultValue: undefined });
        if (tooLong !== undefined) throw tooLong;
        return;
      }
      const route = { topicPrefix: config.PIPELINE_TOPIC_PREFIX, tables: config.PIPELINE_TABLE_MAP };
      const start = await decideStart({
        admin: {
          fetchOffsets: (options) => onBroker(() => admin.fetchOffsets(options)),
        },
        groupId: config.PIPELINE_GROUP_ID,
        topics,
        policy: config.PIPELINE_NEW_GROUP_START,
        targetOf: routeTarget(route),
        nonEmpty: (tables) => onTarget(() => target.nonEmpty(tables)),
        groupMarker: {
          started: (groupId) => onTarget(() => target.groupMarker.started(groupId)),
          mark: (groupId) => onTarget(() => target.groupMarker.mark(groupId)),
        },
      });
      if (start.newGroup) {
        logger.info(
          { groupId: config.PIPELINE_GROUP_ID, from: start.fromBeginning ? 'earliest' : 'latest' },
          `new consumer group: starting at the ${start.fromBeginning ? 'earliest offset' : 'end of each topic'}`,
        );
      }
      const transactions =
        config.PIPELINE_CONSISTENCY === 'transaction'
          ? await onBroker(() =>
              transactionConsistency(
                admin,
                config,
                topics,
                logger,
                listings.pipe(
                  filter(E.isRight),
                  map((listed) => listed.right),
                ),
              ),
            )
          : undefined;
      const subscribed = transactions === undefined ? topics : [...topics, transactions.topic];
      logger.info({ topics: subscribed, groupId: config.PIPELINE_GROUP_ID }, 'consuming');
      const consumer = createConsumer(kafka, config);
      try {
        await lastValueFrom(
          runPipeline({
            consumer,
            topics: subscribed,
            transactions,
            sink: target.sink,
            deadLetters: target.deadLetters,
            stop: merge(shutdown.requested$, restart),
            fromBeginning: start.fromBeginning,
            positions: target.positions,
            maxInFlight: config.PIPELINE_MAX_IN_FLIGHT,
            lanes: config.PIPELINE_LANES,
            batch: {
              maxSize: config.PIPELINE_BATCH_MAX_SIZE,
              maxBytes: config.PIPELINE_BATCH_MAX_BYTES,
              maxWaitMs: config.PIPELINE_BATCH_MAX_WAIT_MS,
            },
            route,
            decode: {
              acceptLosses: config.PIPELINE_ACCEPT_LOSSES,
              includeUnknownDatatypes: config.PIPELINE_INCLUDE_UNKNOWN_DATATYPES,
            },
            retry: {
              maxRetries: Infinity,
              initialDelayMs: config.PIPELINE_RETRY_INITIAL_MS,
              maxDelayMs: config.PIPELINE_RETRY_MAX_MS,
            },
            // Reports at a sane rate; throws past PIPELINE_MAX_OUTAGE_S, which ends the retries.
            onRetry: ({ error }) => {
              metrics?.retried();
              outage.failing('target', error);
            },
            onTargetWrite: () => outage.recovered('target'),
            onCommitError: (error) => {
              metrics?.commitFailed();
              outage.failing('broker', error);
            },
            onCommitted: (_, ms) => {
              metrics?.committed(ms);
              outage.recovered('broker');
            },
            onConsumed: metrics && ((record) => metrics.consumed(record)),
            onSkipped: metrics && ((skipped) => metrics.skipped(skipped)),
            onSourceEvent: (event) => {
              metrics?.sourceEvent(event);
              if (event.type === 'rebalanced') outage.recovered('broker');
              logger.debug(event, `source ${event.type}`);
            },
          }).pipe(
            tap((report) => {
              count(report, totals, logger);
              metrics?.report(report);
              onReport?.(report);
            }),
            ignoreElements(),
          ),
          { defaultValue: undefined },
        );
      } finally {
        await disconnect(consumer, logger);
        metrics?.sessionEnded();
      }
      if (tooLong !== undefined) throw tooLong;
    } finally {
      watcher.unsubscribe();
    }
  } finally {
    session.admin = undefined;
    await admin.disconnect().catch(() => undefined);
  }
}

function createConsumer(kafka: Kafka, config: PipelineConfig): Consumer {
  return kafka.consumer({
    groupId: config.PIPELINE_GROUP_ID,
    allowAutoTopicCreation: false,
    // Also bounds how long a shutdown waits for the fetch loop.
    maxWaitTimeInMs: IDLE_FETCH_WAIT_MS,
    maxBytes: config.PIPELINE_FETCH_MAX_BYTES,
    // A crashed member holds its partitions until its session expires: keep that short.
    sessionTimeout: config.PIPELINE_SESSION_TIMEOUT_MS,
    heartbeatInterval: Math.max(500, Math.floor(config.PIPELINE_SESSION_TIMEOUT_MS / 10)),
    // A crash ends the session and the supervisor starts a new one with a new consumer. kafkajs'
    // own restart must stay off: a restart already joining when the session disconnects this
    // consumer outlives the disconnect, rejoins the group once the broker is back and holds its
    // partitions while reading nothing (its stream has ended), so their lag stays frozen.
    retry: { restartOnFailure: async () => false },
  });
}

/** Leaves the group; a broker that is away cannot be told, so this gives up after a while. */
async function disconnect(consumer: Consumer, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      logger.debug('consumer did not leave its group in time (broker away?): going on');
      resolve();
    }, DISCONNECT_TIMEOUT_MS);
  });
  await Promise.race([consumer.disconnect().catch(() => undefined), timeout]);
  clearTimeout(timer);
}

const onBroker = <T>(action: () => Promise<T>): Promise<T> =>
  action().catch((error: unknown) => {
    throw PartError.wrap('broker', error);
  });

const onTarget = <T>(action: () => Promise<T>): Promise<T> =>
  action().catch((error: unknown) => {
    throw PartError.wrap('target', error);
  });

/** The nth restart's delay: capped exponential backoff with jitter. */
function restartDelay(failures: number, random = Math.random): number {
  const { initialDelayMs, maxDelayMs, multiplier, jitter } = DEFAULT_RESTART_BACKOFF;
  const nominal = Math.min(initialDelayMs * multiplier ** failures, maxDelayMs);
  return Math.round(nominal * (1 - jitter + 2 * jitter * random()));
}

function count(report: PipelineReport, totals: Totals, logger: Logger): void {
  if (report.type === 'flush') {
    totals.received += report.received;
    totals.written += report.written;
    totals.batches += 1;
    if (report.alreadyApplied > 0) {
      logger.info(
        { lane: report.lane, alreadyApplied: report.alreadyApplied },
        `${report.alreadyApplied} changes read again were applied before (positions in the target): not applied again`,
      );
    }
    // A flush's failed changes are not counted here: their dead-letter write reports them.
    logger.debug(
      {
        lane: report.lane,
        received: report.received,
        written: report.written,
        failed: report.failed,
        ms: report.ms,
      },
      'flushed',
    );
    if (report.piece === true) {
      logger.warn(
        { changes: report.written },
        'a source transaction larger than PIPELINE_TRANSACTION_MAX_CHANGES: applied in pieces (readers may see part of it)',
      );
    }
  } else if (report.type === 'fenced') {
    logger.info(
      { lane: report.lane, dropped: report.dropped, partitions: report.partitions },
      'flush dropped: another consumer claimed its partition and reads it again from the target position',
    );
  } else {
    totals.deadLetters += report.count;
  }
}

function startProgress(
  config: PipelineConfig,
  logger: Logger,
  totals: Totals,
  session: { readonly admin: Admin | undefined; readonly topics: readonly string[] },
): NodeJS.Timeout | undefined {
  if (config.PIPELINE_PROGRESS_INTERVAL_MS === 0) return undefined;
  let last = { at: Date.now(), received: 0 };
  return setInterval(async () => {
    const now = Date.now();
    const rate = ((totals.received - last.received) * 1000) / Math.max(1, now - last.at);
    last = { at: now, received: totals.received };
    const { admin, topics } = session;
    const lag =
      admin === undefined
        ? undefined
        : await consumerLag(admin, config.PIPELINE_GROUP_ID, topics).catch(() => undefined);
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
