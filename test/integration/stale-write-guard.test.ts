/**
 * The stale-write guard on the real stack (PIPELINE_SOURCE_POSITION_COLUMN): a target table with a
 * bigint[] position column takes only changes newer than its rows and deleted keys.
 *
 * The source table holds rows before its connector starts (initial-snapshot reads), then takes a
 * workload: interleaved transactions (one writes first and commits last), several updates of one
 * key in one transaction, deletes, a key deleted and inserted again, an incremental snapshot, and
 * changes after it. One pipeline group applies it all; then a second group (a second pipeline on
 * the same topic) replays the whole topic, every change older than or as old as the target's rows,
 * on top. A trigger records every write to the target table: the replay writes nothing (so no row
 * goes back to an older version and no deleted row comes back), and the target equals the source
 * row by row.
 *
 * The first transaction after the snapshot inserts a new row: that transaction carries no commit
 * position, and a snapshot read replayed over a row it changed is the one case the README says the
 * guard does not order (test/sinks/source-position.test.ts shows it).
 *
 * Isolation: a schema, a Debezium connector (own slot, publication, topic prefix, signal table) and
 * consumer groups of the test's own, removed afterwards.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newerSql, isNewer, positionText, type SourcePositionKey } from '../../src/sinks/source-position.js';
import {
  committedOffsets,
  createTopics,
  endOffsets,
  readTopic,
  sweepStaleRuns,
} from './support/fidelity-stack.js';
import { stopService, type ServiceProcess } from './support/service-process.js';
import { serviceRun } from './support/service-run.js';
import { source, target } from './support/stack.js';
import { seededRandom } from './support/workload.js';

const runs = serviceRun();
const S = runs.schema;
const TOPIC = runs.topic('items');
const SIGNALS = `${S}.debezium_signal`;
const SNAPSHOT_ROWS = 40;
const POSITION_COLUMN = 'src_pos';
const TIMEOUT_MS = 120_000;

const serviceEnv = (group: string, guard = true): Record<string, string> =>
  runs.env(group, ['items'], {
    ...(guard ? { PIPELINE_SOURCE_POSITION_COLUMN: POSITION_COLUMN } : {}),
    // Small batches: the replay meets the rows in many flushes, not one compacted batch.
    PIPELINE_BATCH_MAX_SIZE: '15',
  });
const startService = (env: Record<string, string>): ServiceProcess => runs.start(env, 'it-stale-write-guard');

let service: ServiceProcess | undefined;

beforeAll(async () => {
  await sweepStaleRuns();
  await source(async (db) => {
    await db.query(`CREATE SCHEMA ${S}`);
    // One counter for every write: a later write always carries a higher version, whatever the row.
    await db.query(`CREATE SEQUENCE ${S}.versions`);
    await db.query(`CREATE TABLE ${S}.items (id integer PRIMARY KEY, version bigint NOT NULL, note text)`);
    await db.query(
      `INSERT INTO ${S}.items SELECT g, nextval('${S}.versions'), 'snapshot' FROM generate_series(1, ${SNAPSHOT_ROWS}) g`,
    );
    await db.query(
      `CREATE TABLE ${SIGNALS} (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))`,
    );
  });
  await target(async (db) => {
    await db.query(`CREATE SCHEMA ${S}`);
    await db.query(
      `CREATE TABLE ${S}.items (id integer PRIMARY KEY, version bigint NOT NULL, note text, ${POSITION_COLUMN} bigint[])`,
    );
    await db.query(`CREATE TABLE ${S}.writes (n bigserial PRIMARY KEY, id integer NOT NULL, op text NOT NULL,
      old_version bigint, new_version bigint)`);
    await db.query(`CREATE FUNCTION ${S}.record_write() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO ${S}.writes (id, op, old_version, new_version) VALUES (
          CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END, TG_OP,
          CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.version END,
          CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.version END);
        RETURN NULL;
      END $$`);
    await db.query(`CREATE TRIGGER recorded AFTER INSERT OR UPDATE OR DELETE ON ${S}.items
      FOR EACH ROW EXECUTE FUNCTION ${S}.record_write()`);
  });
  await createTopics([TOPIC]);
  await runs.startConnector(['items', 'debezium_signal'], { 'signal.data.collection': SIGNALS });
}, 120_000);

afterAll(async () => {
  expect(await runs.teardown()).toEqual([]);
}, 120_000);

const write = (db: pg.Client, sql: string, values: unknown[] = []) => db.query(sql, values);
const update = (db: pg.Client, id: number, note: string) =>
  write(db, `UPDATE ${S}.items SET version = nextval('${S}.versions'), note = $2 WHERE id = $1`, [id, note]);
const insert = (db: pg.Client, id: number, note: string) =>
  write(db, `INSERT INTO ${S}.items VALUES ($1, nextval('${S}.versions'), $2)`, [id, note]);
const remove = (db: pg.Client, id: number) => write(db, `DELETE FROM ${S}.items WHERE id = $1`, [id]);

/** Two sessions: A writes first and commits last, B commits in between (A's change LSNs are lower). */
async function interleaved(): Promise<void> {
  await source((a) =>
    source(async (b) => {
      await a.query('BEGIN');
      await update(a, 1, 'A first');
      await update(a, 1, 'A second');
      await b.query('BEGIN');
      await update(b, 2, 'B');
      await update(b, 1000, 'B on the new row');
      await b.query('COMMIT');
      await update(a, 3, 'A third');
      await a.query('COMMIT');
    }),
  );
}

/** Random updates, deletes and inserts over the snapshot's keys and a few more. */
async function randomChanges(db: pg.Client, count: number, random: () => number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const id = 11 + Math.floor(random() * (SNAPSHOT_ROWS + 10));
    const roll = random();
    if (roll < 0.15) await remove(db, id);
    else
      await write(
        db,
        `INSERT INTO ${S}.items VALUES ($1, nextval('${S}.versions'), $2)
         ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, note = EXCLUDED.note`,
        [id, `random ${i}`],
      );
  }
}

/** (id, version, note) of every row, as text, by id. */
async function rowsOf(which: typeof source): Promise<Map<number, string>> {
  return which(async (db) => {
    const { rows } = await db.query<{ id: number; row: string }>(
      `SELECT id, concat_ws('|', version, note) AS row FROM ${S}.items ORDER BY id`,
    );
    return new Map(rows.map((row) => [row.id, row.row]));
  });
}

/** The rows that differ between source and target (empty when equal), after waiting up to the timeout. */
async function differences(): Promise<string[]> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const [from, to] = await Promise.all([rowsOf(source), rowsOf(target)]);
    const ids = new Set([...from.keys(), ...to.keys()]);
    const differing = [...ids]
      .filter((id) => from.get(id) !== to.get(id))
      .map((id) => `${id}: source ${from.get(id) ?? 'absent'}, target ${to.get(id) ?? 'absent'}`);
    if (differing.length === 0 || Date.now() > deadline) return differing;
    await sleep(250);
  }
}

/** Waits until the group has committed up to the end of the topic: every record read and handled. */
async function waitForGroupAtEnd(group: string): Promise<void> {
  const end = (await endOffsets([TOPIC])).get(TOPIC);
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const committed = (await committedOffsets(runs.group(group), [TOPIC])).get(TOPIC);
    if (committed !== undefined && end !== undefined && committed >= end) return;
    if (Date.now() > deadline) throw new Error(`group ${group} at ${committed}, topic end ${end}`);
    await sleep(500);
  }
}

/** The number of the last write the trigger recorded (0 before any). */
const lastWrite = (): Promise<number> =>
  target(async (db) =>
    Number((await db.query(`SELECT coalesce(max(n), 0) AS n FROM ${S}.writes`)).rows[0].n),
  );

const writesSince = (n: number) =>
  target(async (db) => {
    const { rows } = await db.query<{
      n: string;
      id: number;
      op: string;
      old_version: string;
      new_version: string;
    }>(
      `SELECT n::text, id, op, old_version::text, new_version::text FROM ${S}.writes WHERE n > $1 ORDER BY n`,
      [n],
    );
    return rows;
  });

describe('stale-write guard', () => {
  it(
    'a second pipeline replaying the whole topic on top of newer rows writes nothing: no row goes back, no deleted row returns',
    { timeout: 400_000 },
    async () => {
      const random = seededRandom(10);
      // The first transaction after the snapshot: a new row (see the header).
      await source((db) => insert(db, 1000, 'first after the snapshot'));
      await interleaved();
      await source(async (db) => {
        // Three updates of one key in one transaction, and a delete inside one.
        await db.query('BEGIN');
        for (const note of ['one', 'two', 'three']) await update(db, 4, `in one transaction: ${note}`);
        await update(db, 9, 'updated, then deleted and inserted again in one transaction');
        await remove(db, 9);
        await insert(db, 9, 'inserted again in the same transaction');
        await db.query('COMMIT');
        // Deleted for good: their snapshot reads and updates come again in the replay.
        await update(db, 6, 'updated before its delete');
        await remove(db, 6);
        await remove(db, 7);
        // Deleted, then inserted again later.
        await remove(db, 5);
        await randomChanges(db, 120, random);
        await insert(db, 5, 'back after its delete');
      });

      // An incremental snapshot of the table, with nothing else running: every row read again.
      const rowsNow = (await rowsOf(source)).size;
      await source((db) =>
        db.query(`INSERT INTO ${SIGNALS} VALUES ($1, 'execute-snapshot', $2)`, [
          `guard-${runs.run.suffix}`,
          JSON.stringify({ 'data-collections': [`${S}.items`], type: 'incremental' }),
        ]),
      );
      const events = await readTopic(
        TOPIC,
        runs.group('reader'),
        (read) => read.filter((event) => event.snapshot === 'incremental').length >= rowsNow,
        TIMEOUT_MS,
      );
      const incrementalReads = events.filter((event) => event.snapshot === 'incremental').length;
      expect(incrementalReads).toBe(rowsNow);
      // Changes after it, to rows it read.
      await source(async (db) => {
        await update(db, 11, 'after the incremental snapshot');
        await remove(db, 12);
        await randomChanges(db, 30, random);
      });
      const initialReads = events.filter(
        (event) => event.op === 'r' && event.snapshot !== 'incremental',
      ).length;
      expect(initialReads).toBe(SNAPSHOT_ROWS);

      // The first pipeline applies everything.
      service = startService(serviceEnv('first'));
      await service.consuming;
      await waitForGroupAtEnd('first');
      expect(await differences()).toEqual([]);
      expect(await stopService(service)).toBe(0);
      service = undefined;
      const unpositioned = await target(
        async (db) =>
          (await db.query(`SELECT count(*)::int AS n FROM ${S}.items WHERE ${POSITION_COLUMN} IS NULL`))
            .rows[0].n,
      );
      expect(unpositioned).toBe(0);
      const sourceIds = new Set((await rowsOf(source)).keys());
      const tombstones = await target(async (db) => {
        const { rows } = await db.query<{ row_key: string }>(
          'SELECT row_key FROM public.cdc_deleted_keys WHERE schema_name = $1 AND table_name = $2',
          [S, 'items'],
        );
        return rows.map((row) => (JSON.parse(row.row_key) as string[])[0]);
      });
      // Every key deleted for good has a tombstone (keys inserted again may keep theirs: it is older).
      for (const id of [6, 7, 12]) expect(tombstones).toContain(String(id));
      for (const id of [6, 7, 12]) expect(sourceIds.has(id)).toBe(false);

      // An expired tombstone (of another table) goes at the next pipeline's first guarded flush.
      await target((db) =>
        db.query(
          `INSERT INTO public.cdc_deleted_keys VALUES ($1, 'expired', '["1"]', '{1,2,1}', now() - interval '200 hours')`,
          [S],
        ),
      );
      const before = await lastWrite();

      // A second pipeline (its own group) replays the whole topic on top.
      service = startService(serviceEnv('second'));
      await service.consuming;
      await waitForGroupAtEnd('second');
      expect(await stopService(service)).toBe(0);
      service = undefined;
      expect(await writesSince(before)).toEqual([]);
      expect(await differences()).toEqual([]);
      const expired = await target(
        async (db) =>
          (
            await db.query(
              `SELECT count(*)::int AS n FROM public.cdc_deleted_keys WHERE schema_name = $1 AND table_name = 'expired'`,
              [S],
            )
          ).rows[0].n,
      );
      expect(expired).toBe(0);

      // The control: the same replay by a third pipeline without the guard rewrites rows with older
      // versions (the replay does carry stale changes, and the trigger sees them).
      const beforeControl = await lastWrite();
      service = startService(serviceEnv('unguarded', false));
      await service.consuming;
      await waitForGroupAtEnd('unguarded');
      expect(await stopService(service)).toBe(0);
      service = undefined;
      const unguarded = await writesSince(beforeControl);
      const wentBack = unguarded.filter(
        (w) => w.op === 'UPDATE' && BigInt(w.new_version) < BigInt(w.old_version),
      ).length;
      const cameBack = unguarded.filter((w) => w.op === 'INSERT' && !sourceIds.has(w.id)).length;
      console.log(
        `stale-write guard: replay with the guard wrote 0 rows; without it ${unguarded.length} writes, ` +
          `${wentBack} to an older version, ${cameBack} deleted rows inserted again`,
      );
      expect(wentBack).toBeGreaterThan(0);
      expect(cameBack).toBeGreaterThan(0);
    },
  );

  it('orders positions in SQL exactly as the TypeScript rule does', async () => {
    const keys: SourcePositionKey[] = [
      [26570800n, 0n, 0n],
      [0n, 2n, 26570000n],
      [0n, 2n, 26848704n],
      [26848896n, 2n, 26848424n],
      [26848896n, 2n, 26848568n],
      [26850000n, 1n, 0n],
      [26850000n, 2n, 26849000n],
    ];
    const pairs = keys.flatMap((a) => keys.map((b) => [a, b] as const));
    const inSql = await target(async (db) => {
      const { rows } = await db.query<{ newer: boolean }>(
        `SELECT ${newerSql('p.a', 'p.b')} AS newer
           FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(a, b, n),
                LATERAL (SELECT u.a::bigint[] AS a, u.b::bigint[] AS b) AS p
          ORDER BY u.n`,
        [pairs.map(([a]) => positionText(a)), pairs.map(([, b]) => positionText(b))],
      );
      return rows.map((row) => row.newer);
    });
    expect(inSql).toEqual(pairs.map(([a, b]) => isNewer(a, b)));
    const againstNull = await target(
      async (db) =>
        (await db.query(`SELECT ${newerSql("'{1,2,3}'::bigint[]", 'NULL::bigint[]')} AS newer`)).rows[0]
          .newer,
    );
    expect(againstNull).toBe(true);
  });
});
