/**
 * `npm run bench:consistency`: what PIPELINE_CONSISTENCY=transaction costs against the default
 * (`key`), in the same run. A steady load of small multi-table source transactions (each inserts
 * BENCH_CONSISTENCY_USERS users and an order for each, in one statement: one transaction over two
 * tables) goes through a Debezium connector of its own (provide.transaction.metadata=true, as
 * shipped) and Kafka to the pipeline service, at each of BENCH_CONSISTENCY_RATES changes/s
 * (default 1000,2000) for BENCH_CONSISTENCY_SECONDS (default 20), once per consistency mode, each
 * after BENCH_CONSISTENCY_WARMUP_SECONDS (default 5) of the same load unmeasured.
 *
 * Per mode and rate it prints the changes applied per second (from the first source commit to the
 * last row written in the target) and commit → target visible p50/p90/p99 (source COMMIT returned
 * → the row written, clock_timestamp() in a trigger just before its flush commits).
 *
 * It runs on a stack of its own (.stack-consistency, ports 47xxx by default; BENCH_CONSISTENCY_*
 * below), so it never disturbs `npm run bench`'s stack or another engineer's, and stops it at the
 * end (BENCH_KEEP_STACK=1 keeps it).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { PROJECT_ROOT, stackPaths } from '../infra/stack/config.js';
import { stackDown, stackUp } from '../infra/stack/index.js';
import {
  registerBenchConnector,
  removeBenchConnector,
  waitSlotActive,
  type BenchConnector,
} from './connector.js';
import { paced } from './paced.js';
import { percentileCell } from './percentiles.js';
import { fmt } from './report.js';

const STACK_ENV: Readonly<Record<string, string>> = {
  CDC_STACK: 'native',
  CDC_STACK_DIR: process.env.BENCH_CONSISTENCY_STACK_DIR ?? path.join(PROJECT_ROOT, '.stack-consistency'),
  CDC_SOURCE_PORT: process.env.BENCH_CONSISTENCY_SOURCE_PORT ?? '47432',
  CDC_TARGET_PORT: process.env.BENCH_CONSISTENCY_TARGET_PORT ?? '47433',
  CDC_KAFKA_PORT: process.env.BENCH_CONSISTENCY_KAFKA_PORT ?? '47092',
  CDC_KAFKA_CONTROLLER_PORT: process.env.BENCH_CONSISTENCY_KAFKA_CONTROLLER_PORT ?? '47093',
  CDC_CONNECT_PORT: process.env.BENCH_CONSISTENCY_CONNECT_PORT ?? '47083',
};
const MODES = ['key', 'transaction'] as const;
type Mode = (typeof MODES)[number];
const PREFIX = 'consistency';
const USERS = 'bench_users';
const ORDERS = 'bench_orders';
const USERS_PER_TRANSACTION = Number(process.env.BENCH_CONSISTENCY_USERS ?? 2);
/** Changes per source transaction: the users and their orders. */
const CHANGES_PER_TRANSACTION = 2 * USERS_PER_TRANSACTION;
const WRITERS = 4;
const SETTLE_TIMEOUT_MS = 90_000;
const RATES = (process.env.BENCH_CONSISTENCY_RATES ?? '1000,2000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_CONSISTENCY_SECONDS ?? 20);
/** Unmeasured load before each measurement: the fresh service's JIT and connections settle. */
const WARMUP_SECONDS = Number(process.env.BENCH_CONSISTENCY_WARMUP_SECONDS ?? 5);
const say = (line: string): void => console.log(line);

const SOURCE_DDL = [
  `CREATE TABLE ${USERS} (id BIGINT PRIMARY KEY, name TEXT NOT NULL)`,
  `CREATE TABLE ${ORDERS} (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES ${USERS} (id), amount INTEGER NOT NULL)`,
];
/** The target keeps the foreign key only where transaction consistency allows it: see `prepareTarget`. */
const TARGET_DDL = `
CREATE TABLE ${USERS} (id BIGINT PRIMARY KEY, name TEXT NOT NULL,
  synced_at TIMESTAMPTZ NOT NULL DEFAULT now(), applied_at TIMESTAMPTZ);
CREATE TABLE ${ORDERS} (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL, amount INTEGER NOT NULL,
  synced_at TIMESTAMPTZ NOT NULL DEFAULT now(), applied_at TIMESTAMPTZ);
CREATE OR REPLACE FUNCTION bench_applied() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN NEW.applied_at := clock_timestamp(); RETURN NEW; END $$;
CREATE TRIGGER applied BEFORE INSERT OR UPDATE ON ${USERS} FOR EACH ROW EXECUTE FUNCTION bench_applied();
CREATE TRIGGER applied BEFORE INSERT OR UPDATE ON ${ORDERS} FOR EACH ROW EXECUTE FUNCTION bench_applied();`;

function useStack(): void {
  for (const [name, value] of Object.entries(STACK_ENV)) process.env[name] = value;
  for (const name of ['SOURCE_DATABASE_URL', 'TARGET_DATABASE_URL', 'KAFKA_BROKERS', 'CONNECT_URL'])
    delete process.env[name];
}

/** The bench's own connector, with the transaction metadata the shipped connector file sets. */
const benchConnector = (sourcePort: number): BenchConnector => ({
  // A fresh name each run: Connect keeps a source connector's offsets by its name.
  name: `bench-consistency-source-${Date.now()}`,
  sourcePort,
  prefix: PREFIX,
  slot: 'bench_consistency_slot',
  publication: 'bench_consistency_publication',
  tables: [`public.${USERS}`, `public.${ORDERS}`],
  extra: { 'provide.transaction.metadata': 'true' },
});

/**
 * `rate` changes a second for `seconds`: transactions of USERS_PER_TRANSACTION users and their
 * orders, one statement each (its COMMIT has returned when the query resolves). Returns the
 * commit time of each user id (its order has the same id) and the next free id.
 */
async function load(
  writers: pg.Pool,
  firstId: number,
  rate: number,
  seconds: number,
): Promise<{ committed: Map<number, number>; nextId: number }> {
  const committed = new Map<number, number>();
  let nextId = firstId;
  await paced(
    {
      transactions: Math.round((rate / CHANGES_PER_TRANSACTION) * seconds),
      perSecond: rate / CHANGES_PER_TRANSACTION,
    },
    async () => {
      const ids = Array.from({ length: USERS_PER_TRANSACTION }, () => nextId++);
      await writers.query(
        `WITH u AS (INSERT INTO ${USERS} SELECT id, 'user ' || id FROM unnest($1::bigint[]) AS id RETURNING id)
         INSERT INTO ${ORDERS} SELECT id, id, 1 FROM u`,
        [ids],
      );
      const at = Date.now();
      for (const id of ids) committed.set(id, at);
    },
  );
  return { committed, nextId };
}

interface Measured {
  readonly mode: Mode;
  readonly rate: number;
  readonly seen: number;
  readonly expected: number;
  readonly appliedPerSecond: number;
  readonly latency: readonly number[];
}

/** Waits for rows `firstId`..`nextId - 1` of both tables and measures them against their commits. */
async function measure(
  target: pg.Client,
  mode: Mode,
  rate: number,
  firstId: number,
  { committed, nextId }: { committed: Map<number, number>; nextId: number },
): Promise<Measured> {
  const expected = 2 * (nextId - firstId);
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let rows: { id: string; applied: number }[] = [];
  for (;;) {
    ({ rows } = await target.query(
      `SELECT id, extract(epoch FROM applied_at) * 1000 AS applied FROM ${USERS} WHERE id >= $1 AND id < $2
       UNION ALL SELECT id, extract(epoch FROM applied_at) * 1000 FROM ${ORDERS} WHERE id >= $1 AND id < $2`,
      [firstId, nextId],
    ));
    if (rows.length === expected || Date.now() > deadline) break;
    await sleep(500);
  }
  const latency: number[] = [];
  let lastApplied = 0;
  for (const row of rows) {
    const at = committed.get(Number(row.id));
    const applied = Number(row.applied);
    lastApplied = Math.max(lastApplied, applied);
    if (at !== undefined) latency.push(applied - at);
  }
  const firstCommit = Math.min(...committed.values());
  return {
    mode,
    rate,
    seen: rows.length,
    expected,
    appliedPerSecond: (rows.length * 1000) / Math.max(1, lastApplied - firstCommit),
    latency,
  };
}

/** The service in `mode`, from the end of the topics; resolves once a sentinel row went through. */
async function startService(
  mode: Mode,
  urls: { KAFKA_BROKERS: string; TARGET_DATABASE_URL: string },
  source: pg.Client,
  target: pg.Client,
  sentinel: number,
): Promise<ReturnType<typeof spawn>> {
  const logFile = path.join(stackPaths().logs, `bench-consistency-${mode}.log`);
  const log = fs.openSync(logFile, 'w');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(PROJECT_ROOT, 'src', 'cli', 'pipeline.ts')],
    {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        KAFKA_BROKERS: urls.KAFKA_BROKERS,
        TARGET_DATABASE_URL: urls.TARGET_DATABASE_URL,
        PIPELINE_TOPIC_PATTERN: `^${PREFIX}\\.public\\.bench_(users|orders)$`,
        PIPELINE_TOPIC_PREFIX: PREFIX,
        PIPELINE_GROUP_ID: `bench-consistency-${mode}-${Date.now()}`,
        PIPELINE_NEW_GROUP_START: 'latest',
        PIPELINE_CONSISTENCY: mode,
        PIPELINE_METRICS_PORT: '0',
        LOG_FORMAT: 'json',
      },
      stdio: ['ignore', log, log],
    },
  );
  fs.closeSync(log);
  // A new group starts at the end of each topic once it is assigned: write the sentinel again until
  // it arrives, so that the measured rows come after the assignment.
  for (let attempt = 0; ; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`the ${mode} pipeline exited; see ${logFile}`);
    await source.query(
      `WITH u AS (INSERT INTO ${USERS} VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = $2 RETURNING id)
       INSERT INTO ${ORDERS} SELECT id, id, $3 FROM u ON CONFLICT (id) DO UPDATE SET amount = $3`,
      [sentinel, `sentinel ${attempt}`, attempt],
    );
    const until = Date.now() + 2000;
    while (Date.now() < until) {
      const { rowCount } = await target.query(`SELECT 1 FROM ${ORDERS} WHERE id = $1 AND amount = $2`, [
        sentinel,
        attempt,
      ]);
      if (rowCount === 1) return child;
      await sleep(100);
    }
  }
}

async function stop(child: ReturnType<typeof spawn>): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}

function printTable(results: readonly Measured[]): void {
  const header = [
    'consistency',
    'offered changes/s',
    'rows seen',
    'applied changes/s',
    'commit → visible p50 / p90 / p99 ms',
  ];
  const rows = results.map((r) => [
    r.mode,
    fmt(r.rate),
    `${fmt(r.seen)} of ${fmt(r.expected)}`,
    fmt(Math.round(r.appliedPerSecond)),
    percentileCell(r.latency),
  ]);
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  say('');
  say(
    `${CHANGES_PER_TRANSACTION} changes (${USERS_PER_TRANSACTION} users and their orders) per source transaction, ${SECONDS} s per rate; load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${os.cpus().length} cores:`,
  );
  for (const [i, cells] of all.entries()) {
    say(`| ${cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]!) : c.padStart(widths[k]!))).join(' | ')} |`);
    if (i === 0) say(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  }
}

async function main(): Promise<void> {
  useStack();
  say(`Consistency bench stack in ${process.env.CDC_STACK_DIR} (ports ${process.env.CDC_SOURCE_PORT}…)…`);
  const urls = await stackUp(say);
  const source = new pg.Client({ connectionString: urls.SOURCE_DATABASE_URL });
  const target = new pg.Client({ connectionString: urls.TARGET_DATABASE_URL });
  // A pool: paced writes overlap, and one client must not be sent a query while it runs another.
  const writers = new pg.Pool({ connectionString: urls.SOURCE_DATABASE_URL, max: WRITERS });
  await Promise.all([source, target].map((client) => client.connect()));
  const results: Measured[] = [];
  const connector = benchConnector(Number(new URL(urls.SOURCE_DATABASE_URL).port));
  let child: ReturnType<typeof spawn> | undefined;
  try {
    await source.query(`DROP TABLE IF EXISTS ${ORDERS}, ${USERS}`);
    for (const statement of SOURCE_DDL) await source.query(statement);
    await target.query(`DROP TABLE IF EXISTS ${ORDERS}, ${USERS}`);
    await target.query(TARGET_DDL);
    await registerBenchConnector(urls.CONNECT_URL, connector);
    await waitSlotActive(source, connector.slot);
    let nextId = 1;
    let sentinel = 0;
    // Modes take turns at each rate, each with a fresh service warmed up first, so that neither
    // gets the cold start nor a calmer minute of a shared machine.
    for (const rate of RATES) {
      for (const mode of MODES) {
        say(`PIPELINE_CONSISTENCY=${mode}, ${fmt(rate)} changes/s: starting the service…`);
        // What transaction consistency allows: the source's foreign key, kept in the target
        // (checked at commit). Key consistency would have changes refused by it.
        await target.query(
          mode === 'transaction'
            ? `ALTER TABLE ${ORDERS} ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES ${USERS} (id) DEFERRABLE INITIALLY DEFERRED NOT VALID`
            : `ALTER TABLE ${ORDERS} DROP CONSTRAINT IF EXISTS fk`,
        );
        child = await startService(mode, urls, source, target, (sentinel -= 1));
        say(`  warming up for ${WARMUP_SECONDS} s, then ${SECONDS} s measured…`);
        const warm = await load(writers, nextId, rate, WARMUP_SECONDS);
        await measure(target, mode, rate, nextId, warm);
        const firstId = warm.nextId;
        const loaded = await load(writers, firstId, rate, SECONDS);
        nextId = loaded.nextId;
        results.push(await measure(target, mode, rate, firstId, loaded));
        await stop(child);
        child = undefined;
      }
    }
    printTable(results);
  } finally {
    if (child) await stop(child);
    await removeBenchConnector(urls.CONNECT_URL, source, connector);
    await Promise.all([source, target].map((client) => client.end()));
    await writers.end();
    if (process.env.BENCH_KEEP_STACK !== '1') {
      useStack();
      await stackDown(say);
    }
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
