/**
 * The README's custom chain (examples/custom-chain.ts), run on the real stack: a filter and a column
 * transform between decode and batch, written with the library's acknowledging operators. A poison
 * record, a tombstone and a dropped test account sit between good records: the good ones apply,
 * the poison is dead-lettered, and every offset is committed — the chain cannot stall on them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskedUsers } from '../../examples/custom-chain.js';
import { PROJECT_ROOT } from '../../infra/stack/config.js';
import { consumerLag, createDeadLetterSink, createPostgresSink, createTargetPool } from '../../src/index.js';
import { kafkaClient, stack, target } from './support/stack.js';

const RUN = `${Date.now() % 1_000_000}${Math.floor(Math.random() * 1000)}`;
const TOPIC = `custom${RUN}.public.users`;

const source = { ts_ms: 1, schema: 'public', table: 'users', snapshot: 'false', lsn: 1 };
const user = (id: number, name: string, email: string) => ({
  key: JSON.stringify({ id }),
  value: JSON.stringify({
    before: null,
    after: { id, name, email, created_at: '2026-11-30 12:00:00' },
    source,
    op: 'c',
    ts_ms: 1,
  }),
});

/** By offset: good, poison, dropped test account, tombstone, good. */
const RECORDS = [
  user(1, 'Kept', 'kept@example.com'),
  { key: JSON.stringify({ id: 2 }), value: 'this is { not JSON' },
  user(3, 'Tester', 'tester@test.invalid'),
  { key: JSON.stringify({ id: 4 }), value: null },
  user(5, 'After', 'after@example.com'),
];

async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await sleep(200);
    value = await read();
  }
  return value;
}

describe('custom chain from the README', () => {
  const pool = createTargetPool(stack().TARGET_DATABASE_URL);
  const groupId = `it-custom-${RUN}`;
  const kafka = kafkaClient(groupId);
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500 });
  const admin = kafka.admin();
  let subscription: Subscription | undefined;

  beforeAll(async () => {
    await target(async (db) => {
      await db.query('DROP TABLE IF EXISTS users_masked');
      await db.query(
        'CREATE TABLE users_masked (id integer PRIMARY KEY, name text NOT NULL, email text NOT NULL, created_at timestamp, synced_at timestamptz NOT NULL DEFAULT now())',
      );
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: TOPIC, messages: RECORDS });
    await producer.disconnect();
    await admin.connect();
  });
  afterAll(async () => {
    subscription?.unsubscribe();
    await consumer.disconnect();
    await target(async (db) => {
      await db.query('DROP TABLE IF EXISTS users_masked');
      await db.query('DELETE FROM cdc_dead_letters WHERE topic = $1', [TOPIC]);
    });
    await pool.end();
    await admin.deleteTopics({ topics: [TOPIC] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('is the code the README shows', () => {
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    const example = fs.readFileSync(path.join(PROJECT_ROOT, 'examples', 'custom-chain.ts'), 'utf8');
    const body = example.slice(example.indexOf('/** Keeps only the domain'));
    expect(readme).toContain(body.trim());
  });

  it('masks, drops test accounts, dead-letters the poison and commits past all of them', async () => {
    const deadLetters = await createDeadLetterSink({ pool });
    subscription = maskedUsers(consumer, createPostgresSink({ pool }), deadLetters, {
      topic: TOPIC,
    }).subscribe();

    const rows = await eventually(
      async () =>
        (
          await target((db) =>
            db.query<{ id: number; name: string; email: string }>(
              'SELECT id, name, email FROM users_masked ORDER BY id',
            ),
          )
        ).rows,
      (found) => found.length >= 2,
    );
    expect(rows).toEqual([
      { id: 1, name: 'Kept', email: '***@example.com' },
      { id: 5, name: 'After', email: '***@example.com' },
    ]);

    const dead = await eventually(
      async () =>
        (
          await target((db) =>
            db.query<{ kafka_offset: string; stage: string }>(
              'SELECT kafka_offset, stage FROM cdc_dead_letters WHERE topic = $1',
              [TOPIC],
            ),
          )
        ).rows,
      (found) => found.length > 0,
    );
    expect(dead).toEqual([{ kafka_offset: '1', stage: 'decode' }]);

    // Every record was acknowledged — the poison, the dropped account and the tombstone too — so the
    // group's committed offset reaches the end of the topic.
    const lag = await eventually(
      () => consumerLag(admin, groupId, [TOPIC]),
      (behind) => behind === 0,
    );
    expect(lag).toBe(0);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [TOPIC] });
    expect(committed?.partitions).toEqual([
      expect.objectContaining({ partition: 0, offset: String(RECORDS.length) }),
    ]);
  });
});
