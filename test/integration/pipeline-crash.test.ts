/**
 * At-least-once with an idempotent effect, proven the hard way: the pipeline service is killed with
 * SIGKILL at random moments while a workload runs, and restarted each time. At the end source and
 * target are identical: nothing lost, nothing stale.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { waitForConvergence } from './support/compare.js';
import { startService, stopService, type ServiceProcess } from './support/service-process.js';
import { source } from './support/stack.js';
import { runWorkload, seededRandom } from './support/workload.js';

const KILLS = 5;
const NO_DIFFERENCE = { missing: [], extra: [], different: [] };

describe('pipeline killed with SIGKILL and restarted', () => {
  let service: ServiceProcess | undefined;
  afterAll(async () => {
    if (service) await stopService(service);
  });

  it(`loses nothing and leaves nothing stale across ${KILLS} kills`, { timeout: 300_000 }, async () => {
    const seed = Date.now() % 100_000;
    const random = seededRandom(seed);
    const env = {
      PIPELINE_GROUP_ID: `it-crash-${seed}`,
      PIPELINE_TOPIC_PATTERN: '^dbserver1\\.public\\.(users|orders)$',
      PIPELINE_BATCH_MAX_SIZE: '200',
    };
    service = startService(env, 'it-crash');

    let workloadDone = false;
    const workload = source(async (db) => {
      // Several rounds so that kills land while changes are being written, not only after.
      for (let round = 0; round < 8; round += 1) await runWorkload(db, { seed: seed + round, steps: 80 });
    }).finally(() => (workloadDone = true));

    let kills = 0;
    while (kills < KILLS) {
      await sleep(700 + random() * 2500);
      service.child.kill('SIGKILL');
      expect(await service.exited).toBeNull(); // killed by a signal: no exit code
      kills += 1;
      service = startService(env, 'it-crash');
    }
    await workload;
    expect(workloadDone).toBe(true);

    const diffs = await waitForConvergence(['users', 'orders'], 120_000);
    expect(diffs, `seed ${seed}`).toEqual({ users: NO_DIFFERENCE, orders: NO_DIFFERENCE });
    expect(await stopService(service)).toBe(0);
    service = undefined;
  });
});
