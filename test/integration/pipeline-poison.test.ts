/**
 * Poison records (issue 8): the service, run as an operator runs it, meets eleven kinds of bad
 * record between good ones. Each bad one is dead-lettered with a value-free reason naming what is
 * wrong, the good ones around it apply, nothing stops the stream, every offset is committed, and
 * no row value reaches a log line above debug.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackPaths } from '../../infra/stack/config.js';
import { consumerLag } from '../../src/index.js';
import { startService, stopService } from './support/service-process.js';
import { kafkaClient, target } from './support/stack.js';

const RUN = `${Date.now() % 1_000_000}${Math.floor(Math.random() * 1000)}`;
const PREFIX = `poison${RUN}`;
const TABLE = `poison_items_${RUN}`;
const MISSING_TABLE = `no_such_table_${RUN}`;
const ITEMS_TOPIC = `${PREFIX}.public.${TABLE}`;
const MISSING_TOPIC = `${PREFIX}.public.${MISSING_TABLE}`;
const TOPICS = [ITEMS_TOPIC, MISSING_TOPIC];
const LOG_NAME = `poison-${RUN}`;
const LOG_FILE = path.join(stackPaths().logs, `${LOG_NAME}.log`);
/** Every row value of a poison record carries this mark: no log line above debug may show it. */
const LEAK = `leak${RUN}`;
/** pino's numeric level of debug: lines above it are info, warn, error. */
const PINO_DEBUG = 20;

const source = { ts_ms: 1, schema: 'public', table: TABLE, snapshot: 'false', lsn: 1 };
type Row = Record<string, unknown>;
const row = (id: number, overrides: Row = {}): Row => ({
  id,
  name: 'fine',
  qty: 1,
  price: '1.50',
  note: `${LEAK}-${id}`,
  ...overrides,
});
const envelope = (op: string, before: Row | null, after: Row | null, table = TABLE): string =>
  JSON.stringify({ before, after, source: { ...source, table }, op, ts_ms: 1 });
const keyOf = (id: number): string => JSON.stringify({ id });
const create = (id: number, overrides: Row = {}) => ({
  key: keyOf(id),
  value: envelope('c', null, row(id, overrides)),
});

/** The records of the items topic by offset, with what each is. */
const ITEMS = [
  { what: 'good', ...create(1) },
  { what: 'malformed JSON', key: keyOf(2), value: `{"after":{"id":2,"note":"${LEAK}-2"` },
  { what: 'good', ...create(3) },
  { what: 'not an envelope', key: keyOf(4), value: JSON.stringify({ hello: `${LEAK}-4` }) },
  { what: 'unknown op', key: keyOf(5), value: envelope('x', null, row(5)) },
  { what: 'missing key', key: null, value: envelope('c', null, row(6)) },
  { what: 'key disagrees', key: keyOf(70), value: envelope('c', null, row(7)) },
  { what: 'too long', ...create(8, { name: `${LEAK}-far-too-long` }) },
  { what: 'NOT NULL', ...create(9, { name: null }) },
  { what: 'check', ...create(10, { qty: -5 }) },
  { what: 'numeric overflow', ...create(11, { price: '123456.78' }) },
  { what: 'only a before-image', key: keyOf(1), value: envelope('u', row(1), null) },
  { what: 'good', ...create(1, { name: 'updated' }) },
  { what: 'good', ...create(13) },
] as const;

/** The stored stage and reason each poison record must get (offset → expectation). */
const EXPECTED: Readonly<Record<string, { stage: string; reason: RegExp }>> = {
  [`${ITEMS_TOPIC}:1`]: { stage: 'decode', reason: /^value is not valid JSON/ },
  [`${ITEMS_TOPIC}:3`]: {
    stage: 'decode',
    reason: /^not a Debezium change event: op: expected .+, got nothing/,
  },
  [`${ITEMS_TOPIC}:4`]: {
    stage: 'decode',
    reason: /^not a Debezium change event: op: expected "c" \| "u" \| "d"/,
  },
  [`${ITEMS_TOPIC}:5`]: { stage: 'decode', reason: /^op "c" record has no key/ },
  [`${ITEMS_TOPIC}:6`]: {
    stage: 'decode',
    reason: /^key column "id" disagrees with "after": the record key and value name different rows$/,
  },
  [`${ITEMS_TOPIC}:7`]: {
    stage: 'apply',
    reason: new RegExp(`^upsert into "public"."${TABLE}" failed \\(SQLSTATE 22001\\): a value is too long`),
  },
  [`${ITEMS_TOPIC}:8`]: {
    stage: 'apply',
    reason: new RegExp(
      `^upsert into "public"."${TABLE}" failed \\(SQLSTATE 23502, column "name"\\): NOT NULL violation`,
    ),
  },
  [`${ITEMS_TOPIC}:9`]: {
    stage: 'apply',
    reason: new RegExp(
      `^upsert into "public"."${TABLE}" failed \\(SQLSTATE 23514, constraint "${TABLE}_qty_check"\\): check violation`,
    ),
  },
  [`${ITEMS_TOPIC}:10`]: {
    stage: 'apply',
    reason: new RegExp(
      `^upsert into "public"."${TABLE}" failed \\(SQLSTATE 22003\\): a number is out of range`,
    ),
  },
  [`${ITEMS_TOPIC}:11`]: { stage: 'decode', reason: /^op "u" without "after"$/ },
  [`${MISSING_TOPIC}:0`]: {
    stage: 'apply',
    reason: new RegExp(`^target table "public"."${MISSING_TABLE}" does not exist`),
  },
};

interface DeadLetter {
  topic: string;
  kafka_offset: string;
  stage: string;
  reason: string;
  detail: string | null;
  raw_key: Buffer | null;
  raw_value: Buffer | null;
}

/** The service's log lines, parsed (kafkajs and pino lines alike are JSON with LOG_FORMAT=json). */
function logLines(): Record<string, unknown>[] {
  return fs
    .readFileSync(LOG_FILE, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('poisoned topics', () => {
  beforeAll(async () => {
    await target(async (db) => {
      await db.query(
        `CREATE TABLE public.${TABLE} (
           id integer PRIMARY KEY, name varchar(12) NOT NULL, qty integer CHECK (qty >= 0),
           price numeric(5,2), note text, synced_at timestamptz NOT NULL DEFAULT now())`,
      );
    });
    const producer = kafkaClient().producer();
    await producer.connect();
    await producer.send({ topic: ITEMS_TOPIC, messages: ITEMS.map(({ key, value }) => ({ key, value })) });
    await producer.send({
      topic: MISSING_TOPIC,
      messages: [{ key: keyOf(1), value: envelope('c', null, row(1), MISSING_TABLE) }],
    });
    await producer.disconnect();
  });

  afterAll(async () => {
    await target(async (db) => {
      await db.query(`DROP TABLE IF EXISTS public.${TABLE}`);
      await db.query('DELETE FROM cdc_dead_letters WHERE topic = ANY($1)', [TOPICS]);
    });
    const admin = kafkaClient().admin();
    await admin.connect();
    await admin.deleteTopics({ topics: TOPICS }).catch(() => undefined);
    await admin.disconnect();
    fs.rmSync(LOG_FILE, { force: true });
  });

  it('dead-letters each with its reason, applies the good ones, commits every offset, logs no value', async () => {
    const groupId = `it-poison-${RUN}`;
    const service = startService(
      {
        PIPELINE_GROUP_ID: groupId,
        PIPELINE_TOPIC_PATTERN: `^${PREFIX}\\..+$`,
        PIPELINE_TOPIC_PREFIX: PREFIX,
        PIPELINE_NEW_GROUP_START: 'earliest',
        // Debug lines are written too, so the test can tell they are the only ones with values.
        LOG_LEVEL: 'debug',
      },
      LOG_NAME,
    );
    const admin = kafkaClient().admin();
    await admin.connect();
    try {
      await service.consuming;
      const deadline = Date.now() + 90_000;
      while ((await consumerLag(admin, groupId, TOPICS)) > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(await consumerLag(admin, groupId, TOPICS)).toBe(0);
    } finally {
      await admin.disconnect();
      expect(await stopService(service)).toBe(0);
    }

    const applied = await target(
      async (db) =>
        (await db.query<{ id: number; name: string }>(`SELECT id, name FROM public.${TABLE} ORDER BY id`))
          .rows,
    );
    expect(applied).toEqual([
      { id: 1, name: 'updated' },
      { id: 3, name: 'fine' },
      { id: 13, name: 'fine' },
    ]);

    const dead = await target(
      async (db) =>
        (
          await db.query<DeadLetter>(
            `SELECT topic, kafka_offset::text, stage, reason, detail, raw_key, raw_value
               FROM cdc_dead_letters WHERE topic = ANY($1) ORDER BY topic, kafka_offset`,
            [TOPICS],
          )
        ).rows,
    );
    const byOrigin = new Map(dead.map((letter) => [`${letter.topic}:${letter.kafka_offset}`, letter]));
    expect([...byOrigin.keys()].sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const [origin, { stage, reason }] of Object.entries(EXPECTED)) {
      const letter = byOrigin.get(origin)!;
      expect({ origin, stage: letter.stage, reason: letter.reason }).toEqual({
        origin,
        stage,
        reason: expect.stringMatching(reason),
      });
      // Reasons are safe to log: no row value in them.
      expect(letter.reason).not.toContain(LEAK);
    }
    // The exact Kafka bytes are kept, for replay; PostgreSQL's detail (with values) is kept apart.
    for (const [offset, record] of ITEMS.entries()) {
      const letter = byOrigin.get(`${ITEMS_TOPIC}:${offset}`);
      if (letter === undefined) continue;
      expect(letter.raw_value).toEqual(Buffer.from(record.value));
      expect(letter.raw_key).toEqual(record.key === null ? null : Buffer.from(record.key));
    }
    expect(byOrigin.get(`${ITEMS_TOPIC}:8`)!.detail).toContain(LEAK);

    const lines = logLines();
    const aboveDebug = lines.filter((line) => Number(line['level']) > PINO_DEBUG);
    const debug = lines.filter((line) => Number(line['level']) <= PINO_DEBUG);
    expect(aboveDebug.filter((line) => JSON.stringify(line).includes(LEAK))).toEqual([]);
    // The values are there at debug, so the check above looked where they would show.
    expect(debug.some((line) => JSON.stringify(line).includes(LEAK))).toBe(true);
    // Dead letters are announced as warnings with their counts.
    const announced = aboveDebug.filter(
      (line) => typeof line['msg'] === 'string' && line['msg'].includes('dead-lettered'),
    );
    expect(announced.reduce((sum, line) => sum + Number(line['count']), 0)).toBe(
      Object.keys(EXPECTED).length,
    );
  });
});
