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
import { registerBenchConnector, removeBenchConnector, waitSlotActive } from './connector.js';
import { paced } from './paced.js';
import { percentileCell } from './percentiles.js';
import { fmt } from './report.js';
import { benchStackDown, benchStackUp } from './stack.js';

const TABLE = 'bench_latency';
const PREFIX = 'latency';
const TOPIC = `${PREFIX}.public.${TABLE}`;
const CONNECTOR = {
  // A fresh name each run: Connect keeps a source connector's offsets by its name, and the slot they
  // point into is dropped at the end of every run.
  name: `bench-latency-source-${Date.now()}`,
  prefix: PREFIX,
  slot: 'bench_latency_slot',
  publication: 'bench_latency_publication',
  tables: [`public.${TABLE}`],
};
const ROWS_PER_TRANSACTION = 5;
const WRITERS = 4;
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

/** Writes `rate` new rows a second for `seconds`, ROWS_PER_TRANSACTION per transaction. */
async function load(
  writers: pg.Pool,
  firstId: number,
  rate: number,
  seconds: number,
  samples: Map<number, Sample>,
): Promise<number> {
  let nextId = firstId;
  const pace = {
    transactions: Math.round((rate * seconds) / ROWS_PER_TRANSACTION),
    perSecond: rate / ROWS_PER_TRANSACTION,
  };
  await paced(pace, () => {
    const ids = Array.from({ length: ROWS_PER_TRANSACTION }, () => nextId++);
    // One statement is one transaction: its COMMIT has returned when the query resolves.
    return writers
      .query(`INSERT INTO ${TABLE} (id, note) SELECT id, 'row ' || id FROM unnest($1::bigint[]) AS id`, [ids])
      .then(() => {
        const committedAt = Date.now();
        for (const id of ids) samples.set(id, { committedAt });
      });
  });
  return nextId;
}

async function main(): Promise<void> {
  const urls = await benchStackUp(say);
  const ports = { source: Number(new URL(urls.SOURCE_DATABASE_URL).port) };
  const source = new pg.Client({ connectionString: urls.SOURCE_DATABASE_URL });
  const target = new pg.Client({ connectionString: urls.TARGET_DATABASE_URL });
  await source.connect();
  await target.connect();
  // A pool: paced writes overlap, and one client must not be sent a query while it runs another.
  const writers = new pg.Pool({ connectionString: urls.SOURCE_DATABASE_URL, max: WRITERS });
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
    await registerBenchConnector(urls.CONNECT_URL, { ...CONNECTOR, sourcePort: ports.source });
    await waitSlotActive(source, CONNECTOR.slot);
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
      table.push([
        fmt(rate),
        `${fmt(applied.length)} of ${fmt(nextId - firstId)}`,
        percentileCell(series.kafka),
        percentileCell(series.visible),
        percentileCell(series.fetch),
        percentileCell(series.wait),
        percentileCell(series.flush),
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
    await removeBenchConnector(urls.CONNECT_URL, source, CONNECTOR);
    await writers.end();
    await source.end();
    await target.end();
    if (process.env.BENCH_KEEP_STACK !== '1') await benchStackDown(say);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
