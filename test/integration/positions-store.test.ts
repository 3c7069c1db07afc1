/**
 * The positions table in the real target: claims bump the generation and return what was stored, a
 * flush of a stale owner is fenced off with nothing changed, a claim waits for the previous owner's
 * flush that holds the row and then reads it, and a new lane count is read with the old one.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FencedError } from '../../src/errors.js';
import { ClaimedPositions } from '../../src/positions/claimed.js';
import { withTransaction } from '../../src/sinks/pool.js';
import { claimPositions, ensurePositionsTable, recordPositions } from '../../src/sinks/positions.js';
import { laneIndex } from '../../src/operators/lanes.js';
import { stack } from './support/stack.js';

/** `handled`'s lane under a lane count, from a change's lane key (as the pipeline hashes it). */
const laneOf =
  (key: string) =>
  (lanes: number): number =>
    laneIndex(key, lanes);

const group = `it-positions-${randomBytes(4).toString('hex')}`;
const topic = 'it.positions.items';
const partitions = [
  { topic, partition: 0 },
  { topic, partition: 1 },
];

let pool: pg.Pool;
beforeAll(async () => {
  pool = new pg.Pool({ connectionString: stack().TARGET_DATABASE_URL, max: 4 });
  await ensurePositionsTable(pool);
});
afterAll(async () => {
  await pool.query('DELETE FROM public.cdc_positions WHERE group_id = $1', [group]);
  await pool.end();
});

const advance = (generation: bigint, lane: number, laneOffset: bigint, nextOffset = -1n, partition = 0) => ({
  topic,
  partition,
  generation,
  lane,
  laneOffset,
  nextOffset,
});

describe('positions in the target', () => {
  it('claims, records, fences off the stale owner and reads with the lane count that wrote', async () => {
    // A new group: nothing stored, generation 1.
    const first = await claimPositions(pool, group, partitions, 2);
    expect(first.map((claim) => [claim.partition, claim.generation, claim.nextOffset])).toEqual([
      [0, 1n, -1n],
      [1, 1n, -1n],
    ]);
    expect(new ClaimedPositions().seeks()).toEqual([]);

    // The owner flushes lane 1 up to offset 41 of partition 0, with everything below 30 handled.
    await withTransaction(pool, (client) => recordPositions(client, group, [advance(1n, 1, 41n, 30n)]));

    // A new owner claims: generation 2, and it reads what the first one stored.
    const second = await claimPositions(pool, group, [partitions[0]!], 2);
    expect(second).toEqual([
      { topic, partition: 0, generation: 2n, nextOffset: 30n, lanes: 2, laneOffsets: [-1n, 41n] },
    ]);
    const claimed = new ClaimedPositions();
    claimed.replace(second);
    expect(claimed.seeks()).toEqual([{ topic, partition: 0, offset: '30' }]);

    // The first owner's next flush is fenced off, and changes nothing.
    await expect(
      withTransaction(pool, (client) => recordPositions(client, group, [advance(1n, 0, 99n, 90n)])),
    ).rejects.toBeInstanceOf(FencedError);
    const { rows } = await pool.query<{ next_offset: string; lane_offsets: string[] }>(
      'SELECT next_offset::text, lane_offsets::text[] FROM public.cdc_positions WHERE group_id = $1 AND kafka_partition = 0',
      [group],
    );
    expect(rows).toEqual([{ next_offset: '30', lane_offsets: ['-1', '41'] }]);

    // Read again: below 30 handled; above, a change is handled when its own lane got that far.
    const keyOfLane = (lane: number): string => {
      for (let i = 0; ; i += 1) if (laneIndex(`k${i}`, 2) === lane) return `k${i}`;
    };
    const at = (offset: number) => ({ topic, partition: 0, offset: String(offset) });
    expect(claimed.handled(at(29), laneOf(keyOfLane(0)))).toBe(true);
    expect(claimed.handled(at(35), laneOf(keyOfLane(0)))).toBe(false);
    expect(claimed.handled(at(35), laneOf(keyOfLane(1)))).toBe(true);
    expect(claimed.handled(at(41), laneOf(keyOfLane(1)))).toBe(true);
    expect(claimed.handled(at(42), laneOf(keyOfLane(1)))).toBe(false);

    // Three lanes now: the claim still returns the two-lane offsets to judge replays by, and the
    // row restarts every new lane at the partition's next offset.
    const third = await claimPositions(pool, group, [partitions[0]!], 3);
    expect(third[0]).toMatchObject({ generation: 3n, lanes: 2, laneOffsets: [-1n, 41n] });
    const stored = await pool.query<{ lanes: number; lane_offsets: string[] }>(
      'SELECT lanes, lane_offsets::text[] FROM public.cdc_positions WHERE group_id = $1 AND kafka_partition = 0',
      [group],
    );
    expect(stored.rows).toEqual([{ lanes: 3, lane_offsets: ['29', '29', '29'] }]);
  });

  it("waits for the previous owner's flush that holds the row, then reads what it wrote", async () => {
    const [claim] = await claimPositions(pool, group, [partitions[1]!], 2);
    const generation = claim!.generation;
    const holder = await pool.connect();
    try {
      await holder.query('BEGIN');
      await recordPositions(holder, group, [advance(generation, 0, 500n, 400n, 1)]);
      // The new owner's claim starts while that flush is still open...
      let claimedAt = 0;
      const next = claimPositions(pool, group, [partitions[1]!], 2).then((claims) => {
        claimedAt = Date.now();
        return claims;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(claimedAt).toBe(0); // ...and waits for it.
      const committedAt = Date.now();
      await holder.query('COMMIT');
      const [after] = await next;
      expect(claimedAt).toBeGreaterThanOrEqual(committedAt);
      expect(after).toMatchObject({
        generation: generation + 1n,
        nextOffset: 400n,
        laneOffsets: [500n, -1n],
      });
    } finally {
      holder.release();
    }
  });
});
