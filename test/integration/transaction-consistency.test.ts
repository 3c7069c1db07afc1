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
import { sweepStaleRuns } from './support/fidelity-stack.js';
import { waitForConvergence } from './support/compare.js';
import { stopService, type ServiceProcess } from './support/service-process.js';
import { waitUntilGroupEmpty } from './support/group-members.js';
import { serviceRun } from './support/service-run.js';
import { source, target } from './support/stack.js';
import {
  accountRows,
  pollInvariants,
  runTransactions,
  tableNames,
  workloadDdl,
  workloadTables,
} from './support/transaction-reader.js';
import { startTransactionConnector, transactionEnv } from './support/transaction-run.js';

const runs = serviceRun();
const S = runs.schema;
const WORKLOAD = workloadTables(S);
const TABLES = tableNames(WORKLOAD);
const PARTITIONS = 3;
const TRANSACTIONS = 400;
const CONVERGE_TIMEOUT_MS = 120_000;

/** One consumer group, `transactions`, over the four tables (small batches: see transactionEnv). */
const serviceEnv = (extra: Record<string, string> = {}): Record<string, string> =>
  transactionEnv(runs, 'transactions', TABLES, extra);

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
  await startTransactionConnector(runs, TABLES, PARTITIONS);
}, 120_000);

afterAll(async () => {
  // Stops the service a test left running, deletes the run's positions, tears the run down.
  expect(await runs.teardown()).toEqual([]);
}, 120_000);

describe('transaction consistency', () => {
  it(
    'a reader never sees half a source transaction, across a SIGKILL, and the target ends equal to the source',
    { timeout: 300_000 },
    async () => {
      service = runs.start(serviceEnv(), runs.group('transactions'));
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
      service = runs.start(serviceEnv(), runs.group('transactions'));
      await service.consuming;
      await workload;
      const seen = await reader;
      await runs.expectConverged(TABLES, CONVERGE_TIMEOUT_MS);
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
      // The same group: a member the stopped service could not take out would hold partitions.
      expect(await waitUntilGroupEmpty(runs.group('transactions'))).toBe(true);
      service = runs.start(serviceEnv({ PIPELINE_TRANSACTION_MAX_CHANGES: '50' }), runs.group('large'));
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
      await runs.expectConverged(TABLES, CONVERGE_TIMEOUT_MS);
      const lines = service.output().split('\n');
      // 600 changes, a piece once 50 continue it in source order; the rest goes whole with END.
      expect(lines.filter((line) => line.includes('applied in pieces')).length).toBeGreaterThanOrEqual(1);
      // Each piece is a prefix of the transaction: the deferred foreign key never refused one.
      expect(lines.filter((line) => line.includes('isolated as a failure'))).toEqual([]);
    },
  );
});
