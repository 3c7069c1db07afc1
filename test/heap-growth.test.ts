import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HeapGrowthPolicy } from '../src/heap-growth.js';
import type { PipelineReport } from '../src/pipeline.js';

/** A flush report of `received` changes. */
const flush = (received: number): PipelineReport => ({
  type: 'flush',
  lane: 0,
  received,
  written: received,
  failed: 0,
  ms: 20,
  applied: [],
  sourceTsMs: [],
  alreadyApplied: 0,
});

describe('HeapGrowthPolicy', () => {
  let flags: string[];
  let policy: HeapGrowthPolicy | undefined;
  const make = (percent: number, behindPercent?: number): HeapGrowthPolicy =>
    (policy = new HeapGrowthPolicy({
      percent,
      behindPercent,
      fullBatch: 2500,
      quietMs: 30_000,
      setFlags: (set) => flags.push(set),
    }));

  beforeEach(() => {
    vi.useFakeTimers();
    flags = [];
  });
  afterEach(() => {
    policy?.stop();
    vi.useRealTimers();
  });

  it('bounds the heap from the start while the pipeline keeps up (small batches)', () => {
    const heap = make(100);
    expect(flags).toEqual(['--heap-growing-percent=100']);
    heap.report(flush(40));
    heap.report(flush(2499));
    vi.advanceTimersByTime(120_000);
    expect(heap.isBounded).toBe(true);
    expect(flags).toEqual(['--heap-growing-percent=100']);
  });

  it('leaves growth to V8 while full batches say the pipeline is behind, and bounds it again once quiet', () => {
    const heap = make(100);
    heap.report(flush(2500));
    expect(heap.isBounded).toBe(false);
    expect(flags.at(-1)).toBe('--heap-growing-percent=0');
    // Full batches keep coming while the backlog drains: the bound stays off.
    for (let second = 0; second < 60; second += 10) {
      vi.advanceTimersByTime(10_000);
      heap.report(flush(5000));
    }
    heap.report(flush(12));
    expect(heap.isBounded).toBe(false);
    vi.advanceTimersByTime(25_000);
    expect(heap.isBounded).toBe(false);
    vi.advanceTimersByTime(10_000);
    expect(heap.isBounded).toBe(true);
    expect(flags).toEqual([
      '--heap-growing-percent=100',
      '--heap-growing-percent=0',
      '--heap-growing-percent=100',
    ]);
  });

  it('holds a bound of its own while behind when one is given, and the steady one again once quiet', () => {
    const heap = make(100, 150);
    heap.report(flush(2500));
    heap.report(flush(5000));
    expect(heap.isBounded).toBe(false);
    vi.advanceTimersByTime(35_000);
    expect(heap.isBounded).toBe(true);
    expect(flags).toEqual([
      '--heap-growing-percent=100',
      '--heap-growing-percent=150',
      '--heap-growing-percent=100',
    ]);
  });

  it('never touches V8 when the bound is off (0)', () => {
    const heap = make(0);
    heap.report(flush(5000));
    vi.advanceTimersByTime(120_000);
    expect(flags).toEqual([]);
    expect(heap.isBounded).toBe(false);
  });
});
