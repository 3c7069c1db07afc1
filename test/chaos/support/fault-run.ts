/**
 * One fault, judged: workload on, fault, workload off, wait until the pipeline has caught up, then
 * count what differs (lost) and what was applied twice, and check the process that had to survive.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { auditCounts, resetAudit } from './audit.js';
import { waitCaughtUp } from './catch-up.js';
import { withClient } from './db.js';
import type { Fault, FaultContext, FaultEnd } from './fault-catalog.js';
import { FAULT_NAMES } from './options.js';
import { describeExit } from './pipeline-process.js';
import { differingKeys } from './row-hash.js';
import { startWorkload } from './workload.js';

export interface FaultResult {
  readonly fault: string;
  readonly downtime: string;
  /** Fault end → lag 0 and equal rows; undefined when it never came. */
  readonly recoveryMs: number | undefined;
  /** Source changes the workload wrote during the fault's run. */
  readonly changes: number;
  /** Keys whose target row differs from the source's after catching up (or giving up); undefined: not measured. */
  readonly lost: number | undefined;
  readonly appliedTwice: number | undefined;
  /** What became of the pipeline process that had to ride the fault out. */
  readonly pipeline: string;
  /** That process still runs, never having exited (true when the fault requires none to). */
  readonly survived: boolean;
  readonly notes: readonly string[];
  readonly passed: boolean;
}

function survival(end: FaultEnd): { text: string; survived: boolean } {
  const watched = end.mustStillRun;
  if (!watched) return { text: '-', survived: true };
  if (watched.exit) return { text: `pid ${watched.pid} ${describeExit(watched.exit)}`, survived: false };
  return { text: `pid ${watched.pid} kept running`, survived: true };
}

export async function runFault(context: FaultContext, fault: Fault): Promise<FaultResult> {
  const { stack, options } = context;
  await withClient(stack.urls.TARGET_DATABASE_URL, resetAudit);
  const exitsBefore = context.pipeline.unexpectedExits.length;
  const workload = startWorkload({
    sourceUrl: stack.urls.SOURCE_DATABASE_URL,
    ratePerSecond: options.ratePerSecond,
    // Each fault its own stream of changes, all replayable from the run's seed.
    seed: options.seed + FAULT_NAMES.indexOf(fault.name) + 1,
  });
  await sleep(options.warmupMs);
  const supervisor = context.pipeline;
  let end: FaultEnd;
  try {
    end = await fault.inject(context);
  } finally {
    await workload.stop();
  }
  const written = workload.counts.changes;
  const caught = await waitCaughtUp(stack, context.groupId, {
    timeoutMs: options.recoverTimeoutMs,
    quietMs: options.quietMs,
  });
  const audit = await withClient(stack.urls.TARGET_DATABASE_URL, auditCounts);
  const lost = caught.diffs.reduce((sum, diff) => sum + differingKeys(diff), 0);
  const { text, survived } = survival(end);
  const notes = [...end.notes];
  const exits = supervisor.exitsSince(exitsBefore);
  if (exits.length > 0)
    notes.push(`the service exited by itself (restarted by the suite): ${exits.join(', ')}`);
  if (caught.caughtUpAt === undefined) {
    notes.push(`not caught up within ${options.recoverTimeoutMs / 1000} s: lag ${caught.lag ?? '?'}`);
  }
  return {
    fault: fault.label,
    downtime: end.downtime,
    recoveryMs: caught.caughtUpAt === undefined ? undefined : Math.max(0, caught.caughtUpAt - end.endedAt),
    changes: written,
    lost,
    appliedTwice: audit.appliedTwice,
    pipeline: text,
    survived,
    notes,
    passed: caught.caughtUpAt !== undefined && lost === 0 && survived,
  };
}
