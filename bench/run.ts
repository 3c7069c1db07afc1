/**
 * `npm run bench`: one run, same data, same target.
 *
 *   1. fills a topic with BENCH_EVENTS Debezium change events (default 200,000: inserts, updates,
 *      deletes with tombstones, over BENCH_KEYS keys, BENCH_PARTITIONS partitions);
 *   2. raw limits: kafkajs consume-and-parse of the whole topic; COPY of the final rows;
 *   3. this pipeline draining the whole backlog (the built service, as a child process);
 *   4. the naive per-record consumer (one statement + one commit per message) on a prefix;
 * and prints a table of rates, ratios and the pipeline's peak RSS. Needs the stack (npm run stack:up).
 */
import { execFileSync } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { PROJECT_ROOT, resolveUrls } from '../infra/stack/config.js';
import { BENCH_TABLE, generateEvents, TARGET_DDL, type BenchRow } from './events.js';
import { runNaiveConsumer } from './naive-consumer.js';
import { runPipelineService } from './pipeline-run.js';
import { consumeAndParse, copyFinalRows } from './raw-limits.js';
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
const NAIVE_EVENTS = Math.min(EVENTS, positive('BENCH_NAIVE_EVENTS', 3000));
// A produce request stays under the broker's 1 MB message.max.bytes (events are about 2.3 kB each).
const PRODUCE_BATCH = 300;
const PREFIX = 'bench';
const TOPIC = `${PREFIX}.public.${BENCH_TABLE}`;

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
const rate = (count: number, seconds: number): number => Math.round(count / seconds);
const fmt = (n: number): string => n.toLocaleString('en-US');

async function main(): Promise<void> {
  const urls = resolveUrls();
  const kafka = new Kafka({
    clientId: 'bench',
    brokers: urls.KAFKA_BROKERS.split(','),
    logLevel: logLevel.ERROR,
  });
  const admin = kafka.admin();
  await admin.connect();
  const target = new pg.Client({ connectionString: urls.TARGET_DATABASE_URL });
  await target.connect();
  try {
    say(`Building the pipeline (npm run build)…`);
    execFileSync('npm', ['run', '-s', 'build'], { cwd: PROJECT_ROOT, stdio: 'inherit' });

    say(`Filling ${TOPIC}: ${fmt(EVENTS)} change events over ${fmt(KEYS)} keys, ${PARTITIONS} partitions…`);
    if ((await admin.listTopics()).includes(TOPIC)) {
      await admin.deleteTopics({ topics: [TOPIC] });
      while ((await admin.listTopics()).includes(TOPIC)) await new Promise((r) => setTimeout(r, 200));
    }
    await admin.createTopics({
      topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const events = generateEvents(PREFIX, EVENTS, KEYS, seeded(42));
    let messages = 0;
    let finalRows: Map<number, BenchRow> | undefined;
    const produceStarted = performance.now();
    let chunk: { key: string; value: string | null }[] = [];
    const send = async (): Promise<void> => {
      await producer.send({ topic: TOPIC, messages: chunk });
      messages += chunk.length;
      chunk = [];
    };
    for (;;) {
      const next = events.next();
      if (next.done) {
        finalRows = next.value;
        break;
      }
      chunk.push(next.value);
      if (chunk.length === PRODUCE_BATCH) await send();
    }
    if (chunk.length > 0) await send();
    await producer.disconnect();
    say(
      `  produced ${fmt(messages)} messages (tombstones included) in ${((performance.now() - produceStarted) / 1000).toFixed(1)} s`,
    );
    const rows = [...finalRows!.values()];

    await target.query(`DROP TABLE IF EXISTS ${BENCH_TABLE}`);
    await target.query(TARGET_DDL);
    if (process.env.BENCH_FILL_ONLY === '1') {
      say(`BENCH_FILL_ONLY=1: ${TOPIC} and the empty ${BENCH_TABLE} are left for a run by hand.`);
      return;
    }

    say('Raw limit 1: kafkajs consume + JSON.parse of every message…');
    const parseSeconds = await consumeAndParse({
      brokers: urls.KAFKA_BROKERS,
      topic: TOPIC,
      total: messages,
    });
    say(`Raw limit 2: COPY of the ${fmt(rows.length)} final rows…`);
    const copySeconds = await copyFinalRows({ targetUrl: urls.TARGET_DATABASE_URL, rows });

    say('This pipeline: draining the whole backlog…');
    const run = await runPipelineService({
      admin,
      root: PROJECT_ROOT,
      env: {
        KAFKA_BROKERS: urls.KAFKA_BROKERS,
        TARGET_DATABASE_URL: urls.TARGET_DATABASE_URL,
        PIPELINE_TOPIC_PATTERN: `^${TOPIC.replaceAll('.', '\\.')}$`,
        PIPELINE_TOPIC_PREFIX: PREFIX,
      },
      groupId: `bench-pipeline-${Date.now()}`,
      topic: TOPIC,
      timeoutMs: 30 * 60_000,
    });
    const verified = await verifyTarget(target, rows);

    say(`Naive consumer: the first ${fmt(NAIVE_EVENTS)} messages, one statement and one commit each…`);
    await target.query(`TRUNCATE ${BENCH_TABLE}`);
    const naiveSeconds = await runNaiveConsumer({
      brokers: urls.KAFKA_BROKERS,
      topic: TOPIC,
      targetUrl: urls.TARGET_DATABASE_URL,
      limit: NAIVE_EVENTS,
    });

    const pipelineRate = rate(EVENTS, run.seconds);
    const naiveRate = rate(NAIVE_EVENTS, naiveSeconds);
    const parseRate = rate(messages, parseSeconds);
    const copyRate = rate(rows.length, copySeconds);
    const lowerRaw = Math.min(parseRate, copyRate);
    const table = [
      ['measure', 'items', 'seconds', 'per second', 'pipeline ÷ this'],
      ['this pipeline (drain, changes)', fmt(EVENTS), run.seconds.toFixed(2), fmt(pipelineRate), '1.00'],
      [
        'naive consumer (changes)',
        fmt(NAIVE_EVENTS),
        naiveSeconds.toFixed(2),
        fmt(naiveRate),
        (pipelineRate / naiveRate).toFixed(1),
      ],
      [
        'raw: kafkajs consume + parse (messages)',
        fmt(messages),
        parseSeconds.toFixed(2),
        fmt(parseRate),
        (pipelineRate / parseRate).toFixed(2),
      ],
      [
        'raw: COPY of final rows (rows)',
        fmt(rows.length),
        copySeconds.toFixed(2),
        fmt(copyRate),
        (pipelineRate / copyRate).toFixed(2),
      ],
    ];
    const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
    say('');
    for (const [i, row] of table.entries()) {
      say(
        `| ${row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`,
      );
      if (i === 0) say(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
    }
    say('');
    say(`pipeline peak RSS: ${run.peakRssMb.toFixed(0)} MB (VmHWM)`);
    say(`pipeline vs naive: ${(pipelineRate / naiveRate).toFixed(1)}× (target ≥ 15×)`);
    say(`pipeline vs lower raw limit: ${((pipelineRate / lowerRaw) * 100).toFixed(0)}% (target ≥ 40%)`);
    say(`target after the drain: ${verified}`);
    await admin.deleteTopics({ topics: [TOPIC] }).catch(() => undefined);
    await target.query(`DROP TABLE IF EXISTS ${BENCH_TABLE}`);
  } finally {
    await target.end();
    await admin.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
