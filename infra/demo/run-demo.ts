/**
 * `npm run demo`: the stack up (if needed), the pipeline service as a child process, the CDC story
 * step by step, the verification, and everything left as it was found. Returns the exit code: 0
 * only when every step arrived and source and target are identical.
 */
import path from 'node:path';
import pg from 'pg';
import { logsFolder, resolveUrls } from '../stack/index.js';
import { loadConfig } from '../../src/config.js';
import { kafkaSecurity } from '../../src/security/kafka.js';
import { databaseConnection, databaseSecurity } from '../../src/security/postgres.js';
import { kafkaFor } from '../../src/tools/kafka-admin.js';
import { EventWatcher } from './event-watcher.js';
import { header, type Say } from './format.js';
import { startPipelineChild, waitCaughtUp, type PipelineChild } from './pipeline-child.js';
import { waitForTarget } from './rows.js';
import { runStep, type StepResult } from './run-step.js';
import { closeStack, openStack, type StackOutcome } from './stack-session.js';
import { cleanUpStory, story, type StoryIds } from './story.js';
import { printNextSteps, printSummary } from './summary.js';
import { dropForeignKey, keepForeignKey, transactionStep, type Consistency } from './transaction-story.js';
import { verifyTables } from './verification.js';

export interface DemoOptions {
  /** Leave a stack the demo started running. */
  readonly keep: boolean;
  /** How long one change may take to arrive. */
  readonly stepTimeoutMs: number;
  /** PIPELINE_CONSISTENCY for the demo's pipeline; `transaction` also keeps the target's foreign key. */
  readonly consistency?: Consistency;
}

/** The pipeline has this long to apply what is already on Kafka before the story starts. */
const CATCH_UP_TIMEOUT_MS = 120_000;
/** Verification retries this long while a shared stack's source keeps changing. */
const VERIFY_TIMEOUT_MS = 20_000;
/** How long a failed story waits for its clean-up to reach the target. */
const CLEAN_UP_WAIT_MS = 10_000;
export const DEMO_TABLES = ['users', 'orders'] as const;
export const PIPELINE_LOG = 'demo-pipeline.log';

const shortPath = (file: string): string => {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative;
};

export async function runDemo(options: DemoOptions, say: Say, signal: AbortSignal): Promise<number> {
  say('cdc-pipeline demo: row changes in a source PostgreSQL, captured by Debezium, carried by Kafka,');
  say('applied to a target PostgreSQL by this project’s pipeline.');
  // The pipeline's configuration is checked before anything starts (a bad variable fails here).
  const urls = resolveUrls();
  const env: Record<string, string | undefined> = {
    // The demo's target is the development stack's own: a new consumer group may replay onto it
    // (the rows converge as it catches up), where the service by default refuses to.
    PIPELINE_NEW_GROUP_START: 'earliest',
    ...process.env,
    ...urls,
    LOG_FORMAT: 'json',
    PIPELINE_PROGRESS_INTERVAL_MS: '0',
    ...(options.consistency === undefined ? {} : { PIPELINE_CONSISTENCY: options.consistency }),
  };
  // A group keeps to one consistency: its transaction topic's offset must match its table topics'
  // (README, Transaction-consistent apply). Unless told a group, this mode has one of its own.
  if (loadConfig(env).PIPELINE_CONSISTENCY === 'transaction' && process.env.PIPELINE_GROUP_ID === undefined)
    env.PIPELINE_GROUP_ID = `${loadConfig(env).PIPELINE_GROUP_ID}-transactions`;
  const config = loadConfig(env);
  header(say, 'Stack');
  const session = await openStack(say);
  const logs = {
    pipeline: shortPath(path.join(logsFolder(), PIPELINE_LOG)),
    connect: shortPath(path.join(logsFolder(), 'connect.log')),
  };
  // TLS, SASL and password files as the service reads them (the README's Secure connections).
  const kafka = kafkaFor(urls.KAFKA_BROKERS, 'cdc-demo', kafkaSecurity(config));
  const admin = kafka.admin();
  const source = new pg.Client(
    databaseConnection(urls.SOURCE_DATABASE_URL, databaseSecurity(config, 'source'), 'source'),
  );
  const target = new pg.Client(
    databaseConnection(urls.TARGET_DATABASE_URL, databaseSecurity(config, 'target'), 'target'),
  );
  const ids: StoryIds = {};
  const steps = story(Date.now().toString(36));
  const results: StepResult[] = [];
  /** The last synced_at seen per row, and the tables whose encodings were explained already. */
  const syncedAt = new Map<string, string>();
  const explained = new Set<string>();
  const topicPrefix = config.PIPELINE_TOPIC_PREFIX;
  const timeoutMs = options.stepTimeoutMs;
  let child: PipelineChild | undefined;
  let watcher: EventWatcher | undefined;
  let verified = false;
  let failure: string | undefined;
  let pipelineStop = 'not started';
  let outcome: StackOutcome = 'was-running';
  const transactions = config.PIPELINE_CONSISTENCY === 'transaction';
  let addedForeignKey = false;

  try {
    await Promise.all([admin.connect(), source.connect(), target.connect()]);
    header(say, 'Pipeline');
    child = startPipelineChild(env, path.join(logsFolder(), PIPELINE_LOG));
    say(
      `  started: node --import tsx src/cli/pipeline.ts (pid ${child.pid}, consumer group ${config.PIPELINE_GROUP_ID})`,
    );
    say(`  log:     ${logs.pipeline} (JSON lines)`);
    const running = child;
    const caughtUp = () =>
      waitCaughtUp(
        admin,
        running,
        {
          groupId: config.PIPELINE_GROUP_ID,
          pattern: config.PIPELINE_TOPIC_PATTERN,
          timeoutMs: CATCH_UP_TIMEOUT_MS,
        },
        signal,
      );
    const catchUp = await caughtUp();
    say(
      `  ✓ caught up with Kafka (consumer lag 0) in ${(catchUp.ms / 1000).toFixed(1)} s` +
        (catchUp.backlog > 0 ? `, after reading ${catchUp.backlog} records that were waiting` : ''),
    );
    if (transactions) {
      // Added once the backlog is applied: snapshot reads carry no transaction (README).
      header(say, 'Target: the source’s foreign key, deferred (PIPELINE_CONSISTENCY=transaction)');
      addedForeignKey = await keepForeignKey(target, say);
    }
    const topics = DEMO_TABLES.map((table) => `${topicPrefix}.public.${table}`);
    watcher = await EventWatcher.start(kafka, topics);
    say(`  watching ${topics.join(' and ')} with a consumer of the demo's own`);

    const context = {
      source,
      target,
      watcher,
      ids,
      logs,
      say,
      signal,
      syncedAt,
      explained,
      topicPrefix,
      timeoutMs,
    };
    for (const [index, step] of steps.entries()) {
      const result = await runStep(context, step, index + 1, steps.length);
      results.push(result);
      if (signal.aborted) throw new Error('interrupted');
      if (result.problem) {
        failure = `step ${index + 1} (${step.title}): ${result.problem}`;
        break;
      }
    }
    if (!failure && transactions) {
      const problem = await transactionStep(
        { source, target },
        Date.now().toString(36),
        timeoutMs,
        say,
        signal,
      );
      if (problem) failure = `the transaction step: ${problem}`;
    }
    if (!failure) {
      header(say, 'Verification: source against target, by primary key and row hash');
      verified = await verifyTables(
        { source, target },
        DEMO_TABLES,
        { timeoutMs: VERIFY_TIMEOUT_MS, caughtUp },
        say,
      );
      if (!verified)
        failure = 'source and target differ (see above)\n  look at: npm run verify, the pipeline log';
    }
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  } finally {
    const storyDone = results.length === steps.length && results.every((result) => !result.problem);
    if (!storyDone) {
      await cleanUpStory(source, ids).catch(() => undefined);
      // Give the pipeline a moment to apply the clean-up too, so the target ends as the source does.
      if (child && !child.exit() && !signal.aborted) {
        for (const [table, id] of [
          ['orders', ids.order],
          ['users', ids.user],
        ] as const) {
          if (id !== undefined)
            await waitForTarget(target, table, id, undefined, CLEAN_UP_WAIT_MS).catch(() => undefined);
        }
      }
    }
    await watcher?.stop();
    // The target is left as found: the foreign key would refuse changes under key consistency.
    if (addedForeignKey) await dropForeignKey(target).catch(() => undefined);
    await Promise.all(
      [source.end(), target.end(), admin.disconnect()].map((end) => end.catch(() => undefined)),
    );
    if (child) {
      const stopped = await child.stop();
      pipelineStop = stopped.forced
        ? `killed: it did not stop within the grace period (see ${logs.pipeline})`
        : stopped.code === 0
          ? 'stopped gracefully (SIGTERM: flushed, committed, exit code 0)'
          : `exited with code ${stopped.code} (see ${logs.pipeline})`;
      if (stopped.forced || stopped.code !== 0)
        failure ??= `the pipeline did not stop cleanly\n  look at: ${logs.pipeline}`;
    }
  }
  const passed = failure === undefined;
  printSummary(say, { results, total: steps.length, verified, pipelineStop, failure });
  try {
    outcome = await closeStack(session, options.keep, say);
  } catch (error) {
    say(`✗ stopping the stack failed: ${(error as Error).message}`);
  }
  printNextSteps(say, { outcome, groupId: config.PIPELINE_GROUP_ID, prefix: config.PIPELINE_TOPIC_PREFIX });
  return passed ? 0 : 1;
}
