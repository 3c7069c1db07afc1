/**
 * The raw limits the pipeline is measured against: how fast kafkajs alone can consume the topic,
 * with and without parsing it, and how fast PostgreSQL alone takes the final rows by COPY.
 */
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyTextField } from '../src/sinks/copy-text.js';
import { machineBusySeconds } from './cpu.js';
import { BENCH_TABLE, TARGET_DDL, type BenchRow } from './events.js';
import { centsText, microsText } from './values.js';

/** A raw consume: its wall seconds, and the CPU it took, of this process and of the whole machine. */
export interface RawConsume {
  readonly seconds: number;
  /** CPU seconds of this process (the kafkajs client, and the parse when asked) over the consume. */
  readonly cpuSeconds: number;
  /** CPU seconds the whole machine was busy over it: the broker serving the fetches too. */
  readonly machineBusySeconds: number;
}

/**
 * Consumes every message of the topic, JSON-parsing each value when `parse` is set (the raw limit
 * of issue 14), or only reading it: what the client alone costs, the floor under any consumer
 * built on it. Timed from the first batch to the last message.
 */
export async function consumeRaw({
  brokers,
  topic,
  total,
  parse,
}: {
  brokers: string;
  topic: string;
  total: number;
  parse: boolean;
}): Promise<RawConsume> {
  const kafka = new Kafka({ clientId: 'bench-raw', brokers: brokers.split(','), logLevel: logLevel.ERROR });
  const consumer = kafka.consumer({ groupId: `bench-raw-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let bytes = 0;
  let started: { wall: number; cpu: NodeJS.CpuUsage; machine: number } | undefined;
  const result = await new Promise<RawConsume>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        started ??= { wall: performance.now(), cpu: process.cpuUsage(), machine: machineBusySeconds() };
        for (const message of batch.messages) {
          if (message.value) {
            if (parse) JSON.parse(message.value.toString());
            else bytes += message.value.length; // touched, so that nothing is optimised away
          }
          seen += 1;
        }
        if (seen >= total) {
          const cpu = process.cpuUsage(started.cpu);
          resolve({
            seconds: (performance.now() - started.wall) / 1000,
            cpuSeconds: (cpu.user + cpu.system) / 1e6,
            machineBusySeconds: machineBusySeconds() - started.machine,
          });
        }
      },
    });
  });
  await consumer.disconnect();
  if (!parse && bytes === 0) throw new Error(`raw consume of ${topic}: no value bytes read`);
  return result;
}

/** COPYs the final rows into a fresh table of the same shape; returns seconds. */
export async function copyFinalRows({
  targetUrl,
  rows,
}: {
  targetUrl: string;
  rows: readonly BenchRow[];
}): Promise<number> {
  const db = new pg.Client({ connectionString: targetUrl });
  await db.connect();
  const table = `${BENCH_TABLE}_copy`;
  await db.query(`DROP TABLE IF EXISTS ${table}`);
  await db.query(TARGET_DDL.replace(BENCH_TABLE, table));
  const lines = rows.map(
    (row) =>
      [
        String(row.id),
        copyTextField(row.name),
        String(row.quantity),
        centsText(row.priceCents),
        microsText(row.updatedAtMicros),
        copyTextField(row.note),
      ].join('\t') + '\n',
  );
  const started = performance.now();
  await pipeline(
    Readable.from(lines),
    db.query(copyFrom(`COPY ${table} (id, name, quantity, price, updated_at, note) FROM STDIN`)),
  );
  const elapsed = performance.now() - started;
  await db.query(`DROP TABLE ${table}`);
  await db.end();
  return elapsed / 1000;
}
