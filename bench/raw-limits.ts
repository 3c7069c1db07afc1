/**
 * The raw limits the pipeline is measured against: how fast kafkajs alone can consume and parse
 * the topic, and how fast PostgreSQL alone takes the final rows by COPY.
 */
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyTextField } from '../src/sinks/copy-text.js';
import { BENCH_TABLE, TARGET_DDL, type BenchRow } from './events.js';
import { centsText, microsText } from './values.js';

/** Consumes every message of the topic and JSON-parses each value; returns seconds. */
export async function consumeAndParse({
  brokers,
  topic,
  total,
}: {
  brokers: string;
  topic: string;
  total: number;
}): Promise<number> {
  const kafka = new Kafka({ clientId: 'bench-raw', brokers: brokers.split(','), logLevel: logLevel.ERROR });
  const consumer = kafka.consumer({ groupId: `bench-raw-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let started = 0;
  const elapsed = await new Promise<number>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (started === 0) started = performance.now();
        for (const message of batch.messages) {
          if (message.value) JSON.parse(message.value.toString());
          seen += 1;
        }
        if (seen >= total) resolve(performance.now() - started);
      },
    });
  });
  await consumer.disconnect();
  return elapsed / 1000;
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
