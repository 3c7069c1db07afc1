/**
 * One bad record must never stop the stream (issue 16): a record the target refuses with an error
 * nobody listed — SQLSTATE XX000 (internal_error, what hstore's input function raises) or a class of
 * a trigger's own — is isolated by bisection and dead-lettered, and the good records around it apply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerLag } from '../../src/index.js';
import { startPipeline } from './support/pipeline.js';
import { kafkaClient, target } from './support/stack.js';

const RUN = `${Date.now() % 1_000_000}${Math.floor(Math.random() * 1000)}`;
const TABLE = `unusual_${RUN}`;
const TOPIC = `unusual${RUN}.public.${TABLE}`;

const record = (id: number, name: string) => ({
  key: JSON.stringify({ id }),
  value: JSON.stringify({
    before: null,
    after: { id, name },
    source: { ts_ms: 1, schema: 'public', table: TABLE, snapshot: 'false', lsn: 1 },
    op: 'c',
    ts_ms: 1,
  }),
});

describe('a record the target refuses with an unusual SQLSTATE', () => {
  beforeAll(async () => {
    await target(async (db) => {
      await db.query(
        `CREATE TABLE ${TABLE} (id integer PRIMARY KEY, name text, synced_at timestamptz NOT NULL DEFAULT now())`,
      );
      // A trigger of the kind extensions and audit code carry: its own SQLSTATEs for some values.
      await db.query(`CREATE FUNCTION ${TABLE}_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.name = 'internal' THEN RAISE EXCEPTION 'refused' USING ERRCODE = 'XX000'; END IF;
          IF NEW.name = 'custom' THEN RAISE EXCEPTION 'refused' USING ERRCODE = 'ZZ001'; END IF;
          RETURN NEW;
        END $$`);
      await db.query(
        `CREATE TRIGGER ${TABLE}_refuse BEFORE INSERT OR UPDATE ON ${TABLE} FOR EACH ROW EXECUTE FUNCTION ${TABLE}_refuse()`,
      );
    });
    const producer = kafkaClient().producer();
    await producer.connect();
    await producer.send({
      topic: TOPIC,
      messages: [
        record(1, 'good'),
        record(2, 'internal'),
        record(3, 'good'),
        record(4, 'custom'),
        record(5, 'good'),
      ],
    });
    await producer.disconnect();
  });
  afterAll(async () => {
    await target(async (db) => {
      await db.query(`DROP TABLE IF EXISTS ${TABLE}`);
      await db.query(`DROP FUNCTION IF EXISTS ${TABLE}_refuse()`);
      await db.query('DELETE FROM cdc_dead_letters WHERE topic = $1', [TOPIC]);
    });
    const admin = kafkaClient().admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [TOPIC] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('dead-letters them and applies the good records around them', async () => {
    const pipeline = await startPipeline([TOPIC]);
    const admin = kafkaClient().admin();
    await admin.connect();
    try {
      const deadline = Date.now() + 60_000;
      while ((await consumerLag(admin, pipeline.groupId, [TOPIC])) > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(await consumerLag(admin, pipeline.groupId, [TOPIC])).toBe(0);
    } finally {
      await pipeline.stop();
      await admin.disconnect();
    }
    const applied = await target((db) => db.query<{ id: number }>(`SELECT id FROM ${TABLE} ORDER BY id`));
    expect(applied.rows.map((row) => row.id)).toEqual([1, 3, 5]);
    const dead = await target((db) =>
      db.query<{ kafka_offset: string; stage: string; reason: string }>(
        'SELECT kafka_offset, stage, reason FROM cdc_dead_letters WHERE topic = $1 ORDER BY kafka_offset',
        [TOPIC],
      ),
    );
    expect(dead.rows.map(({ kafka_offset, stage }) => [kafka_offset, stage])).toEqual([
      ['1', 'apply'],
      ['3', 'apply'],
    ]);
    expect(dead.rows[0]?.reason).toContain('XX000');
    expect(dead.rows[1]?.reason).toContain('ZZ001');
  });
});
