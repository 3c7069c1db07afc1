/**
 * PIPELINE_CONSISTENCY=transaction on the real stack (issue 13). The source runs multi-table
 * transactions: a user and their order inserted together, and transfers that move an amount from a
 * row of `debits` to a row of `credits` (the sum over both tables never changes). Table topics have
 * three partitions each, so one transaction's changes travel on several partitions and topics.
 *
 * - A reader polling the target meanwhile never sees an order without its user nor a changed sum,
 *   while the service is killed with SIGKILL in the middle of the workload and restarted.
 * - The target ends equal to the source.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectorConfig,
  connectorsOf,
  newRun,
  startConnector,
  sweepStaleRuns,
  tableTopic,
  teardownRun,
} from './support/fidelity-stack.js';
import { waitForConvergence } from './support/compare.js';
import { startService, stopService, type ServiceProcess } from './support/service-process.js';
import { kafkaClient, source, target } from './support/stack.js';
import {
  accountRows,
  pollInvariants,
  runTransactions,
  workloadDdl,
  workloadTables,
} from './support/transaction-reader.js';

const run = newRun();
const { main } = connectorsOf(run);
const S = run.schema;
const TABLES = ['users', 'orders', 'debits', 'credits'] as const;
const TOPICS = TABLES.map((table) => tableTopic(main, S, table));
const WORKLOAD = workloadTables(S);
const TRANSACTIONS = 400;
const CONVERGE_TIMEOUT_MS = 120_000;

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const serviceEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
  PIPELINE_GROUP_ID: `${run.groupPrefix}transactions`,
  PIPELINE_TOPIC_PATTERN: `^${escapeRegex(main.topicPrefix)}\\.${S}\\.[^.]+$`,
  PIPELINE_TOPIC_PREFIX: main.topicPrefix,
  PIPELINE_CONSISTENCY: 'transaction',
  PIPELINE_METRICS_PORT: '0',
  // Small batches: many flush transactions for the reader and the kill to land between.
  PIPELINE_BATCH_MAX_SIZE: '5',
  ...extra,
});

let service: ServiceProcess | undefined;

beforeAll(async () => {
  await sweepStaleRuns();
  const ddl = [`CREATE SCHEMA ${S}`, ...workloadDdl(WORKLOAD)];
  await source(async (db) => {
    for (const statement of ddl) await db.query(statement);
    // Snapshot rows (no transaction metadata): the accounts the transfers start from.
    for (const statement of accountRows(WORKLOAD)) await db.query(statement);
  });
  await target(async (db) => {
    for (const statement of ddl) await db.query(statement);
    // The source's foreign key, kept in the target: possible because whole transactions apply.
    await db.query(`ALTER TABLE ${S}.orders ADD FOREIGN KEY (user_id) REFERENCES ${S}.users (id)
      DEFERRABLE INITIALLY DEFERRED`);
  });
  const admin = kafkaClient('it-transactions').admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        ...TOPICS.map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })),
        { topic: `${main.topicPrefix}.transaction`, numPartitions: 1, replicationFactor: 1 },
      ],
    });
  } finally {
    await admin.disconnect();
  }
  await startConnector(
    main,
    connectorConfig(
      main,
      TABLES.map((table) => `${S}.${table}`),
      { 'provide.transaction.metadata': 'true' },
    ),
  );
}, 120_000);

afterAll(async () => {
  if (service) await stopService(service);
  await target((db) =>
    db
      .query('DELETE FROM public.cdc_positions WHERE group_id LIKE $1', [`${run.groupPrefix}%`])
      .catch(() => undefined),
  );
  const problems = await teardownRun(run);
  expect(problems).toEqual([]);
}, 120_000);

describe('transaction consistency', () => {
  it(
    'a reader never sees half a source transaction, across a SIGKILL, and the target ends equal to the source',
    { timeout: 300_000 },
    async () => {
      service = startService(serviceEnv(), `${run.groupPrefix}transactions`);
      await service.consuming;
      let workloadDone!: () => void;
      const workloadEnded = new Promise<void>((resolve) => (workloadDone = resolve));
      const reader = pollInvariants(
        WORKLOAD,
        workloadEnded.then(() =>
          waitForConvergence(
            TABLES.map((t) => `${S}.${t}`),
            CONVERGE_TIMEOUT_MS,
          ).then(() => undefined),
        ),
      );
      const workload = runTransactions(WORKLOAD, 1, TRANSACTIONS).finally(workloadDone);
      // A kill in the middle of the workload, while multi-partition transactions are in flight.
      await sleep(3000);
      service.child.kill('SIGKILL');
      await service.exited;
      service = startService(serviceEnv(), `${run.groupPrefix}transactions`);
      await service.consuming;
      await workload;
      const seen = await reader;
      const diffs = await waitForConvergence(
        TABLES.map((t) => `${S}.${t}`),
        CONVERGE_TIMEOUT_MS,
      );
      for (const table of TABLES)
        expect(diffs[`${S}.${table}`]).toEqual({ missing: [], extra: [], different: [] });
      expect(seen.polls).toBeGreaterThan(20);
      expect(seen).toMatchObject({ orphanOrders: 0, wrongSums: 0 });
      // The workload really showed in the target while it was read: orders and moved balances.
      const orders = await target(async (db) =>
        Number((await db.query(`SELECT count(*)::int AS n FROM ${S}.orders`)).rows[0].n),
      );
      expect(orders).toBe(TRANSACTIONS / 2);
    },
  );

  it(
    'applies a transaction larger than PIPELINE_TRANSACTION_MAX_CHANGES in pieces, says so, and ends equal to the source',
    { timeout: 180_000 },
    async () => {
      if (service) await stopService(service);
      service = startService(
        serviceEnv({ PIPELINE_TRANSACTION_MAX_CHANGES: '50' }),
        `${run.groupPrefix}large`,
      );
      await service.consuming;
      const LARGE = 300;
      await source(async (db) => {
        await db.query('BEGIN');
        await db.query(
          `INSERT INTO ${S}.users SELECT g, 'large ' || g FROM generate_series(100001, ${100_000 + LARGE}) g`,
        );
        await db.query(
          `INSERT INTO ${S}.orders SELECT g, g, 1 FROM generate_series(100001, ${100_000 + LARGE}) g`,
        );
        await db.query('COMMIT');
      });
      const diffs = await waitForConvergence(
        TABLES.map((t) => `${S}.${t}`),
        CONVERGE_TIMEOUT_MS,
      );
      for (const table of TABLES)
        expect(diffs[`${S}.${table}`]).toEqual({ missing: [], extra: [], different: [] });
      const lines = service.output().split('\n');
      // 600 changes, a piece once 50 continue it in source order; the rest goes whole with END.
      expect(lines.filter((line) => line.includes('applied in pieces')).length).toBeGreaterThanOrEqual(1);
      // Each piece is a prefix of the transaction: the deferred foreign key never refused one.
      expect(lines.filter((line) => line.includes('isolated as a failure'))).toEqual([]);
    },
  );
});
