/**
 * Rebalances: a second pipeline joins the group while changes flow (the first loses partitions),
 * then the first leaves (the second takes everything over). Nothing tracked before a rebalance is
 * committed for a partition its member no longer owns; at the end the target equals the source.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { waitForConvergence } from './support/compare.js';
import type { SourceEvent } from '../../src/index.js';
import { startPipeline, type RunningPipeline } from './support/pipeline.js';
import { kafkaClient, source } from './support/stack.js';
import { runWorkload } from './support/workload.js';

const TOPICS = ['dbserver1.public.users', 'dbserver1.public.orders'];
const NO_DIFFERENCE = { missing: [], extra: [], different: [] };

/** Partitions of the topics, all together: the shipped connector gives each table topic several. */
async function partitionCount(): Promise<number> {
  const admin = kafkaClient('it-rebalance-admin').admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: TOPICS });
    return topics.reduce((sum, { partitions }) => sum + partitions.length, 0);
  } finally {
    await admin.disconnect();
  }
}

describe('pipeline across consumer-group rebalances', () => {
  const running: RunningPipeline[] = [];
  afterAll(async () => {
    await Promise.all(running.map((pipeline) => pipeline.stop()));
  });

  it('hands partitions over without losing or regressing a change', { timeout: 180_000 }, async () => {
    const seed = Date.now() % 100_000;
    const groupId = `it-rebalance-${seed}`;
    /** Each member's assignments, one per join: how many partitions it was given. */
    const joins: Record<'first' | 'second', number[]> = { first: [], second: [] };
    const onSourceEvent = (name: 'first' | 'second') => (event: SourceEvent) => {
      if (event.type === 'rebalanced') joins[name].push(Object.values(event.assignment).flat().length);
    };
    const waitUntil = async (what: string, condition: () => boolean): Promise<void> => {
      const deadline = Date.now() + 60_000;
      while (!condition()) {
        if (Date.now() > deadline)
          throw new Error(`timed out waiting until ${what}: ${JSON.stringify(joins)}`);
        await sleep(100);
      }
    };

    const first = await startPipeline(TOPICS, { groupId, onSourceEvent: onSourceEvent('first') });
    const partitions = await partitionCount();
    running.push(first);
    await source((db) => runWorkload(db, { seed, steps: 150 }));

    const second = await startPipeline(TOPICS, { groupId, onSourceEvent: onSourceEvent('second') });
    running.push(second);
    const workload = source((db) => runWorkload(db, { seed: seed + 1, steps: 150 }));
    // The first member gives up part of the partitions to the second; together they hold them all.
    await waitUntil(
      'both members share the partitions',
      () =>
        (joins.second.at(-1) ?? 0) > 0 &&
        (joins.first.at(-1) ?? 0) > 0 &&
        joins.first.at(-1)! + joins.second.at(-1)! === partitions,
    );
    await workload;

    running.splice(running.indexOf(first), 1);
    await first.stop();
    await source((db) => runWorkload(db, { seed: seed + 2, steps: 150 }));
    await waitUntil('the second member owns every partition', () => joins.second.at(-1) === partitions);

    const diffs = await waitForConvergence(['users', 'orders'], 90_000);
    expect(diffs, `seed ${seed}`).toEqual({ users: NO_DIFFERENCE, orders: NO_DIFFERENCE });
    expect(joins.first[0]).toBe(partitions);
    expect(second.reports.some((report) => report.type === 'dead-letters')).toBe(false);
  });
});
