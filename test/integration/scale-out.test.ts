/**
 * Scale-out on the real stack, through the real service processes: instances of one consumer group
 * share tables whose topics have several partitions, and join and leave under load. A trigger in the
 * target records every application of every change (each change writes a new version from one
 * source sequence), so a (table, id, version) recorded twice is a change applied twice; the target
 * is compared with the source after every step, so a change lost shows as a row that differs.
 *
 * - Two instances, then a third joins, one stops gracefully (SIGTERM), one is killed (SIGKILL).
 * - Issue 10's open window: the slowed table's flushes pass a gate in a statement trigger (an
 *   advisory lock the test holds), so a flush is surely still running when its partitions move to
 *   another instance; the stale flush is fenced off and the new owner reads those changes again.
 *
 * Isolation: a schema, a Debezium connector (own slot, publication, topic prefix) and consumer
 * groups of the test's own, removed afterwards.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepStaleRuns } from './support/fidelity-stack.js';
import {
  appliedTwice,
  createPartitionedTopics,
  createVersionedTables,
  startWriter,
  waitForSpread,
} from './support/scale-out.js';
import { stopService, type ServiceProcess } from './support/service-process.js';
import { serviceRun } from './support/service-run.js';
import { stack, target } from './support/stack.js';
import { waitUntil } from './support/tables.js';
import { seededRandom } from './support/workload.js';

const runs = serviceRun();
const S = runs.schema;
const TABLES = ['accounts', 'orders', 'payments'];
/** The table of issue 10's test, whose flushes wait at a gate. */
const SLOW = 'slow_items';
/** The gate: an advisory lock the test holds while the flushes of SLOW must wait. */
const GATE = 4_242_010;
const PARTITIONS = 4;
const ROWS = 150;
/** How long the load runs while membership changes, per step. */
const LOAD_MS = 4000;
const SPREAD_TIMEOUT_MS = 60_000;
const CONVERGE_TIMEOUT_MS = 90_000;

const groupOf = runs.group;
const start = (group: string, tables: readonly string[], name: string): ServiceProcess =>
  runs.start(
    runs.env(group, tables, {
      // Small batches: many flush transactions for the membership changes to land among.
      PIPELINE_BATCH_MAX_SIZE: '50',
    }),
    `it-scale-out-${name}`,
  );

beforeAll(async () => {
  await sweepStaleRuns();
  await createVersionedTables(S, [...TABLES, SLOW]);
  await target((db) =>
    db.query(`CREATE FUNCTION ${S}.slow_flush() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_advisory_lock_shared(${GATE}); PERFORM pg_advisory_unlock_shared(${GATE}); RETURN NULL; END $$;
      CREATE TRIGGER slow AFTER INSERT ON ${S}.${SLOW} FOR EACH STATEMENT EXECUTE FUNCTION ${S}.slow_flush()`),
  );
  await createPartitionedTopics([...TABLES, SLOW].map(runs.topic), PARTITIONS);
  await runs.startConnector([...TABLES, SLOW], { 'snapshot.mode': 'no_data' });
}, 120_000);

afterAll(async () => {
  // Only what a failed test left running is still there.
  expect(await runs.teardown()).toEqual([]);
}, 120_000);

/** Runs the load for LOAD_MS around `step`, then checks the target: equal to the source, nothing twice. */
async function underLoad(
  what: string,
  tables: readonly string[],
  random: () => number,
  step: () => Promise<void>,
): Promise<void> {
  const writer = startWriter(S, tables, ROWS, random);
  const [stepDone] = await Promise.allSettled([step(), sleep(LOAD_MS)]);
  const written = await writer.stop();
  if (stepDone.status === 'rejected') throw stepDone.reason;
  expect(written).toBeGreaterThan(0);
  await runs.expectConverged(tables, CONVERGE_TIMEOUT_MS, `after: ${what}`);
  expect(await appliedTwice(S, tables), `changes applied twice after: ${what}`).toBe(0);
}

/** A flush of the run's schema now waiting at the gate, if one is. */
const flushAtGate = (): Promise<true | undefined> =>
  target(async (db) =>
    (
      await db.query(
        `SELECT 1 FROM pg_stat_activity
         WHERE wait_event_type = 'Lock' AND wait_event = 'advisory' AND query LIKE $1 AND pid <> pg_backend_pid()`,
        [`%${S}%`],
      )
    ).rowCount! > 0
      ? true
      : undefined,
  );

const fencedFlushes = (logs: string): number =>
  [...logs.matchAll(/"msg":"flush dropped: another consumer claimed/g)].length;

describe('instances of one group joining and leaving under load', () => {
  /** 12 partitions: the round-robin assignor deals 6 to each of two members, 4 to each of three. */
  const total = TABLES.length * PARTITIONS;

  it(
    'spreads the partitions, and loses nothing and applies nothing twice as a third joins, one stops and one is killed',
    { timeout: 240_000 },
    async () => {
      const seed = Date.now() % 100_000;
      const random = seededRandom(seed);
      const group = 'members';
      const a = start(group, TABLES, 'a');
      const b = start(group, TABLES, 'b');
      await underLoad('two instances start', TABLES, random, async () => {
        await Promise.all([a.consuming, b.consuming]);
        expect(await waitForSpread(groupOf(group), 2, total, SPREAD_TIMEOUT_MS)).toEqual([
          total / 2,
          total / 2,
        ]);
      });

      const c = start(group, TABLES, 'c');
      await underLoad('a third joins', TABLES, random, async () => {
        await c.consuming;
        expect(await waitForSpread(groupOf(group), 3, total, SPREAD_TIMEOUT_MS)).toEqual([
          total / 3,
          total / 3,
          total / 3,
        ]);
      });

      // Graceful: flushes what it holds, commits, leaves the group at once.
      await underLoad('one stops gracefully', TABLES, random, async () => {
        expect(await stopService(b)).toBe(0);
        expect(await waitForSpread(groupOf(group), 2, total, SPREAD_TIMEOUT_MS)).toEqual([
          total / 2,
          total / 2,
        ]);
      });

      // Killed: holds its partitions until its session expires; whatever it had in flight is read again.
      await underLoad('one is killed', TABLES, random, async () => {
        c.child.kill('SIGKILL');
        expect(await c.exited).toBeNull();
        expect(await waitForSpread(groupOf(group), 1, total, SPREAD_TIMEOUT_MS)).toEqual([total]);
      });

      console.log(`scale-out members: seed ${seed}, fenced flushes ${fencedFlushes(a.output())}`);
      expect(await stopService(a)).toBe(0);
    },
  );

  it(
    'fences off a flush whose partitions moved while it ran (issue 10): 0 applied twice, 0 lost',
    { timeout: 180_000 },
    async () => {
      const seed = Date.now() % 100_000;
      const random = seededRandom(seed);
      const group = 'slow';
      const first = start(group, [SLOW], 'slow-first');
      await first.consuming;
      let second: ServiceProcess | undefined;
      const gate = new pg.Client({ connectionString: stack().TARGET_DATABASE_URL });
      await gate.connect();
      try {
        await underLoad('a rebalance while a flush waits', [SLOW], random, async () => {
          try {
            // Closed: the first instance's next flush stops inside its merge, before its positions.
            await gate.query('SELECT pg_advisory_lock($1)', [GATE]);
            expect(await waitUntil(flushAtGate, SPREAD_TIMEOUT_MS), 'no flush reached the gate').toBe(true);
            second = start(group, [SLOW], 'slow-second');
            await second.consuming;
            expect(await waitForSpread(groupOf(group), 2, PARTITIONS, SPREAD_TIMEOUT_MS)).toEqual([
              PARTITIONS / 2,
              PARTITIONS / 2,
            ]);
          } finally {
            await gate.query('SELECT pg_advisory_unlock($1)', [GATE]);
          }
        });
      } finally {
        await gate.end();
      }
      // The waiting flush went on under claims that every partition's new generation had replaced.
      const fenced = fencedFlushes(first.output() + second!.output());
      console.log(`scale-out gated flush: seed ${seed}, fenced flushes ${fenced}`);
      expect(fenced).toBeGreaterThanOrEqual(1);
      expect(await stopService(first)).toBe(0);
      expect(await stopService(second!)).toBe(0);
    },
  );
});
