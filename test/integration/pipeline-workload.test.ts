/**
 * The product end to end on the real stack: a random workload of inserts, updates (NULLs and
 * primary-key changes included) and deletes on users and orders while the pipeline runs; afterwards
 * source and target hold identical rows.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { waitForConvergence } from './support/compare.js';
import { startPipeline, type RunningPipeline } from './support/pipeline.js';
import { source } from './support/stack.js';
import { runWorkload } from './support/workload.js';

const TOPICS = ['dbserver1.public.users', 'dbserver1.public.orders'];
const NO_DIFFERENCE = { missing: [], extra: [], different: [] };

describe('pipeline on a random workload', () => {
  let pipeline: RunningPipeline | undefined;
  afterAll(async () => {
    await pipeline?.stop();
  });

  it('leaves the target identical to the source', async () => {
    pipeline = await startPipeline(TOPICS, { lanes: 4 });
    const seed = Date.now() % 100_000;
    const stats = await source((db) => runWorkload(db, { seed, steps: 400 }));
    expect(stats.keyChanges).toBeGreaterThan(0);
    expect(stats.deletes).toBeGreaterThan(0);

    const diffs = await waitForConvergence(['users', 'orders']);
    expect(diffs, `workload seed ${seed}`).toEqual({ users: NO_DIFFERENCE, orders: NO_DIFFERENCE });

    const reports = await pipeline.stop();
    pipeline = undefined;
    const flushed = reports.filter((report) => report.type === 'flush');
    expect(flushed.length).toBeGreaterThan(0);
    expect(reports.filter((report) => report.type === 'dead-letters')).toEqual([]);
  });
});
