/**
 * `npm run bench:scale`: the pipeline as 1, 2 and 3 instances of one consumer group on the real
 * stack (its own: bench/scale-stack.ts), over BENCH_SCALE_TABLES tables (default 8) whose topics
 * have BENCH_SCALE_PARTITIONS partitions (default 4), captured by a Debezium connector of its own.
 *
 *   1. writes a backlog of BENCH_SCALE_BACKLOG new rows (default 60,000) and waits until Debezium
 *      has published every change;
 *   2. per instance count (BENCH_SCALE_INSTANCES, default 1,2,3), with a fresh group each:
 *      - drain: starts the instances; from the first poll that sees the group Stable with every
 *        instance in it, to the poll that finds every partition committed to its end: the change
 *        events committed in between ÷ the seconds;
 *      - steady: BENCH_SCALE_RATE changes/s (default 2,000) for BENCH_SCALE_SECONDS (default 20),
 *        then the source write → target row latency (p50/p99) of the rows written meanwhile;
 *      - spread: each instance's assigned partitions and change events read, from its /metrics.
 * Prints the machine, its load average before and after, and one table.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import pg from 'pg';
import { PROJECT_ROOT, stackPaths } from '../infra/stack/config.js';
import { registerBenchConnector, removeBenchConnector, waitSlotActive } from './connector.js';
import { fmt, machineLines } from './report.js';
import { checkRunning, instanceLoad, startInstances, stopInstances } from './scale-instances.js';
import { scaleStackDown, scaleStackUp } from './scale-stack.js';
import { createTables, steadyLoad, tableName, writeBacklog, writeToTargetLatency } from './scale-workload.js';

const positive = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0)
    throw new RangeError(`${name}=${process.env[name]} must be a positive whole number`);
  return value;
};

const TABLES = positive('BENCH_SCALE_TABLES', 8);
const PARTITIONS = positive('BENCH_SCALE_PARTITIONS', 4);
const BACKLOG = positive('BENCH_SCALE_BACKLOG', 60_000);
const RATE = positive('BENCH_SCALE_RATE', 2000);
const SECONDS = positive('BENCH_SCALE_SECONDS', 20);
const COUNTS = (process.env.BENCH_SCALE_INSTANCES ?? '1,2,3').split(',').map(Number);
const PREFIX = 'scale';
const CONNECTOR = {
  // A fresh name each run: Connect keeps a source connector's offsets by its name, and the slot they
  // point into is dropped at the end of every run.
  name: `bench-scale-source-${Date.now()}`,
  prefix: PREFIX,
  slot: 'bench_scale_slot',
  publication: 'bench_scale_publication',
  tables: Array.from({ length: TABLES }, (_, i) => `public.${tableName(i)}`),
};
const WRITERS = 4;
const FIRST_METRICS_PORT = 46_464;
const POLL_MS = 100;
const TOPIC_ATTEMPTS = 10;
const PUBLISH_TIMEOUT_MS = 300_000;
const DRAIN_TIMEOUT_MS = 600_000;
const say = (line: string): void => console.log(line);

const topics = Array.from({ length: TABLES }, (_, i) => `${PREFIX}.public.${tableName(i)}`);

/** Sum over every partition of the topics: their end offsets, or what `groupId` committed. */
async function endOffsets(admin: Admin): Promise<number> {
  let sum = 0;
  for (const topic of topics)
    for (const { high } of await admin.fetchTopicOffsets(topic)) sum += Number(high);
  return sum;
}

async function committedOffsets(admin: Admin, groupId: string): Promise<number> {
  let sum = 0;
  for (const { partitions } of await admin.fetchOffsets({ groupId, topics }))
    for (const { offset } of partitions) sum += Math.max(0, Number(offset));
  return sum;
}

/**
 * The topics, made up front with the partitions asked (the instances subscribe to them by pattern);
 * those of an earlier run (BENCH_KEEP_STACK) are deleted first. Ready once every partition answers.
 */
async function createTopics(admin: Admin): Promise<void> {
  // Just after a start or a delete the broker may still answer metadata requests for what it does
  // not host yet: try again a few times.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await recreateTopics(admin);
    } catch (error) {
      if (attempt === TOPIC_ATTEMPTS) throw error;
      await sleep(2000);
    }
  }
}

async function recreateTopics(admin: Admin): Promise<void> {
  const existing = (await admin.listTopics()).filter((topic) => topic.startsWith(`${PREFIX}.`));
  if (existing.length > 0) {
    await admin.deleteTopics({ topics: existing });
    while ((await admin.listTopics()).some((topic) => existing.includes(topic))) await sleep(200);
  }
  const present = await admin.listTopics();
  const missing = topics.filter((topic) => !present.includes(topic));
  await admin.createTopics({
    topics: missing.map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })),
  });
  for (;;) {
    const ready = await endOffsets(admin).then(
      () => true,
      () => false,
    );
    if (ready) return;
    await sleep(200);
  }
}

/** Waits until the topics hold `expected` messages (Debezium has published every change). */
async function waitPublished(admin: Admin, expected: number): Promise<void> {
  const deadline = Date.now() + PUBLISH_TIMEOUT_MS;
  while ((await endOffsets(admin)) < expected) {
    if (Date.now() > deadline) throw new Error(`Debezium did not publish ${expected} changes in time`);
    await sleep(500);
  }
}

interface Result {
  readonly instances: number;
  readonly drained: number;
  readonly drainSeconds: number;
  readonly steadyRate: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly partitions: number[];
  readonly read: number[];
}

async function main(): Promise<void> {
  const urls = await scaleStackUp(say);
  const sourcePort = Number(new URL(urls.SOURCE_DATABASE_URL).port);
  const source = new pg.Client({ connectionString: urls.SOURCE_DATABASE_URL });
  const target = new pg.Client({ connectionString: urls.TARGET_DATABASE_URL });
  await source.connect();
  await target.connect();
  const writers = new pg.Pool({ connectionString: urls.SOURCE_DATABASE_URL, max: WRITERS });
  const kafka = new Kafka({
    clientId: 'bench-scale',
    brokers: urls.KAFKA_BROKERS.split(','),
    logLevel: logLevel.ERROR,
  });
  const admin = kafka.admin();
  await admin.connect();
  const results: Result[] = [];
  try {
    say('Building the pipeline (npm run build)…');
    execFileSync('npm', ['run', '-s', 'build'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
    const machine = await machineLines(PROJECT_ROOT, target);
    await createTables(source, target, TABLES);
    await createTopics(admin);
    for (let ready = false; !ready;) {
      ready = await endOffsets(admin).then(
        () => true,
        () => false,
      );
      if (!ready) await sleep(200);
    }
    await registerBenchConnector(urls.CONNECT_URL, { ...CONNECTOR, sourcePort });
    await waitSlotActive(source, CONNECTOR.slot);
    say(`Writing a backlog of ${fmt(BACKLOG)} changes over ${TABLES} tables…`);
    let nextId = await writeBacklog(source, TABLES, BACKLOG);
    await waitPublished(admin, Math.floor(BACKLOG / TABLES) * TABLES);

    for (const count of COUNTS) {
      const groupId = `bench-scale-${count}-${Date.now()}`;
      say(`${count} instance${count > 1 ? 's' : ''}: draining the topics…`);
      const instances = startInstances({
        root: PROJECT_ROOT,
        logs: stackPaths().logs,
        count,
        firstMetricsPort: FIRST_METRICS_PORT,
        env: {
          KAFKA_BROKERS: urls.KAFKA_BROKERS,
          TARGET_DATABASE_URL: urls.TARGET_DATABASE_URL,
          PIPELINE_TOPIC_PATTERN: `^${PREFIX}\\.public\\.scale_\\d+$`,
          PIPELINE_TOPIC_PREFIX: PREFIX,
          PIPELINE_GROUP_ID: groupId,
          // Each count is a fresh group replaying every topic onto the same tables.
          PIPELINE_NEW_GROUP_START: 'earliest',
        },
      });
      try {
        const end = await endOffsets(admin);
        const deadline = Date.now() + DRAIN_TIMEOUT_MS;
        let started: { at: number; committed: number } | undefined;
        let drainSeconds = 0;
        let drained = 0;
        for (;;) {
          checkRunning(instances);
          if (Date.now() > deadline) throw new Error(`not drained within ${DRAIN_TIMEOUT_MS / 1000} s`);
          if (started === undefined) {
            const [group] = (await admin.describeGroups([groupId])).groups;
            if (group?.state === 'Stable' && group.members.length === count)
              started = { at: performance.now(), committed: await committedOffsets(admin, groupId) };
          } else {
            const committed = await committedOffsets(admin, groupId);
            if (committed >= end) {
              drainSeconds = (performance.now() - started.at) / 1000;
              drained = end - started.committed;
              break;
            }
          }
          await sleep(POLL_MS);
        }
        say(`  drained ${fmt(drained)} change events in ${drainSeconds.toFixed(2)} s; steady load…`);
        const since = new Date();
        const before = await endOffsets(admin);
        const loadStart = performance.now();
        ({ nextId } = await steadyLoad(writers, { tables: TABLES, rate: RATE, seconds: SECONDS, nextId }));
        const loadSeconds = (performance.now() - loadStart) / 1000;
        // Caught up: every change Debezium published since is committed by the group.
        for (;;) {
          checkRunning(instances);
          const published = await endOffsets(admin);
          if (published > before && (await committedOffsets(admin, groupId)) >= published) {
            const steadyRate = (published - before) / loadSeconds;
            const latency = await writeToTargetLatency(target, TABLES, since);
            const loads = await Promise.all(instances.map(instanceLoad));
            results.push({
              instances: count,
              drained,
              drainSeconds,
              steadyRate,
              p50Ms: latency.p50Ms,
              p99Ms: latency.p99Ms,
              partitions: loads.map((load) => load.partitions),
              read: loads.map((load) => load.recordsRead),
            });
            break;
          }
          await sleep(500);
        }
      } finally {
        await stopInstances(instances);
      }
    }

    say('');
    for (const line of machine) say(line);
    say(
      `load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} at the end`,
    );
    say(
      `${TABLES} tables × ${PARTITIONS} partitions; backlog ${fmt(BACKLOG)} new rows; steady ${fmt(RATE)} changes/s for ${SECONDS} s, ${5} rows per source transaction`,
    );
    const header = [
      'instances',
      'drained (change events)',
      'drain s',
      'drain changes/s',
      'steady changes/s',
      'write → target p50 / p99 ms',
      'partitions per instance',
      'change events read per instance (drain + steady)',
    ];
    const rows = results.map((r) => [
      String(r.instances),
      fmt(r.drained),
      r.drainSeconds.toFixed(2),
      fmt(Math.round(r.drained / r.drainSeconds)),
      fmt(Math.round(r.steadyRate)),
      `${Math.round(r.p50Ms)} / ${Math.round(r.p99Ms)}`,
      r.partitions.join(' / '),
      r.read.map(fmt).join(' / '),
    ]);
    const all = [header, ...rows];
    const widths = header.map((_, c) => Math.max(...all.map((cells) => cells[c]!.length)));
    say('');
    for (const [i, cells] of all.entries()) {
      say(
        `| ${cells.map((cell, c) => (c >= 6 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`,
      );
      if (i === 0) say(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
    }
  } finally {
    await admin.disconnect();
    await removeBenchConnector(urls.CONNECT_URL, source, CONNECTOR);
    await writers.end();
    await source.end();
    await target.end();
    if (process.env.BENCH_KEEP_STACK !== '1') await scaleStackDown(say);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
