import { describe, expect, it } from 'vitest';
import { laneIndex } from '../../src/operators/lanes.js';
import { ClaimedPositions, lastOffsets, type PartitionClaim } from '../../src/positions/claimed.js';

/** `handled`'s lane under a lane count, from a change's lane key (as the pipeline hashes it). */
const laneOf =
  (key: string) =>
  (lanes: number): number =>
    laneIndex(key, lanes);

const claim = (overrides: Partial<PartitionClaim> = {}): PartitionClaim => ({
  topic: 't',
  partition: 0,
  generation: 1n,
  nextOffset: 10n,
  lanes: 2,
  laneOffsets: [-1n, -1n],
  ...overrides,
});

/** A key that the given lane count sends to `lane`. */
function keyOf(lane: number, lanes: number): string {
  for (let i = 0; ; i += 1) if (laneIndex(`row-${i}`, lanes) === lane) return `row-${i}`;
}

const at = (offset: number, partition = 0) => ({ topic: 't', partition, offset: String(offset) });

describe('ClaimedPositions', () => {
  it('counts every record below the next offset as handled, whatever its lane', () => {
    const claimed = new ClaimedPositions();
    claimed.replace([claim({ nextOffset: 10n })]);
    expect(claimed.handled(at(9), laneOf(keyOf(0, 2)))).toBe(true);
    expect(claimed.handled(at(9), laneOf(keyOf(1, 2)))).toBe(true);
    expect(claimed.handled(at(10), laneOf(keyOf(0, 2)))).toBe(false);
  });

  it("judges a record above it by its own lane's offset", () => {
    const claimed = new ClaimedPositions();
    claimed.replace([claim({ nextOffset: 10n, laneOffsets: [20n, 12n] })]);
    expect(claimed.handled(at(15), laneOf(keyOf(0, 2)))).toBe(true);
    expect(claimed.handled(at(15), laneOf(keyOf(1, 2)))).toBe(false);
    expect(claimed.handled(at(12), laneOf(keyOf(1, 2)))).toBe(true);
    expect(claimed.handled(at(21), laneOf(keyOf(0, 2)))).toBe(false);
  });

  it('uses the lane count that wrote the position, not the current one', () => {
    const claimed = new ClaimedPositions();
    claimed.replace([claim({ nextOffset: 0n, lanes: 3, laneOffsets: [50n, -1n, -1n] })]);
    expect(claimed.handled(at(40), laneOf(keyOf(0, 3)))).toBe(true);
    expect(claimed.handled(at(40), laneOf(keyOf(1, 3)))).toBe(false);
  });

  it('knows nothing of a partition it did not claim, and seeks only where the target knows a position', () => {
    const claimed = new ClaimedPositions();
    claimed.replace([claim({ partition: 0, nextOffset: 10n }), claim({ partition: 1, nextOffset: -1n })]);
    expect(claimed.handled(at(0, 7), laneOf('any'))).toBe(false);
    expect(claimed.seeks()).toEqual([{ topic: 't', partition: 0, offset: '10' }]);
    claimed.replace([]);
    expect(claimed.get('t', 0)).toBeUndefined();
  });
});

describe('ClaimedPositions.now', () => {
  it('keeps the claims a flush started with when a rebalance claims again', () => {
    const claimed = new ClaimedPositions();
    claimed.replace([claim({ generation: 4n })]);
    const atStart = claimed.now();
    claimed.replace([claim({ generation: 5n }), claim({ partition: 1, generation: 5n })]);
    expect(atStart('t', 0)?.generation).toBe(4n);
    expect(atStart('t', 1)).toBeUndefined();
    expect(claimed.now()('t', 0)?.generation).toBe(5n);
    expect(claimed.get('t', 1)?.generation).toBe(5n);
  });
});

describe('lastOffsets', () => {
  it('gives the highest offset per partition, as bigint (offsets are 64-bit)', () => {
    expect(
      lastOffsets([
        at(3),
        { topic: 't', partition: 0, offset: '9007199254740993' },
        at(5),
        { topic: 't', partition: 1, offset: '2' },
      ]),
    ).toEqual([
      { topic: 't', partition: 0, offset: 9007199254740993n },
      { topic: 't', partition: 1, offset: 2n },
    ]);
  });
});
