/**
 * A poisoned topic next to good records: the good ones are applied, every bad one is dead-lettered
 * with its origin and reason, nothing stops the stream, and every offset is committed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerLag } from '../../src/index.js';
import { startPipeline } from './support/pipeline.js';
import { kafkaClient, target } from './support/stack.js';

const RUN = `${Date.now() % 1_000_000}`;
const PREFIX = `poison${RUN}`;
const ITEMS_TOPIC = `${PREFIX}.public.poison_items`;
const UNKNOWN_TOPIC = `${PREFIX}.public.no_such_table`;

const source = {
  version: '3.6.1.Final',
  connector: 'postgresql',
  name: PREFIX,
  ts_ms: 1,
  snapshot: 'false',
  db: 'sourcedb',
  schema: 'public',
  table: 'poison_items',
  lsn: 1,
};
const change = (op: 'c' | 'u' | 'd', id: number, name: string | null) => ({
  key: JSON.stringify({ id }),
  value: JSON.stringify({
    before: op === 'c' ? null : { id, name: 'old' },
    after: op === 'd' ? null : { id, name },
    source,
    op,
    ts_ms: 1,
  }),
});

describe('poisoned topic', () => {
  beforeAll(async () => {
    await target(async (db) => {
      await db.query('DROP TABLE IF EXISTS poison_items');
      await db.query(
        'CREATE TABLE poison_items (id integer PRIMARY KEY, name text NOT NULL, synced_at timestamptz NOT NULL DEFAULT now())',
      );
    });
    const producer = kafkaClient().producer();
    await producer.connect();
    await producer.send({
      topic: ITEMS_TOPIC,
      messages: [
        change('c', 1, 'good one'),
        { key: JSON.stringify({ id: 2 }), value: 'this is { not JSON' },
        change('c', 3, 'good three'),
        { key: JSON.stringify({ id: 4 }), value: JSON.stringify({ hello: 'wrong shape' }) },
        { key: null, value: change('c', 5, 'no key').value },
        change('c', 6, null), // NOT NULL in the target: fails when applied
        change('u', 1, 'good one, updated'),
        change('c', 7, 'good seven'),
      ],
    });
    await producer.send({ topic: UNKNOWN_TOPIC, messages: [change('c', 1, 'nowhere to go')] });
    await producer.disconnect();
  });

  afterAll(async () => {
    await target(async (db) => {
      await db.query('DROP TABLE IF EXISTS poison_items');
      await db.query('DELETE FROM cdc_dead_letters WHERE topic LIKE $1', [`${PREFIX}.%`]);
    });
    const admin = kafkaClient().admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [ITEMS_TOPIC, UNKNOWN_TOPIC] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('applies the good records, dead-letters the bad ones with reasons, commits every offset', async () => {
    const pipeline = await startPipeline([ITEMS_TOPIC, UNKNOWN_TOPIC], { route: { topicPrefix: PREFIX } });
    const admin = kafkaClient().admin();
    await admin.connect();
    try {
      const deadline = Date.now() + 60_000;
      while (
        (await consumerLag(admin, pipeline.groupId, [ITEMS_TOPIC, UNKNOWN_TOPIC])) > 0 &&
        Date.now() < deadline
      ) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(await consumerLag(admin, pipeline.groupId, [ITEMS_TOPIC, UNKNOWN_TOPIC])).toBe(0);
    } finally {
      await admin.disconnect();
      await pipeline.stop();
    }

    const applied = await target((db) =>
      db.query<{ id: number; name: string }>('SELECT id, name FROM poison_items ORDER BY id'),
    );
    expect(applied.rows).toEqual([
      { id: 1, name: 'good one, updated' },
      { id: 3, name: 'good three' },
      { id: 7, name: 'good seven' },
    ]);

    const dead = await target((db) =>
      db.query<{
        topic: string;
        kafka_offset: string;
        stage: string;
        reason: string;
        record_key: string | null;
        record_value: string | null;
      }>(
        'SELECT topic, kafka_offset::text, stage, reason, record_key, record_value FROM cdc_dead_letters WHERE topic LIKE $1 ORDER BY topic, kafka_offset',
        [`${PREFIX}.%`],
      ),
    );
    const byOffset = (topic: string, offset: string) =>
      dead.rows.find((row) => row.topic === topic && row.kafka_offset === offset);
    expect(dead.rows).toHaveLength(5);
    expect(byOffset(ITEMS_TOPIC, '1')).toMatchObject({
      stage: 'decode',
      record_value: 'this is { not JSON',
      reason: expect.stringMatching(/JSON/i),
    });
    expect(byOffset(ITEMS_TOPIC, '3')).toMatchObject({ stage: 'decode', reason: expect.any(String) });
    expect(byOffset(ITEMS_TOPIC, '4')).toMatchObject({
      stage: 'decode',
      record_key: null,
      reason: expect.stringMatching(/key/i),
    });
    expect(byOffset(ITEMS_TOPIC, '5')).toMatchObject({
      stage: 'apply',
      reason: expect.stringContaining('23502'),
    });
    expect(byOffset(UNKNOWN_TOPIC, '0')).toMatchObject({
      stage: 'apply',
      reason: expect.stringContaining('no_such_table'),
    });
    const reported = pipeline.reports.reduce(
      (n, report) => n + (report.type === 'dead-letters' ? report.count : report.failed),
      0,
    );
    expect(reported).toBe(5);
  });
});
