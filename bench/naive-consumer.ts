/**
 * The baseline: what the seed's Python consumer does, in Node. One statement and one offset commit
 * per message, no batching, no parallelism.
 */
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { BENCH_TABLE } from './events.js';
import { microsText } from './values.js';

function decimalText(base64: string, scale: number): string {
  const bytes = Buffer.from(base64, 'base64');
  let value = BigInt(`0x${bytes.toString('hex') || '0'}`);
  if (bytes.length > 0 && bytes[0]! >= 0x80) value -= 1n << BigInt(bytes.length * 8);
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

interface Payload {
  op: string;
  before: { id: number } | null;
  after: {
    id: number;
    name: string;
    quantity: number;
    price: string;
    updated_at: number;
    note: string | null;
  } | null;
}

/** Applies the first `limit` messages of the topic one by one; returns how long that took. */
export async function runNaiveConsumer({
  brokers,
  topic,
  targetUrl,
  limit,
}: {
  brokers: string;
  topic: string;
  targetUrl: string;
  limit: number;
}): Promise<number> {
  const kafka = new Kafka({ clientId: 'bench-naive', brokers: brokers.split(','), logLevel: logLevel.ERROR });
  const consumer = kafka.consumer({ groupId: `bench-naive-${Date.now()}` });
  const db = new pg.Client({ connectionString: targetUrl });
  await db.connect();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let started = 0;
  const elapsed = await new Promise<number>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachMessage: async ({ message, partition }) => {
        if (seen >= limit) return;
        if (seen === 0) started = performance.now();
        if (message.value) {
          const { payload } = JSON.parse(message.value.toString()) as { payload: Payload };
          if (payload.op === 'd' && payload.before) {
            await db.query(`DELETE FROM ${BENCH_TABLE} WHERE id = $1`, [payload.before.id]);
          } else if (payload.after) {
            const a = payload.after;
            await db.query(
              `INSERT INTO ${BENCH_TABLE} (id, name, quantity, price, updated_at, note, synced_at) VALUES ($1, $2, $3, $4, $5, $6, now())
               ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, quantity = EXCLUDED.quantity, price = EXCLUDED.price,
               updated_at = EXCLUDED.updated_at, note = EXCLUDED.note, synced_at = now()`,
              [a.id, a.name, a.quantity, decimalText(a.price, 2), microsText(a.updated_at), a.note],
            );
          }
        }
        await consumer.commitOffsets([
          { topic, partition, offset: (BigInt(message.offset) + 1n).toString() },
        ]);
        seen += 1;
        if (seen === limit) resolve(performance.now() - started);
      },
    });
  });
  await consumer.disconnect();
  await db.end();
  return elapsed / 1000;
}
