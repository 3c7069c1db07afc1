/**
 * Effectively-once on the real stack, counted: a trigger in the target records every application of
 * every change (each change carries a new version of its row, so an (id, version) pair recorded
 * twice is a change applied twice).
 *
 * - The service is killed with SIGKILL at random moments under a workload and restarted: no change
 *   is applied twice, and the target ends equal to the source.
 * - The consumer group's Kafka offsets are reset to the earliest: with positions in the target
 *   nothing is applied again; the same reset under PIPELINE_DELIVERY=at-least-once applies changes
 *   again (which shows the count can see a double application).
 *
 * Isolation: a schema, a Debezium connector (own slot, publication, topic prefix) and consumer groups
 * of the test's own, removed afterwards.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopics, sweepStaleRuns } from './support/fidelity-stack.js';
import { appliedTwice as appliedTwiceIn, createVersionedTables } from './support/scale-out.js';
import { stopService, type ServiceProcess } from './support/service-process.js';
import { waitUntilGroupEmpty } from './support/group-members.js';
import { serviceRun } from './support/service-run.js';
import { kafkaClient, source, target } from './support/stack.js';
import { seededRandom } from './support/workload.js';

const runs = serviceRun();
const S = runs.schema;
const TOPIC = runs.topic('items');
const KILLS = 4;
const ROWS = 60;
const CONVERGE_TIMEOUT_MS = 120_000;

const serviceEnv = (group: string, extra: Record<string, string> = {}): Record<string, string> =>
  runs.env(group, ['items'], {
    // Small batches: many flush transactions for the kills to land in.
    PIPELINE_BATCH_MAX_SIZE: '25',
    ...extra,
  });
const startService = (env: Record<string, string>): ServiceProcess => runs.start(env, 'it-effectively-once');

let service: ServiceProcess | undefined;

beforeAll(async () => {
  await sweepStaleRuns();
  // The target records every application of every change (support/scale-out.ts).
  await createVersionedTables(S, ['items']);
  await source((db) => db.query(`ALTER TABLE ${S}.items REPLICA IDENTITY FULL`));
  await createTopics([TOPIC]);
  await runs.startConnector(['items']);
}, 120_000);

afterAll(async () => {
  expect(await runs.teardown()).toEqual([]);
}, 120_000);

/** One new version of a random row per change: every change is an (id, version) seen once. */
async function writeChanges(db: pg.Client, count: number, random: () => number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const id = 1 + Math.floor(random() * ROWS);
    await db.query(
      `INSERT INTO ${S}.items VALUES ($1, 1)
       ON CONFLICT (id) DO UPDATE SET version = ${S}.items.version + 1`,
      [id],
    );
  }
}

/** The target's items equal the source's, or the assertion shows what differs after the timeout. */
const waitForTargetEqualSource = (): Promise<void> => runs.expectConverged(['items'], CONVERGE_TIMEOUT_MS);

/** (id, version) pairs the trigger recorded more than once: changes applied twice. */
const appliedTwice = (): Promise<number> => appliedTwiceIn(S, ['items']);

const applications = (): Promise<number> =>
  target(async (db) =>
    Number((await db.query(`SELECT count(*)::int AS n FROM ${S}.applications`)).rows[0].n),
  );

/** Resets the group's Kafka offsets, once the coordinator has seen its last member leave. */
async function resetGroupToEarliest(group: string): Promise<void> {
  await waitUntilGroupEmpty(runs.group(group));
  const admin = kafkaClient('it-effectively-once').admin();
  await admin.connect();
  try {
    await admin.resetOffsets({ groupId: runs.group(group), topic: TOPIC, earliest: true });
  } finally {
    await admin.disconnect();
  }
}

describe('effectively-once apply', () => {
  it(
    `applies no change twice across ${KILLS} kills, and ends equal to the source`,
    { timeout: 300_000 },
    async () => {
      const seed = Date.now() % 100_000;
      const random = seededRandom(seed);
      const outputs: (() => string)[] = [];
      service = startService(serviceEnv('kills'));
      await service.consuming;
      const workload = source(async (db) => {
        for (let round = 0; round < 6; round += 1) await writeChanges(db, 150, random);
      });
      for (let kill = 0; kill < KILLS; kill += 1) {
        await sleep(800 + random() * 2000);
        service.child.kill('SIGKILL');
        expect(await service.exited).toBeNull();
        outputs.push(service.output);
        service = startService(serviceEnv('kills'));
      }
      await workload;
      await waitForTargetEqualSource();
      expect(await appliedTwice(), `seed ${seed}`).toBe(0);
      // How often a restart read again changes its positions said were applied (lanes run apart).
      const logs = [...outputs, service.output].map((output) => output()).join('');
      const skipped = [...logs.matchAll(/"alreadyApplied":(\d+)/g)].reduce(
        (sum, [, n]) => sum + Number(n),
        0,
      );
      console.log(
        `effectively-once kills: seed ${seed}, changes read again and not applied again: ${skipped}`,
      );
      expect(await stopService(service)).toBe(0);
      service = undefined;
    },
  );

  it(
    'takes the target as the authority: a Kafka reset to the earliest applies nothing again',
    { timeout: 240_000 },
    async () => {
      const random = seededRandom(7);
      // The first test's group: its positions are in the target, its offsets committed in Kafka.
      await resetGroupToEarliest('kills');
      const before = await applications();
      service = startService(serviceEnv('kills'));
      await service.consuming;
      await source((db) => writeChanges(db, 40, random));
      await waitForTargetEqualSource();
      expect(await appliedTwice()).toBe(0);
      // Only the 40 new changes were applied (compaction can only make that fewer).
      expect(await applications()).toBeLessThanOrEqual(before + 40);
      expect(await stopService(service)).toBe(0);

      // The same reset with Kafka's offsets alone: the changes are read and applied again.
      service = startService(serviceEnv('kills', { PIPELINE_DELIVERY: 'at-least-once' }));
      await service.consuming;
      expect(await stopService(service)).toBe(0);
      await resetGroupToEarliest('kills');
      const beforeReplay = await applications();
      service = startService(serviceEnv('kills', { PIPELINE_DELIVERY: 'at-least-once' }));
      await service.consuming;
      const deadline = Date.now() + CONVERGE_TIMEOUT_MS;
      while ((await applications()) === beforeReplay && Date.now() < deadline) await sleep(500);
      expect(await appliedTwice()).toBeGreaterThan(0);
      expect(await stopService(service)).toBe(0);
      service = undefined;
    },
  );
});
