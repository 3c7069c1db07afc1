/**
 * The service's set-up for PIPELINE_CONSISTENCY=transaction: the transaction topic, a warning for a
 * group that applied under key consistency, and the topic listings the assembler needs to stop
 * waiting for tables whose topics were deleted.
 */
import type { Admin } from 'kafkajs';
import { map, type Observable } from 'rxjs';
import type { PipelineConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { TopicListing } from '../operators/assembleTransactions.js';
import type { TransactionConsistency } from './transaction-flushes.js';
import { transactionTopic } from './transaction-marker.js';

/** How long the oldest open transaction may hold the rest back before the service warns (and again each time after as long). */
const STALL_WARNING_MS = 60_000;

/**
 * PIPELINE_CONSISTENCY=transaction: the transaction topic besides the table topics (created when
 * missing, with one partition as Debezium's is, so that the consumer reads it from its first
 * transaction on), and the partition count of each, for refusing a partial assignment.
 */
export async function transactionConsistency(
  admin: Admin,
  config: PipelineConfig,
  tables: readonly string[],
  logger: Logger,
  /** The session's shared topic listings (streams/topic-watch.ts), the failed ones left out. */
  topicNames: Observable<readonly string[]>,
): Promise<TransactionConsistency> {
  const topic = transactionTopic(config.PIPELINE_TOPIC_PREFIX);
  if (!(await admin.listTopics()).includes(topic)) {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
    logger.info(
      { topic },
      'transaction topic created (the connector writes it with provide.transaction.metadata=true)',
    );
  }
  await warnOfKeyGroup(admin, config.PIPELINE_GROUP_ID, tables, topic, logger);
  const { topics } = await admin.fetchTopicMetadata({ topics: [...tables, topic] });
  const pattern = config.PIPELINE_TOPIC_PATTERN;
  return {
    topic,
    maxChanges: config.PIPELINE_TRANSACTION_MAX_CHANGES,
    reads: (collection) => pattern.test(`${config.PIPELINE_TOPIC_PREFIX}.${collection}`),
    partitions: Object.fromEntries(topics.map(({ name, partitions }) => [name, partitions.length])),
    listings: topicListings(config, topicNames),
    onTopicsGone: (id, collections) =>
      logger.warn(
        { transaction: id, tables: collections },
        'transaction no longer waits for tables whose topics were deleted after it was captured (remove-table): it applies without their changes, which are gone',
      ),
    stalledAfterMs: STALL_WARNING_MS,
    onStalled: ({ id, waitedMs, missing, endRead, holding }) =>
      logger.warn(
        {
          transaction: id,
          waitedS: Math.round(waitedMs / 1000),
          missing: Object.fromEntries(missing),
          endRead,
          holding,
        },
        `source transaction ${id} is incomplete and holds back every later one (${holding} records held, memory grows): ${
          endRead ? 'it waits for changes its END counted (missing, per table)' : 'its END has not been read'
        }. Likely causes: this consumer group applied changes under PIPELINE_CONSISTENCY=key (give each mode its own PIPELINE_GROUP_ID), a table's topic deleted and created again, or changes filtered out before Kafka (an SMT); see README "Transaction-consistent apply"`,
      ),
  };
}

/** The table topics of each listing, as the assembler asks about them: by table. */
function topicListings(
  config: PipelineConfig,
  topicNames: Observable<readonly string[]>,
): Observable<TopicListing> {
  return topicNames.pipe(
    map((names): TopicListing => {
      const listed = new Set(names);
      return {
        kind: 'listing',
        hasTopic: (collection) => listed.has(`${config.PIPELINE_TOPIC_PREFIX}.${collection}`),
      };
    }),
  );
}

/**
 * A group that applied its table topics under key consistency has no offset on the transaction
 * topic, which it then reads from its beginning (a known group reads a new topic whole): a
 * transaction whose changes it applied already would wait for them for ever. Only a warning: a
 * group that has applied nothing but snapshot reads so far looks the same, and is fine.
 */
async function warnOfKeyGroup(
  admin: Admin,
  groupId: string,
  tables: readonly string[],
  topic: string,
  logger: Logger,
): Promise<void> {
  const committed = await admin.fetchOffsets({ groupId, topics: [...tables, topic] });
  const has = (name: string): boolean =>
    committed.some(
      (entry) => entry.topic === name && entry.partitions.some(({ offset }) => Number(offset) >= 0),
    );
  if (has(topic) || !tables.some(has)) return;
  logger.warn(
    { groupId, topic },
    `consumer group "${groupId}" has offsets on the table topics and none on ${topic}: if it applied changes under PIPELINE_CONSISTENCY=key, a transaction it applied already will wait for ever for its changes (its partitions stop committing). Fix: run transaction consistency under a new PIPELINE_GROUP_ID. A group that has applied only snapshot reads so far is fine`,
  );
}
