/**
 * `npm run bench`: one run, same data, same target, on the bench's own stack (bench/stack.ts).
 *
 *   1. fills a topic with BENCH_EVENTS Debezium messages (default 200,000: inserts, updates,
 *      deletes each followed by its tombstone, over BENCH_KEYS keys, BENCH_PARTITIONS partitions),
 *      and a smaller topic of the same mix for the naive consumer;
 *   2. raw limits: kafkajs consuming the whole topic, alone and with JSON.parse; COPY of the final rows;
 *   3. this pipeline draining the backlog (the built service): 1 instance, then 2 in one group;
 *   4. the peer, Debezium's JDBC sink, in each configuration of bench/peer.ts;
 *   5. the naive per-record consumer on its own topic;
 * checks the target after every drain, and prints the machine, the versions and one table.
 * BENCH_SYSTEMS (comma list of raw, pipeline, pipeline-alo, pipeline2, peer, naive) runs a subset.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { PROJECT_ROOT, stackPaths } from '../infra/stack/config.js';
import { BENCH_TABLE, TARGET_DDL } from './events.js';
import { fillTopic, type Backlog } from './fill.js';
import { runNaiveConsumer } from './naive-consumer.js';
import { PEER_CONFIGS, PEER_DEFAULTS, runPeer } from './peer.js';
import { describeCpu, describeMachineCpu, microsPerMessage } from './cpu.js';
import { runPipelineService } from './pipeline-run.js';
import { consumeRaw, copyFinalRows } from './raw-limits.js';
import { fmt, machineLines, printTable, type Row, type RunCpu } from './report.js';
import { benchStackDown, benchStackUp } from './stack.js';
import { verifyTarget } from './verify.js';

const positive = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0)
    throw new RangeError(`${name}=${process.env[name]} must be a positive whole number`);
  return value;
};

const EVENTS = positive('BENCH_EVENTS', 200_000);
const KEYS = positive('BENCH_KEYS', Math.max(1000, Math.floor(EVENTS / 4)));
const PARTITIONS = positive('BENCH_PARTITIONS', 4);
// The naive consumer's topic keeps the main one's ratio of events to keys: the same mix of changes.
const NAIVE_EVENTS = Math.min(EVENTS, positive('BENCH_NAIVE_EVENTS', 4000));
const NAIVE_KEYS = Math.max(1, Math.round((NAIVE_EVENTS * KEYS) / EVENTS));
const DRAIN_TIMEOUT_MS = 10 * 60_000;
/** Each pipeline configuration runs this many times (noisy machines). */
const RUNS = positive('BENCH_RUNS', 1);
const SYSTEMS = new Set(
  (process.env.BENCH_SYSTEMS ?? 'raw,pipeline,pipeline-alo,pipeline2,peer,naive').split(','),
);
const PREFIX = 'bench';
const TOPIC = `${PREFIX}.public.${BENCH_TABLE}`;
const NAIVE_PREFIX = 'bench-naive';

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const say = (line: string): void => console.log(line);
const describe = (b: Backlog): string =>
  `${fmt(b.messages)} messages: ${fmt(b.changes)} change events + ${fmt(b.tombstones)} tombstones, ${fmt(b.finalRows.length)} final rows`;

async function main(): Promise<void> {
  const urls = await benchStackUp(say);
  const kafka = new Kafka({
    clientId: 'bench',
    brokers: urls.KAFKA_BROKERS.split(','),
    logLevel: logLevel.ERROR,
  });
  const admin = kafka.admin();
  await admin.connect();
  const target = new pg.Client({ connectionString: urls.TARGET_DATABASE_URL });
  await target.connect();
  const rows: Row[] = [];
  try {
    const machine = await machineLines(PROJECT_ROOT, target);
    say('Building the pipeline (npm run build)…');
    execFileSync('npm', ['run', '-s', 'build'], { cwd: PROJECT_ROOT, stdio: 'inherit' });

    say(`Filling ${TOPIC}: ${fmt(EVENTS)} messages over ${fmt(KEYS)} keys, ${PARTITIONS} partitions…`);
    const random = seeded(42);
    const fillOptions = { kafka, admin, keys: KEYS, partitions: PARTITIONS, random };
    const backlog = await fillTopic({ ...fillOptions, prefix: PREFIX, topic: TOPIC, events: EVENTS });
    say(`  ${describe(backlog)}`);
    await target.query(`DROP TABLE IF EXISTS ${BENCH_TABLE}`);
    await target.query(TARGET_DDL);
    if (process.env.BENCH_FILL_ONLY === '1') {
      say(`BENCH_FILL_ONLY=1: ${TOPIC} and the empty ${BENCH_TABLE} are left for a run by hand.`);
      return;
    }

    /** A run's CPU as the table gives it: per message of the backlog, whatever the row counts. */
    const cpuOf = (run: { cpuSeconds: number; machineBusySeconds: number }): RunCpu => ({
      seconds: run.cpuSeconds,
      machineBusySeconds: run.machineBusySeconds,
      messages: backlog.messages,
    });

    if (SYSTEMS.has('raw')) {
      // With the parse first, as the raw limit always was measured: the client's code is not yet warm.
      for (const parse of [true, false]) {
        const system = parse ? 'raw: kafkajs consume + JSON.parse' : 'raw: kafkajs consume alone';
        say(`${system} of every message…`);
        const raw = await consumeRaw({
          brokers: urls.KAFKA_BROKERS,
          topic: TOPIC,
          total: backlog.messages,
          parse,
        });
        say(
          `  ${raw.seconds.toFixed(2)} s; ${describeCpu(raw.cpuSeconds, backlog.messages)} of the client; ${describeMachineCpu(raw.machineBusySeconds, raw.seconds, backlog.messages)}`,
        );
        rows.push({
          system,
          unit: 'messages',
          count: backlog.messages,
          seconds: raw.seconds,
          cpu: cpuOf(raw),
        });
      }
      say(`Raw limit: COPY of the ${fmt(backlog.finalRows.length)} final rows…`);
      const copySeconds = await copyFinalRows({
        targetUrl: urls.TARGET_DATABASE_URL,
        rows: backlog.finalRows,
      });
      rows.push({
        system: 'raw: COPY of the final rows',
        unit: 'rows',
        count: backlog.finalRows.length,
        seconds: copySeconds,
      });
    }

    const pipelineEnv = {
      KAFKA_BROKERS: urls.KAFKA_BROKERS,
      TARGET_DATABASE_URL: urls.TARGET_DATABASE_URL,
      PIPELINE_TOPIC_PATTERN: `^${TOPIC.replaceAll('.', '\\.')}$`,
      PIPELINE_TOPIC_PREFIX: PREFIX,
    };
    const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    let peakRss: number | undefined;
    const runs = Array.from({ length: RUNS }, (_, i) => (RUNS > 1 ? ` (run ${i + 1})` : ''));
    // Effectively-once (the default) against Kafka commits alone: what keeping positions costs.
    const variants = [
      { key: 'pipeline', instances: 1, delivery: 'effectively-once', label: '' },
      { key: 'pipeline-alo', instances: 1, delivery: 'at-least-once', label: ', at-least-once' },
      { key: 'pipeline2', instances: 2, delivery: 'effectively-once', label: '' },
    ] as const;
    for (const [variant, run] of variants.flatMap((v) => runs.map((label) => [v, label] as const))) {
      const { instances } = variant;
      if (!SYSTEMS.has(variant.key)) continue;
      const system = `this pipeline, ${instances} instance${instances > 1 ? 's' : ''}${variant.label}${run}`;
      say(`${system}: draining the backlog…`);
      await target.query(`TRUNCATE ${BENCH_TABLE}`);
      try {
        const drain = await runPipelineService({
          admin,
          root: PROJECT_ROOT,
          logs: stackPaths().logs,
          env: { ...pipelineEnv, PIPELINE_DELIVERY: variant.delivery },
          instances,
          groupId: `bench-pipeline-${Date.now()}`,
          backlog,
          timeoutMs: DRAIN_TIMEOUT_MS,
          nodeArgs,
        });
        const verified = await verifyTarget(target, backlog.finalRows);
        say(
          `  ${drain.seconds.toFixed(2)} s; ${describeCpu(drain.cpuSeconds, backlog.messages)} (and ${drain.startupCpuSeconds.toFixed(2)} s starting); ${describeMachineCpu(drain.machineBusySeconds, drain.seconds, backlog.messages)}; ${verified}`,
        );
        const cpu = cpuOf(drain);
        rows.push({ system, unit: 'change events', count: backlog.changes, seconds: drain.seconds, cpu });
        if (variant.key === 'pipeline') {
          // Beside the raw consume + parse, which counts messages.
          rows.push({ system, unit: 'messages', count: backlog.messages, seconds: drain.seconds, cpu });
          peakRss = Math.max(peakRss ?? 0, drain.peakRssMb);
        }
      } catch (error) {
        rows.push({ system, unit: 'change events', count: backlog.changes, note: (error as Error).message });
      }
    }

    if (SYSTEMS.has('peer')) {
      const configs =
        process.env.BENCH_PEER_DEFAULTS === '1' ? [...PEER_CONFIGS, PEER_DEFAULTS] : PEER_CONFIGS;
      for (const config of configs) {
        const system = `Debezium JDBC sink, ${config.label}`;
        say(`${system}…`);
        const result = await runPeer({
          config,
          connectUrl: urls.CONNECT_URL,
          targetUrl: urls.TARGET_DATABASE_URL,
          admin,
          target,
          backlog,
          timeoutMs: DRAIN_TIMEOUT_MS,
        });
        if ('seconds' in result) {
          say(
            `  ${result.seconds.toFixed(2)} s; ${describeCpu(result.cpuSeconds, backlog.messages)} of the Connect worker; ${describeMachineCpu(result.machineBusySeconds, result.seconds, backlog.messages)}; ${result.verified}`,
          );
          rows.push({
            system,
            unit: 'change events',
            count: backlog.changes,
            seconds: result.seconds,
            cpu: cpuOf(result),
          });
        } else {
          say(`  failed: ${result.failed}`);
          rows.push({ system, unit: 'change events', count: backlog.changes, note: result.failed });
        }
      }
    }

    if (SYSTEMS.has('naive')) {
      say(
        `Naive consumer: ${fmt(NAIVE_EVENTS)} messages of the same mix, one statement and one commit each…`,
      );
      const naiveTopic = `${NAIVE_PREFIX}.public.${BENCH_TABLE}`;
      const naive = await fillTopic({
        ...fillOptions,
        keys: NAIVE_KEYS,
        random: seeded(7),
        prefix: NAIVE_PREFIX,
        topic: naiveTopic,
        events: NAIVE_EVENTS,
      });
      say(`  ${describe(naive)}`);
      await target.query(`TRUNCATE ${BENCH_TABLE}`);
      const seconds = await runNaiveConsumer({
        brokers: urls.KAFKA_BROKERS,
        topic: naiveTopic,
        targetUrl: urls.TARGET_DATABASE_URL,
        limit: naive.messages,
      });
      await verifyTarget(target, naive.finalRows);
      rows.push({
        system: 'naive consumer (per record)',
        unit: 'change events',
        count: naive.changes,
        seconds,
      });
      await admin.deleteTopics({ topics: [naiveTopic] }).catch(() => undefined);
    }

    const rateOf = (system: string, unit: Row['unit']): number | undefined => {
      const row = rows.find((r) => r.system === system && r.unit === unit && r.seconds !== undefined);
      return row && row.count / row.seconds!;
    };
    const best = (prefix: string): Row | undefined =>
      rows
        .filter((r) => r.system.startsWith(prefix) && r.unit === 'change events' && r.seconds !== undefined)
        .sort((a, b) => a.seconds! - b.seconds!)[0];
    say('');
    for (const line of machine) say(line);
    say(`backlog: ${describe(backlog)}, ${PARTITIONS} partitions`);
    say('');
    printTable(
      rows,
      {
        'change events': rateOf(`this pipeline, 1 instance${runs[0]}`, 'change events'),
        messages: rateOf(`this pipeline, 1 instance${runs[0]}`, 'messages'),
      },
      say,
    );
    say('');
    const ours = best('this pipeline');
    const peer = best('Debezium JDBC sink');
    if (ours && peer)
      say(
        `best of this pipeline (${ours.system}) ÷ best of the peer (${peer.system.replace('Debezium JDBC sink, ', '')}): ` +
          `${(peer.seconds! / ours.seconds!).toFixed(2)}× (target ≥ 2×)`,
      );
    if (peer?.seconds) {
      const alone = rows.find((r) => r.system === 'raw: kafkajs consume alone')?.cpu;
      const floor =
        alone &&
        ` kafkajs consuming alone, before any parse, takes ${microsPerMessage(alone.machineBusySeconds, alone.messages)} µs of it (the client ${microsPerMessage(alone.seconds, alone.messages)}, the broker and the system the rest)`;
      say(
        `2× the peer's best is ${(peer.seconds / 2).toFixed(2)} s: all ${os.cpus().length} cores busy throughout give ${microsPerMessage((os.cpus().length * peer.seconds) / 2, backlog.messages)} µs a message of machine time for everything;` +
          (floor === undefined ? '' : `${floor}.`),
      );
    }
    const parse = rows.find((r) => r.system === 'raw: kafkajs consume + JSON.parse');
    const mine = rateOf(`this pipeline, 1 instance${runs[0]}`, 'messages');
    if (parse?.seconds && mine)
      say(
        `pipeline (1 instance) ÷ raw consume + parse, in messages/s: ${((mine / (parse.count / parse.seconds)) * 100).toFixed(0)}% (target ≥ 60%)`,
      );
    if (peakRss !== undefined) say(`pipeline peak RSS (1 instance): ${peakRss.toFixed(0)} MB (VmHWM)`);
    say(
      `load average at the end: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    await admin.deleteTopics({ topics: [TOPIC] }).catch(() => undefined);
    await target.query(`DROP TABLE IF EXISTS ${BENCH_TABLE}`);
  } finally {
    await target.end();
    await admin.disconnect();
    if (process.env.BENCH_KEEP_STACK !== '1') {
      say(`Stopping the bench stack (BENCH_KEEP_STACK=1 keeps it)…`);
      await benchStackDown(say);
    }
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
