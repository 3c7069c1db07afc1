/**
 * `npm run dead-letters` on the real stack: records dead-lettered because their target table is
 * missing are replayed after the table is created, through the pipeline's own path; the one that
 * still fails stays with its new reason; list shows no values unless asked; discard needs a filter.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/stack/config.js';
import { consumerLag } from '../../src/index.js';
import { cliEnv, type CliRun } from './support/cli.js';
import { startPipeline } from './support/pipeline.js';
import { kafkaClient, target } from './support/stack.js';

const RUN = `${Date.now() % 1_000_000}${Math.floor(Math.random() * 1000)}`;
const PREFIX = `dlr${RUN}`;
const TABLE = `dlr_items_${RUN}`;
const TOPIC = `${PREFIX}.public.${TABLE}`;
/** A row value that must stay out of `list` unless --show-values. */
const SECRET = 'secret-widget-name';

const source = { ts_ms: 1, schema: 'public', table: TABLE, snapshot: 'false', lsn: 1 };
const message = (op: 'c' | 'u', id: number, after: Record<string, unknown>) => ({
  key: JSON.stringify({ id }),
  value: JSON.stringify({ before: null, after: { id, ...after }, source, op, ts_ms: 1 }),
});
const MESSAGES = [
  message('c', 3, { name: 'three', in_stock: true }), // offset 0: applies once the table exists
  message('c', 2, { name: null, in_stock: false }), // offset 1: NOT NULL, fails again
  message('u', 1, { name: SECRET, in_stock: false }), // offset 2: applies once the table exists
  { key: JSON.stringify({ id: 4 }), value: 'this is { not JSON' }, // offset 3: never decodes
];

interface DeadLetter {
  id: string;
  kafka_offset: string;
  stage: string;
  reason: string;
  detail: string | null;
  raw_key: Buffer | null;
  raw_value: Buffer | null;
  attempts: number;
  retried_at: Date | null;
}

const deadLetters = (): Promise<DeadLetter[]> =>
  target(
    async (db) =>
      (
        await db.query<DeadLetter>(
          `SELECT id::text, kafka_offset::text, stage, reason, detail, raw_key, raw_value, attempts, retried_at
             FROM cdc_dead_letters WHERE topic = $1 ORDER BY kafka_offset`,
          [TOPIC],
        )
      ).rows,
  );

/** `npm run dead-letters -- …` as a user runs it (its own entry, whether or not a bin mounts it). */
const deadLetterCli = (args: readonly string[]): Promise<CliRun> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join('src', 'cli', 'dead-letters.ts'), ...args],
      {
        cwd: PROJECT_ROOT,
        env: cliEnv({ PIPELINE_TOPIC_PREFIX: PREFIX, PIPELINE_TABLE_MAP: '' }),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });

describe('dead-letters replay, list and discard', () => {
  beforeAll(async () => {
    const producer = kafkaClient().producer();
    await producer.connect();
    await producer.send({ topic: TOPIC, messages: MESSAGES });
    await producer.disconnect();

    // The target table is missing: every record is dead-lettered (offset 3 already at decode).
    const pipeline = await startPipeline([TOPIC], { route: { topicPrefix: PREFIX } });
    const admin = kafkaClient().admin();
    await admin.connect();
    try {
      const deadline = Date.now() + 60_000;
      while ((await consumerLag(admin, pipeline.groupId, [TOPIC])) > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      await admin.disconnect();
      await pipeline.stop();
    }
  });

  afterAll(async () => {
    await target(async (db) => {
      await db.query(`DROP TABLE IF EXISTS public.${TABLE}`);
      await db.query('DELETE FROM cdc_dead_letters WHERE topic = $1', [TOPIC]);
    });
    const admin = kafkaClient().admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [TOPIC] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('dead-letters the exact Kafka bytes, with a value-free reason', async () => {
    const stored = await deadLetters();
    expect(stored.map((row) => [row.kafka_offset, row.stage])).toEqual([
      ['0', 'apply'],
      ['1', 'apply'],
      ['2', 'apply'],
      ['3', 'decode'],
    ]);
    for (const row of stored) {
      const produced = MESSAGES[Number(row.kafka_offset)]!;
      expect(row.raw_key).toEqual(Buffer.from(produced.key));
      expect(row.raw_value).toEqual(Buffer.from(produced.value));
    }
    expect(stored[0]!.reason).toContain(`"public"."${TABLE}" does not exist`);
    for (const row of stored) expect(row.reason).not.toContain(SECRET);
  });

  it('list shows id, origin, stage and reason, and row values only with --show-values', async () => {
    const plain = await deadLetterCli(['list', '--topic', TOPIC]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/id\s+origin\s+stage\s+attempts\s+failed_at\s+reason/);
    expect(plain.stdout).toContain(`${TOPIC}[0]@3`);
    expect(plain.stdout).toContain('4 dead letters.');
    expect(plain.stdout).not.toContain(SECRET);

    const narrowed = await deadLetterCli(['list', '--table', TABLE, '--stage', 'decode', '--show-values']);
    expect(narrowed.code).toBe(0);
    expect(narrowed.stdout).toContain(`${TOPIC}[0]@3`);
    expect(narrowed.stdout).not.toContain(`${TOPIC}[0]@2`);
    expect(narrowed.stdout).toContain('value:  this is { not JSON');
  });

  it('replays after the fix: applied ones are deleted, the others stay with a new reason and attempt', async () => {
    await target((db) =>
      db.query(
        `CREATE TABLE public.${TABLE} (id integer PRIMARY KEY, name text NOT NULL, in_stock boolean,
           synced_at timestamptz NOT NULL DEFAULT now())`,
      ),
    );

    const before = await deadLetters();
    const replay = await deadLetterCli(['replay', '--topic', TOPIC]);
    expect(replay.stderr).toBe('');
    expect(replay.code).toBe(1); // two records still fail
    expect(replay.stdout).toContain('Replayed 4: 2 applied and deleted, 2 failed again');
    expect(replay.stdout).toContain(
      `✓ #${before.find((row) => row.kafka_offset === '2')!.id} ${TOPIC}[0]@2 applied`,
    );
    expect(replay.stdout).not.toContain(SECRET);

    const rows = await target(
      async (db) =>
        (
          await db.query<{ id: number; name: string; in_stock: boolean }>(
            `SELECT id, name, in_stock FROM public.${TABLE} ORDER BY id`,
          )
        ).rows,
    );
    expect(rows).toEqual([
      { id: 1, name: SECRET, in_stock: false },
      { id: 3, name: 'three', in_stock: true },
    ]);

    const left = await deadLetters();
    expect(left.map((row) => [row.kafka_offset, row.stage, row.attempts])).toEqual([
      ['1', 'apply', 2],
      ['3', 'decode', 2],
    ]);
    expect(left[0]!.reason).toBe(
      `upsert into "public"."${TABLE}" failed (SQLSTATE 23502, column "name"): ` +
        'NOT NULL violation: the change has no value for a column the target requires',
    );
    expect(left[0]!.detail).toContain('violates not-null constraint');
    for (const row of left) expect(row.retried_at).toBeInstanceOf(Date);

    // Nothing changed for the one that still fails: replaying it again fails again, exit 1.
    const again = await deadLetterCli(['replay', '--id', left[0]!.id]);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain(`✗ #${left[0]!.id} ${TOPIC}[0]@1 still fails (apply)`);
    expect((await deadLetters())[0]!.attempts).toBe(3);
  });

  it('discard needs a filter or --yes, and deletes what the filter selects', async () => {
    const bare = await deadLetterCli(['discard']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('fix: narrow it');
    expect(await deadLetters()).toHaveLength(2);

    const badStage = await deadLetterCli(['list', '--stage', 'sideways']);
    expect(badStage.code).toBe(2);

    const discarded = await deadLetterCli(['discard', '--topic', TOPIC, '--reason', 'not valid json']);
    expect(discarded.code).toBe(0);
    expect(discarded.stdout).toContain('Discarded 1 dead letter.');
    expect((await deadLetters()).map((row) => row.kafka_offset)).toEqual(['1']);
  });
});
