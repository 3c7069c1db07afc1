/**
 * A steady random workload on the source at a given rate of changes per second, until stopped.
 * Each worker has its own connection and its own rows; every tick it writes its share of the rate
 * in one transaction. When the source cannot keep up, the rate achieved is reported, not hidden.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { seededRandom } from '../../integration/support/workload.js';
import { randomStep, WorkerRows } from './workload-steps.js';

const TICK_MS = 100;
/** A worker that falls further behind than this forgets the backlog instead of bursting to catch up. */
const MAX_BACKLOG_MS = 1000;

export interface WorkloadOptions {
  readonly sourceUrl: string;
  /** Source changes per second, all workers together. */
  readonly ratePerSecond: number;
  readonly seed: number;
  readonly workers?: number;
  /** Above this many users (orders) per worker, inserts give way to deletes. */
  readonly maxRowsPerWorker?: number;
}

export interface WorkloadCounts {
  changes: number;
  transactions: number;
}

export interface RunningWorkload {
  readonly counts: WorkloadCounts;
  readonly startedAt: number;
  /** Stops after the transaction in progress; rejects if a worker failed. */
  stop(): Promise<WorkloadCounts>;
}

async function runWorker(
  options: WorkloadOptions,
  index: number,
  perTick: number,
  counts: WorkloadCounts,
  stopped: () => boolean,
): Promise<void> {
  const db = new pg.Client({ connectionString: options.sourceUrl });
  await db.connect();
  const random = seededRandom(options.seed * 31 + index);
  // E-mail addresses are unique in the source: the start time keeps a replayed seed (or a fault run
  // twice) from writing one an earlier workload wrote. The random choices stay the seed's.
  const tag = `chaos-${options.seed}-${index}-${Date.now().toString(36)}`;
  const rows = new WorkerRows(tag, options.maxRowsPerWorker ?? 2000);
  try {
    let carry = 0;
    let next = Date.now();
    while (!stopped()) {
      carry += perTick;
      const steps = Math.floor(carry);
      carry -= steps;
      if (steps > 0) {
        await db.query('BEGIN');
        for (let step = 0; step < steps; step += 1) counts.changes += await randomStep(db, rows, random);
        await db.query('COMMIT');
        counts.transactions += 1;
      }
      next += TICK_MS;
      const wait = next - Date.now();
      if (wait > 0) await sleep(wait);
      else if (wait < -MAX_BACKLOG_MS) next = Date.now();
    }
  } finally {
    await db.end();
  }
}

export function startWorkload(options: WorkloadOptions): RunningWorkload {
  const workers = options.workers ?? 1;
  const perTick = (options.ratePerSecond * TICK_MS) / 1000 / workers;
  const counts: WorkloadCounts = { changes: 0, transactions: 0 };
  let stopping = false;
  const running = Array.from({ length: workers }, (_, index) =>
    runWorker(options, index, perTick, counts, () => stopping),
  );
  // Surface a failure at stop(), not as an unhandled rejection in between.
  const settled = Promise.allSettled(running);
  return {
    counts,
    startedAt: Date.now(),
    async stop() {
      stopping = true;
      const failed = (await settled).find((result) => result.status === 'rejected');
      if (failed) throw new Error(`the workload failed: ${String(failed.reason)}`);
      return { ...counts };
    },
  };
}
