/**
 * `npm run soak -- --minutes 30 --rate 2000`: a steady random workload on the source of the chaos
 * suite's own stack, the pipeline applying it as a child process, and every sample (a minute by
 * default) its RSS, its V8 heap (from --trace-gc, no inspector), the group's lag and the end-to-end
 * lag from source write to target row. At the end: RSS flat within ±10% after the warm-up, and the
 * target equal to the source once drained. Exits 1 when either fails or the pipeline exited.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Command, InvalidArgumentError } from 'commander';
import { Kafka, logLevel } from 'kafkajs';
import { waitCaughtUp } from '../test/chaos/support/catch-up.js';
import { GcTrace } from '../test/chaos/support/memory.js';
import {
  CHAOS_GROUP_ID,
  describeExit,
  startPipeline,
  stopGracefully,
  waitConsuming,
} from '../test/chaos/support/pipeline-process.js';
import { prepareChaosStack } from '../test/chaos/support/prepared-stack.js';
import { RSS_TOLERANCE, rssVerdict } from '../test/chaos/support/rss-verdict.js';
import { sampleHeader, sampleRow, takeSample, type SoakSample } from '../test/chaos/support/soak-sample.js';
import { startWorkload } from '../test/chaos/support/workload.js';

const START_TIMEOUT_MS = 120_000;
/** Backlog left from earlier runs, and the drain at the end, may take a while at full rate. */
const CATCH_UP_TIMEOUT_MS = 600_000;
const QUIET_MS = 2000;
/** Rows per workload worker: the tables stay this size, so the soak measures a steady state. */
const ROWS_PER_WORKER = 5000;
/** Below this share of the asked rate, the summary says the source (or the machine) could not keep up. */
const RATE_SHORTFALL = 0.9;

interface SoakFlags {
  minutes: number;
  rate: number;
  sampleSeconds: number;
  warmupMinutes: number | undefined;
  workers: number;
  keepStack: boolean;
}

function positive(raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError('must be a positive number');
  return value;
}

const say = (line: string): void => console.log(line);

async function soak(flags: SoakFlags): Promise<boolean> {
  const warmupMinutes = flags.warmupMinutes ?? Math.min(5, flags.minutes / 3);
  const { stack, release } = await prepareChaosStack(say, { keepStack: flags.keepStack, audit: false });
  const pipeline = startPipeline(stack, {
    name: 'pipeline-soak',
    groupId: CHAOS_GROUP_ID,
    // SOAK_NODE_FLAGS: extra node flags for experiments (e.g. --cpu-prof).
    nodeFlags: ['--trace-gc', ...(process.env.SOAK_NODE_FLAGS ?? '').split(' ').filter(Boolean)],
  });
  const admin = new Kafka({ brokers: [stack.urls.KAFKA_BROKERS], logLevel: logLevel.NOTHING }).admin();
  try {
    await waitConsuming(pipeline, START_TIMEOUT_MS);
    await admin.connect();
    const before = await waitCaughtUp(stack, CHAOS_GROUP_ID, {
      timeoutMs: CATCH_UP_TIMEOUT_MS,
      quietMs: QUIET_MS,
    });
    if (before.caughtUpAt === undefined) throw new Error('the pipeline did not catch up before the soak');
    say(
      `pipeline pid ${pipeline.pid}; ${flags.rate} changes/s for ${flags.minutes} min, warm-up ${warmupMinutes.toFixed(1)} min`,
    );
    say(
      `heap: V8's heap in use after the last GC of the sample (full-GC heap: after the last mark-compact)\n`,
    );
    say(sampleHeader());
    const gc = new GcTrace(pipeline.logFile, pipeline.logStart);
    const workload = startWorkload({
      sourceUrl: stack.urls.SOURCE_DATABASE_URL,
      ratePerSecond: flags.rate,
      seed: Date.now() % 1_000_000,
      workers: flags.workers,
      maxRowsPerWorker: ROWS_PER_WORKER,
    });
    const samples: SoakSample[] = [];
    const started = Date.now();
    let window = { start: new Date(), changes: 0 };
    while (Date.now() - started < flags.minutes * 60_000 && !pipeline.exit) {
      await sleep(Math.min(flags.sampleSeconds * 1000, started + flags.minutes * 60_000 - Date.now()));
      const seconds = (Date.now() - window.start.getTime()) / 1000;
      const changes = workload.counts.changes;
      const sample = await takeSample({
        pid: pipeline.pid,
        gc,
        admin,
        groupId: CHAOS_GROUP_ID,
        targetUrl: stack.urls.TARGET_DATABASE_URL,
        windowStart: window.start,
        minute: (Date.now() - started) / 60_000,
        changesPerSecond: (changes - window.changes) / seconds,
      });
      window = { start: new Date(), changes };
      samples.push(sample);
      say(sampleRow(sample));
    }
    const written = await workload.stop();
    const achieved = written.changes / ((Date.now() - started) / 1000);
    const drainStart = Date.now();
    const after = await waitCaughtUp(stack, CHAOS_GROUP_ID, {
      timeoutMs: CATCH_UP_TIMEOUT_MS,
      quietMs: QUIET_MS,
    });
    const verdict = rssVerdict(
      samples
        .filter((sample) => sample.minute > warmupMinutes && sample.rssMiB !== undefined)
        .map((s) => s.rssMiB!),
    );
    say('');
    say(
      `${achieved >= flags.rate * RATE_SHORTFALL ? '✓' : '!'} the workload wrote ${written.changes} changes, ${achieved.toFixed(0)}/s on average (asked: ${flags.rate}/s)`,
    );
    if (pipeline.exit) say(`✗ the pipeline exited during the soak: ${describeExit(pipeline.exit)}`);
    if (!verdict) say(`? RSS: no sample after the ${warmupMinutes}-minute warm-up; run longer to judge`);
    else {
      const range = `${verdict.minMiB.toFixed(1)}–${verdict.maxMiB.toFixed(1)} MiB against ${verdict.baselineMiB.toFixed(1)} MiB when the warm-up ended`;
      say(
        `${verdict.flat ? '✓' : '✗'} RSS ${verdict.flat ? 'flat' : 'NOT flat'} within ±${RSS_TOLERANCE * 100}% after the warm-up: ${range} (${verdict.samples} samples)`,
      );
    }
    const drained = after.caughtUpAt !== undefined;
    say(
      drained
        ? `✓ drained ${((after.caughtUpAt! - drainStart) / 1000).toFixed(1)} s after the workload stopped; target equals source`
        : `✗ not drained within ${CATCH_UP_TIMEOUT_MS / 1000} s (lag ${after.lag ?? '?'})`,
    );
    return !pipeline.exit && verdict?.flat === true && drained;
  } finally {
    await admin.disconnect();
    await stopGracefully(pipeline);
    release();
  }
}

new Command('soak')
  .description('Steady load through the pipeline: memory and lag every sample, and an RSS verdict.')
  .option('--minutes <n>', 'how long the load runs', positive, 30)
  .option('--rate <changes/s>', 'source changes per second', positive, 2000)
  .option('--sample-seconds <n>', 'seconds between samples', positive, 60)
  .option(
    '--warmup-minutes <n>',
    'samples before this are not judged (default: a third of the run, at most 5)',
    positive,
  )
  .option('--workers <n>', 'source connections writing the load', positive, 2)
  .option('--keep-stack', 'leave the chaos stack running afterwards', false)
  .action(async (flags: SoakFlags) => {
    process.exitCode = (await soak({ ...flags, workers: Math.round(flags.workers) })) ? 0 : 1;
  })
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    console.error(`✗ ${(error as Error).message}`);
    process.exitCode = 1;
  });
