/**
 * What the transaction-consistency tests (issue 13) set up on a serviceRun(): the connector with
 * transaction metadata, over topics created beforehand, and the service's environment in that mode.
 *
 * The topics exist before the connector starts, so that their partitions are the test's: the table
 * topics get several, so that one source transaction's changes travel on several partitions and
 * topics; `<prefix>.transaction` gets one, as Debezium's is (README), where the order across
 * transactions is the point.
 */
import type { ServiceRun } from './service-run.js';
import { createReadyTopics } from './topics.js';

/**
 * Creates the topics of `tables` with `partitions` partitions each and the run's transaction topic
 * with one, then starts the run's connector over `tables` with provide.transaction.metadata.
 */
export async function startTransactionConnector(
  runs: ServiceRun,
  tables: readonly string[],
  partitions: number,
): Promise<void> {
  await createReadyTopics('it-transactions', [
    ...tables.map((table) => ({ topic: runs.topic(table), numPartitions: partitions, replicationFactor: 1 })),
    { topic: `${runs.connector.topicPrefix}.transaction`, numPartitions: 1, replicationFactor: 1 },
  ]);
  await runs.startConnector(tables, { 'provide.transaction.metadata': 'true' });
}

/** The service's environment under PIPELINE_CONSISTENCY=transaction (runs.env), `extra` on top. */
export const transactionEnv = (
  runs: ServiceRun,
  group: string,
  tables: readonly string[],
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> =>
  runs.env(group, tables, {
    PIPELINE_CONSISTENCY: 'transaction',
    // Small batches: many flush transactions for the reader (and a kill) to land between.
    PIPELINE_BATCH_MAX_SIZE: '5',
    ...extra,
  });
