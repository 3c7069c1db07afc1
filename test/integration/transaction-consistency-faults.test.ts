/**
 * PIPELINE_CONSISTENCY=transaction on the real stack (issue 13), the hard cases, in order on one
 * connector and one consumer group:
 *
 * - a snapshot: rows in the tables before the connector started (snapshot reads carry no
 *   transaction metadata), then streamed transactions: the target ends equal to the source and a
 *   reader never sees half of a streamed transaction;
 * - a SIGKILL while the target applies a large multi-table transaction whose changes came from all
 *   twelve partitions of four topics: its flush is slowed by a target trigger that sleeps, and the
 *   kill lands when PostgreSQL shows the service's flush inside that sleep. The target keeps nothing
 *   of it, and after a restart shows all of it, never part;
 * - a SIGKILL in the middle of a transaction over PIPELINE_TRANSACTION_MAX_CHANGES, once the target
 *   shows some of its pieces: after a restart the target ends equal to the source; the reader saw
 *   the pieces (allowed, README) and never an order without its user (each piece is a prefix);
 * - the same reader over PIPELINE_CONSISTENCY=key with the same slow trigger sees the violations
 *   transaction consistency prevents: the check can fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepStaleRuns } from './support/fidelity-stack.js';
import { stopService, type ServiceProcess } from './support/service-process.js';
import { serviceRun } from './support/service-run.js';
import { source, target } from './support/stack.js';
import { waitUntil } from './support/tables.js';
import {
  accountRows,
  whileReading,
  runTransactions,
  tableNames,
  workloadDdl,
  workloadTables,
  type WorkloadTables,
} from './support/transaction-reader.js';
import { startTransactionConnector, transactionEnv } from './support/transaction-run.js';

const runs = serviceRun();
const S = runs.schema;
const TABLES = workloadTables(S);
/** The key-consistency run's own tables: no foreign key in the target (key order would break it). */
const KEY_TABLES = workloadTables(S, 'k_');
const PARTITIONS = 3;
/** Users, each with an order, in the tables before the connector's snapshot. */
const SNAPSHOT_USERS = 100;
const CONVERGE_TIMEOUT_MS = 90_000;
const GROUP = runs.group('transactions');

/** The one transaction-consistency group (`transactions`) over TABLES. */
const serviceEnv = (extra: Record<string, string> = {}): Record<string, string> =>
  transactionEnv(runs, 'transactions', tableNames(TABLES), extra);
/** The group `keys` over KEY_TABLES, under transaction consistency unless `extra` says otherwise. */
const keysEnv = (extra: Record<string, string> = {}): Record<string, string> =>
  transactionEnv(runs, 'keys', tableNames(KEY_TABLES), extra);

let service: ServiceProcess | undefined;

const expectConverged = (tables: WorkloadTables): Promise<void> =>
  runs.expectConverged(tableNames(tables), CONVERGE_TIMEOUT_MS);

const countIn = (table: string, first: number, last: number): Promise<number> =>
  target(async (db) =>
    Number(
      (await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE id BETWEEN $1 AND $2`, [first, last]))
        .rows[0].n,
    ),
  );

/** A target trigger that sleeps `ms` per row of `table` written with an id of at least `from`. */
async function slowDown(table: string, ms: number, from = 0): Promise<void> {
  const sleeper = `${table}_sleeps_${ms}`;
  await target(async (db) => {
    await db.query(`CREATE OR REPLACE FUNCTION ${sleeper}() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN PERFORM pg_sleep(${ms / 1000}); RETURN NEW; END $$`);
    await db.query(`CREATE TRIGGER slow BEFORE INSERT OR UPDATE ON ${table}
      FOR EACH ROW WHEN (NEW.id >= ${from}) EXECUTE FUNCTION ${sleeper}()`);
  });
}

const dropSlowDown = (table: string): Promise<void> =>
  target(async (db) => {
    await db.query(`DROP TRIGGER slow ON ${table}`);
  });

/** The target backend (pid) of a flush now sleeping in a trigger of the run's schema, if one is. */
const sleepingFlush = (): Promise<number | undefined> =>
  target(async (db) => {
    const { rows } = await db.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query LIKE $1 AND pid <> pg_backend_pid()`,
      [`%${S}%`],
    );
    return rows[0]?.pid;
  });

const backendGone = (pid: number): Promise<true | undefined> =>
  target(async (db) =>
    (await db.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount === 0
      ? true
      : undefined,
  );

async function kill(victim: ServiceProcess): Promise<void> {
  victim.child.kill('SIGKILL');
  await victim.exited;
}

/**
 * One large multi-table transaction, killed (SIGKILL) while the target applies it, checked to have
 * left nothing, then the service restarted until the target equals the source.
 */
async function killWhileApplied(first: number, last: number): Promise<void> {
  // One source transaction: 300 users, their 300 orders, and a transfer from every debit to
  // every credit; 640 changes on the twelve partitions of four topics.
  await source(async (db) => {
    await db.query('BEGIN');
    await db.query(
      `INSERT INTO ${TABLES.users} SELECT g, 'big ' || g FROM generate_series(${first}, ${last}) g`,
    );
    await db.query(`INSERT INTO ${TABLES.orders} SELECT g, g, 7 FROM generate_series(${first}, ${last}) g`);
    await db.query(`UPDATE ${TABLES.debits} SET balance = balance - 5`);
    await db.query(`UPDATE ${TABLES.credits} SET balance = balance + 5`);
    await db.query('COMMIT');
  });
  // The kill lands while PostgreSQL shows the service's flush of it sleeping in the trigger.
  const pid = await waitUntil(sleepingFlush, 60_000);
  expect(pid, 'the flush of the large transaction never reached the target').toBeDefined();
  await kill(service!);
  // The dead service's backend finishes its statement, finds its client gone and rolls back.
  expect(await waitUntil(() => backendGone(pid!), 30_000)).toBe(true);
  expect(await countIn(TABLES.users, first, last)).toBe(0);
  expect(await countIn(TABLES.orders, first, last)).toBe(0);
  await dropSlowDown(TABLES.orders);
  service = runs.start(serviceEnv(), GROUP);
  await service.consuming;
  await expectConverged(TABLES);
}

beforeAll(async () => {
  await sweepStaleRuns();
  const ddl = [`CREATE SCHEMA ${S}`, ...workloadDdl(TABLES), ...workloadDdl(KEY_TABLES)];
  await source(async (db) => {
    for (const statement of ddl) await db.query(statement);
    await db.query(`ALTER TABLE ${TABLES.orders} ADD FOREIGN KEY (user_id) REFERENCES ${TABLES.users} (id)`);
    // Rows before the connector: its snapshot reads them, without transaction metadata.
    await db.query(
      `INSERT INTO ${TABLES.users} SELECT g, 'snapshot ' || g FROM generate_series(1, ${SNAPSHOT_USERS}) g`,
    );
    await db.query(
      `INSERT INTO ${TABLES.orders} SELECT g, g, g FROM generate_series(1, ${SNAPSHOT_USERS}) g`,
    );
    for (const statement of [...accountRows(TABLES), ...accountRows(KEY_TABLES)]) await db.query(statement);
  });
  await target(async (db) => {
    for (const statement of ddl) await db.query(statement);
  });
  await startTransactionConnector(runs, [...tableNames(TABLES), ...tableNames(KEY_TABLES)], PARTITIONS);
}, 120_000);

afterAll(async () => {
  // Stops the service a test left running, deletes the run's positions, tears the run down.
  expect(await runs.teardown()).toEqual([]);
}, 120_000);

describe('transaction consistency: snapshot, kills, and the check failing under key consistency', () => {
  it(
    'applies a snapshot (no transaction metadata) and the transactions streamed after it: equal to the source, never half a transaction',
    { timeout: 120_000 },
    async () => {
      // The snapshot is in Kafka before the service starts: the worst case for order across topics.
      service = runs.start(serviceEnv(), GROUP);
      await service.consuming;
      await expectConverged(TABLES);
      // Only now the source's foreign key: snapshot reads apply in their partition's order, so an
      // order could land before its user (another topic) and be refused (README).
      await target((db) =>
        db.query(`ALTER TABLE ${TABLES.orders} ADD FOREIGN KEY (user_id) REFERENCES ${TABLES.users} (id)
          DEFERRABLE INITIALLY DEFERRED`),
      );
      const seen = await whileReading(TABLES, async () => {
        await runTransactions(TABLES, 1001, 200);
        await expectConverged(TABLES);
      });
      expect(seen.polls).toBeGreaterThan(20);
      expect(seen).toMatchObject({ orphanOrders: 0, wrongSums: 0 });
      expect(await countIn(TABLES.orders, 1, SNAPSHOT_USERS)).toBe(SNAPSHOT_USERS);
      // Nothing was refused, in the snapshot or after it.
      expect(
        service
          .output()
          .split('\n')
          .filter((line) => line.includes('isolated as a failure')),
      ).toEqual([]);
    },
  );

  it(
    'a SIGKILL while a multi-partition transaction is applied leaves none of it; after a restart all of it, never part',
    { timeout: 120_000 },
    async () => {
      const [FIRST, LAST] = [2001, 2300];
      // Its orders sleep 10 ms each in the target: the flush of the transaction lasts 3 s.
      await slowDown(TABLES.orders, 10, FIRST);
      const seen = await whileReading(TABLES, () => killWhileApplied(FIRST, LAST), [
        { first: FIRST, last: LAST },
      ]);
      expect(seen.polls).toBeGreaterThan(20);
      expect(seen).toMatchObject({ orphanOrders: 0, wrongSums: 0, partial: 0 });
    },
  );

  it(
    'a SIGKILL in the middle of a transaction applied in pieces: restarted, the target ends equal to the source; a reader saw pieces, never an orphan order',
    { timeout: 210_000 },
    async () => {
      await stopService(service!);
      const env = serviceEnv({ PIPELINE_TRANSACTION_MAX_CHANGES: '50' });
      service = runs.start(env, GROUP);
      await service.consuming;
      const [FIRST, LAST] = [3001, 3300];
      // 600 changes, pieces of at least 50 in source order: users (fast), then orders at 20 ms a row.
      await slowDown(TABLES.orders, 20, FIRST);
      let shown: { users: number; orders: number } | undefined;
      let piecesLogged: string[] = [];
      const seen = await whileReading(TABLES, async () => {
        await source(async (db) => {
          await db.query('BEGIN');
          await db.query(
            `INSERT INTO ${TABLES.users} SELECT g, 'large ' || g FROM generate_series(${FIRST}, ${LAST}) g`,
          );
          await db.query(
            `INSERT INTO ${TABLES.orders} SELECT g, g, 1 FROM generate_series(${FIRST}, ${LAST}) g`,
          );
          await db.query('COMMIT');
        });
        // The kill lands once the target shows pieces of it (its users) but not all of it (its orders).
        shown = await waitUntil(async () => {
          const users = await countIn(TABLES.users, FIRST, LAST);
          const orders = await countIn(TABLES.orders, FIRST, LAST);
          return users > 0 && orders < LAST - FIRST + 1 ? { users, orders } : undefined;
        }, 90_000);
        // Should it fail, what the service said is what tells a slow join from a transaction held back.
        expect(
          shown,
          `no piece of the large transaction showed in the target; the service's last lines:\n${service!
            .output()
            .split('\n')
            .slice(-15)
            .join('\n')}`,
        ).toBeDefined();
        await kill(service!);
        piecesLogged = service!
          .output()
          .split('\n')
          .filter((line) => line.includes('applied in pieces'));
        await dropSlowDown(TABLES.orders);
        service = runs.start(env, GROUP);
        await service.consuming;
        await expectConverged(TABLES);
      }, [{ first: FIRST, last: LAST }]);
      // What a reader saw: pieces of it (the README says so), each a prefix: never an order
      // without its user, never another transaction's changes out of order.
      expect(piecesLogged.length).toBeGreaterThanOrEqual(1);
      console.log(`killed with ${JSON.stringify(shown)} of it shown; the reader: ${JSON.stringify(seen)}`);
      expect(seen.partial).toBeGreaterThan(0);
      expect(seen).toMatchObject({ orphanOrders: 0, wrongSums: 0 });
    },
  );

  it(
    'the reader catches what key consistency shows (orders without their user, a changed sum); that group is warned off transaction consistency',
    { timeout: 120_000 },
    async () => {
      // The same slowness (a table of the target slower than another) under per-key lanes.
      await slowDown(KEY_TABLES.users, 20);
      await slowDown(KEY_TABLES.credits, 20);
      const keyed = runs.start(keysEnv({ PIPELINE_CONSISTENCY: 'key' }), runs.group('keys'));
      try {
        await keyed.consuming;
        await expectConverged(KEY_TABLES);
        const seen = await whileReading(KEY_TABLES, async () => {
          await runTransactions(KEY_TABLES, 1, 100);
          await expectConverged(KEY_TABLES);
        });
        expect(seen.orphanOrders + seen.wrongSums).toBeGreaterThan(0);
        // Printed for the report: how often the reader saw a state the source never had.
        console.log(`key consistency: ${JSON.stringify(seen)}`);
      } finally {
        await stopService(keyed);
      }
      // Turned to transaction consistency, that group is warned that it will wait for ever.
      const switched = runs.start(keysEnv(), runs.group('keys'));
      await switched.consuming;
      await stopService(switched);
      expect(switched.output()).toContain('has offsets on the table topics and none on');
    },
  );
});
