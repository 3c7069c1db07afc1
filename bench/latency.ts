/**
 * `npm run bench:latency`: steady load on the bench stack's source (BENCH_LATENCY_RATES, default
 * 1000,2000,5000 changes/s, each for BENCH_LATENCY_SECONDS, default 30), in small transactions of
 * new rows, through a Debezium connector of its own, Kafka and the built pipeline service, into the
 * target. Per rate it prints p50/p90/p99 of source commit → Kafka and source commit → visible in
 * the target, and where the time goes:
 *   - Debezium: source commit (when COMMIT returned to the writer) → the record's Kafka timestamp;
 *   - consumer fetch: Kafka timestamp → received by an observing consumer with kafkajs's defaults
 *     (the pipeline's own fetch is the same client with the same settings);
 *   - batch wait: received → the flush transaction's start (the row's synced_at, now());
 *   - flush: transaction start → the row written (clock_timestamp() in a trigger on the target
 *     table, just before the merge statement ends and the transaction commits).
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { PROJECT_ROOT, stackPaths } from '../infra/stack/config.js';
import { readConnectorFile } from '../infra/stack/connect.js';
import { connectorStatus, connectRequest, failureOf, isRunning } from '../src/tools/connect-rest.js';
import { benchStackDown, benchStackUp } from './stack.js';
import { fmt } from './report.js';

const TABLE = 'bench_latency';
const PREFIX = 'latency';
const TOPIC = `${PREFIX}.public.${TABLE}`;
// A fresh name each run: Connect keeps a source connector's offsets by its name, and the slot they
// point into is dropped at the end of every run.
const CONNECTOR = `bench-latency-source-${Date.now()}`;
const SLOT = 'bench_latency_slot';
const ROWS_PER_TRANSACTION = 5;
const WRITERS = 4;
const TICK_MS = 10;
/** After each rate, how long the last rows may take to show in the target. */
const SETTLE_TIMEOUT_MS = 60_000;

const RATES = (process.env.BENCH_LATENCY_RATES ?? '1000,2000,5000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 30);
const say = (line: string): void => console.log(line);

const SOURCE_DDL = `CREATE TABLE IF NOT EXISTS ${TABLE} (id BIGINT PRIMARY KEY, note TEXT NOT NULL)`;
const TARGET_DDL = `
CREATE TABLE IF NOT EXISTS ${TABLE} (
  id BIGINT PRIMARY KEY, note TEXT NOT NULL,
  synced_at TIMESTAMPTZ NOT NULL DEFAULT now(), applied_at TIMESTAMPTZ
);
CREATE OR REPLACE FUNCTION ${TABLE}_applied() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN NEW.applied_at := clock_timestamp(); RETURN NEW; END $$;
CREATE OR REPLACE TRIGGER ${TABLE}_applied BEFORE INSERT OR UPDATE ON ${TABLE}
  FOR EACH ROW EXECUTE FUNCTION ${TABLE}_applied();`;

interface Sample {
  committedAt: number;
  kafkaAt?: number;
  receivedAt?: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function registerSource(connectUrl: string, sourcePort: number): Promise<void> {
  const { config } = readConnectorFile();
  const { status, json } = await connectRequest('PUT', `${connectUrl}/connectors/${CONNECTOR}/config`, {
    ...config,
    'database.hostname': '127.0.0.1',
    'database.port': String(sourcePort),
    'topic.prefix': PREFIX,
    'slot.name': SLOT,
    'publication.name': 'bench_latency_publication',
    'table.include.list': `public.${TABLE}`,
    'snapshot.mode': 'no_data',
  });
  if (status !== 200 && status !== 201)
    throw new Error(`Connect refused ${CONNECTOR}: ${JSON.stringify(json)}`);
  for (let i = 0; i < 600; i += 1) {
    const state = await connectorStatus(connectUrl, CONNECTOR);
    const failure = state && failureOf(state);
    if (failure) throw new Error(`${CONNECTOR} failed: ${failure.split('\n')[0]}`);
    if (state && isRunning(state)) return;
    await sleep(100);
  }
  throw new Error(`${CONNECTOR} did not start`);
}

/** Writes `rate` new rows a second for `seconds`, ROWS_PER_TRANSACTION per transaction. */
async function load(
  writers: readonly pg.Client[],
  firstId: number,
  rate: number,
  seconds: number,
  samples: Map<number, Sample>,
): Promise<number> {
  const transactions = Math.round((rate * seconds) / ROWS_PER_TRANSACTION);
  const started = performance.now();
  let sent = 0;
  let nextId = firstId;
  const busy = new Set<Promise<void>>();
  let writer = 0;
  let failure: unknown;
  while (sent < transactions) {
    if (failure !== undefined) throw failure;
    const due = Math.min(
      transactions,
      Math.floor(((performance.now() - started) / 1000) * (rate / ROWS_PER_TRANSACTION)),
    );
    for (; sent < due; sent += 1) {
      const ids = Array.from({ length: ROWS_PER_TRANSACTION }, () => nextId++);
      const client = writers[writer++ % writers.length]!;
      // One statement is one transaction: its COMMIT has returned when the query resolves.
      const done = client
        .query(`INSERT INTO ${TABLE} (id, note) SELECT id, 'row ' || id FROM unnest($1::bigint[]) AS id`, [
          ids,
        ])
        .then(
          () => {
            const committedAt = Date.now();
            for (const id of ids) samples.set(id, { committedAt });
          },
          (error: unknown) => {
            failure ??= error;
          },
        )
        .finally(() => busy.delete(done));
      busy.add(done);
    }
    await sleep(TICK_MS);
  }
  await Promise.all(busy);
  if (failure !== undefined) throw failure;
  return nextId;
}

async function main(): Promise<void> {
  const urls = await benchStackUp(say);
  const ports = { source: Number(new URL(urls.SOURCE_DATABASE_URL).port) };
  const source = new pg.Client({ connectionString: urls.SOURCE_DATABASE_URL });
  const target = new pg.Client({ connectionString: urls.TARGET_DATABASE_URL });
  await source.connect();
  await target.connect();
  const writers = Array.from(
    { length: WRITERS },
    () => new pg.Client({ connectionString: urls.SOURCE_DATABASE_URL }),
  );
  await Promise.all(writers.map((w) => w.connect()));
  const kafka = new Kafka({
    clientId: 'bench-latency',
    brokers: urls.KAFKA_BROKERS.split(','),
    logLevel: logLevel.ERROR,
  });
  const observer = kafka.consumer({ groupId: `bench-latency-observer-${Date.now()}` });
  const logFile = path.join(stackPaths().logs, 'bench-latency-pipeline.log');
  const log = fs.openSync(logFile, 'w');
  let child: ReturnType<typeof spawn> | undefined;
  const samples = new Map<number, Sample>();
  try {
    say('Building the pipeline (npm run build)…');
    execFileSync('npm', ['run', '-s', 'build'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
    await source.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await source.query(SOURCE_DDL);
    await target.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await target.query(TARGET_DDL);
    const admin = kafka.admin();
    await admin.connect();
    // A topic left by an earlier run would hand the pipeline old rows.
    if ((await admin.listTopics()).includes(TOPIC)) await admin.deleteTopics({ topics: [TOPIC] });
    await registerSource(urls.CONNECT_URL, ports.source);
    // RUNNING comes before the slot exists; rows written before it would never be streamed.
    while (
      (await source.query(`SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active`, [SLOT]))
        .rowCount === 0
    )
      await sleep(100);
    // Debezium creates the topic with its first record: write one row, then subscribe.
    await source.query(`INSERT INTO ${TABLE} VALUES (0, 'first')`);
    while (!(await admin.listTopics()).includes(TOPIC)) await sleep(100);
    await admin.disconnect();
    await observer.connect();
    await observer.subscribe({ topic: TOPIC, fromBeginning: true });
    await observer.run({
      eachMessage: async ({ message }) => {
        const receivedAt = Date.now();
        if (!message.key || !message.value) return;
        const id = Number((JSON.parse(message.key.toString()) as { payload: { id: number } }).payload.id);
        const sample = samples.get(id);
        if (sample) Object.assign(sample, { kafkaAt: Number(message.timestamp), receivedAt });
      },
    });
    child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'src', 'cli', 'pipeline.js')], {
      env: {
        ...process.env,
        KAFKA_BROKERS: urls.KAFKA_BROKERS,
        TARGET_DATABASE_URL: urls.TARGET_DATABASE_URL,
        PIPELINE_TOPIC_PATTERN: `^${TOPIC.replaceAll('.', '\\.')}$`,
        PIPELINE_TOPIC_PREFIX: PREFIX,
        PIPELINE_GROUP_ID: `bench-latency-${Date.now()}`,
        PIPELINE_NEW_GROUP_START: 'earliest',
        LOG_FORMAT: 'json',
      },
      stdio: ['ignore', log, log],
    });
    while ((await target.query(`SELECT 1 FROM ${TABLE} WHERE id = 0`)).rowCount === 0) {
      if (child.exitCode !== null) throw new Error(`the pipeline exited; see ${logFile}`);
      await sleep(100);
    }

    const table: string[][] = [];
    let nextId = 1;
    for (const rate of RATES) {
      say(`${fmt(rate)} changes/s for ${SECONDS} s…`);
      samples.clear();
      const firstId = nextId;
      nextId = await load(writers, firstId, rate, SECONDS, samples);
      const deadline = Date.now() + SETTLE_TIMEOUT_MS;
      let applied: { id: string; synced: number; applied: number }[] = [];
      for (;;) {
        ({ rows: applied } = await target.query(
          `SELECT id, extract(epoch FROM synced_at) * 1000 AS synced, extract(epoch FROM applied_at) * 1000 AS applied
             FROM ${TABLE} WHERE id >= $1 AND id < $2`,
          [firstId, nextId],
        ));
        if (applied.length === nextId - firstId || Date.now() > deadline) break;
        await sleep(500);
      }
      const series = {
        kafka: [] as number[],
        visible: [] as number[],

        fetch: [] as number[],
        wait: [] as number[],
        flush: [] as number[],
      };
      for (const row of applied) {
        const sample = samples.get(Number(row.id));
        if (!sample || sample.kafkaAt === undefined || sample.receivedAt === undefined) continue;
        const synced = Number(row.synced);
        const written = Number(row.applied);
        series.kafka.push(sample.kafkaAt - sample.committedAt);
        series.visible.push(written - sample.committedAt);
        series.fetch.push(sample.receivedAt - sample.kafkaAt);
        series.wait.push(synced - sample.receivedAt);
        series.flush.push(written - synced);
      }
      const cell = (values: number[]): string => {
        values.sort((a, b) => a - b);
        return [50, 90, 99].map((p) => Math.round(percentile(values, p))).join(' / ');
      };
      table.push([
        fmt(rate),
        `${fmt(applied.length)} of ${fmt(nextId - firstId)}`,
        cell(series.kafka),
        cell(series.visible),
        cell(series.fetch),
        cell(series.wait),
        cell(series.flush),
      ]);
    }
    const header = [
      'changes/s',
      'rows seen',
      'commit → Kafka (Debezium)',
      'commit → target visible',
      'consumer fetch',
      'batch wait',
      'flush',
    ];
    const all = [header, ...table];
    const widths = header.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
    say('');
    say(
      `p50 / p90 / p99 in ms, ${ROWS_PER_TRANSACTION} new rows per source transaction, ${SECONDS} s per rate:`,
    );
    for (const [i, cells] of all.entries()) {
      say(
        `| ${cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]!) : c.padStart(widths[k]!))).join(' | ')} |`,
      );
      if (i === 0) say(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
    }
  } finally {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child!.on('exit', r));
    }
    fs.closeSync(log);
    await observer.disconnect().catch(() => undefined);
    await connectRequest('DELETE', `${urls.CONNECT_URL}/connectors/${CONNECTOR}`).catch(() => undefined);
    for (let i = 0; i < 50; i += 1) {
      const { rows } = await source.query<{ active: boolean }>(
        'SELECT active FROM pg_replication_slots WHERE slot_name = $1',
        [SLOT],
      );
      if (rows.length === 0) break;
      if (!rows[0]!.active) {
        await source.query('SELECT pg_drop_replication_slot($1)', [SLOT]);
        break;
      }
      await sleep(200);
    }
    await Promise.all(writers.map((w) => w.end()));
    await source.end();
    await target.end();
    if (process.env.BENCH_KEEP_STACK !== '1') await benchStackDown(say);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
