/**
 * What the scale-out tests share: tables whose every change carries a new version from one source
 * sequence, a target trigger that records each application of each (table, id, version), a writer
 * that keeps changing them, topics with several partitions, and the group's assignment as the
 * broker sees it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AssignerProtocol } from 'kafkajs';
import type pg from 'pg';
import { kafkaClient, source, target } from './stack.js';
import { createReadyTopics } from './topics.js';

/** Source and target tables of `schema`, and the application count in the target. */
export async function createVersionedTables(schema: string, tables: readonly string[]): Promise<void> {
  await source(async (db) => {
    await db.query(`CREATE SCHEMA ${schema}`);
    await db.query(`CREATE SEQUENCE ${schema}.versions`);
    for (const table of tables)
      await db.query(`CREATE TABLE ${schema}.${table} (id integer PRIMARY KEY, version bigint NOT NULL)`);
  });
  await target(async (db) => {
    await db.query(`CREATE SCHEMA ${schema}`);
    await db.query(
      `CREATE TABLE ${schema}.applications (tbl text NOT NULL, id integer NOT NULL, version bigint NOT NULL)`,
    );
    await db.query(`CREATE FUNCTION ${schema}.count_application() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO ${schema}.applications VALUES (TG_TABLE_NAME, NEW.id, NEW.version); RETURN NEW; END $$`);
    for (const table of tables) {
      await db.query(`CREATE TABLE ${schema}.${table} (id integer PRIMARY KEY, version bigint NOT NULL)`);
      await db.query(`CREATE TRIGGER counted AFTER INSERT OR UPDATE ON ${schema}.${table}
        FOR EACH ROW EXECUTE FUNCTION ${schema}.count_application()`);
    }
  });
}

/** (table, id, version) triples of `tables` the trigger recorded more than once: changes applied twice. */
export const appliedTwice = (schema: string, tables: readonly string[]): Promise<number> =>
  target(async (db) => {
    const { rows } = await db.query<{ count: string }>(
      `SELECT count(*)::text FROM (SELECT 1 FROM ${schema}.applications WHERE tbl = ANY($1)
         GROUP BY tbl, id, version HAVING count(*) > 1) AS twice`,
      [tables],
    );
    return Number(rows[0]!.count);
  });

export interface Writer {
  /** Changes committed so far. */
  readonly changes: () => number;
  /** Stops after the transaction in progress; rejects when the writer failed. */
  stop(): Promise<number>;
}

const STATEMENTS_PER_TRANSACTION = 5;
const PAUSE_MS = 10;
const DELETE_SHARE = 0.1;

/**
 * Keeps changing random rows of the tables (upserts to a new version, some deletes) in small
 * transactions until stopped: a steady load for instances to join and leave under.
 */
export function startWriter(
  schema: string,
  tables: readonly string[],
  rows: number,
  random: () => number,
): Writer {
  let stopping = false;
  let changes = 0;
  const write = async (db: pg.Client): Promise<void> => {
    while (!stopping) {
      await db.query('BEGIN');
      for (let i = 0; i < STATEMENTS_PER_TRANSACTION; i += 1) {
        const table = `${schema}.${tables[Math.floor(random() * tables.length)]!}`;
        const id = 1 + Math.floor(random() * rows);
        if (random() < DELETE_SHARE) await db.query(`DELETE FROM ${table} WHERE id = $1`, [id]);
        else
          await db.query(
            `INSERT INTO ${table} VALUES ($1, nextval('${schema}.versions'))
             ON CONFLICT (id) DO UPDATE SET version = nextval('${schema}.versions')`,
            [id],
          );
      }
      await db.query('COMMIT');
      changes += STATEMENTS_PER_TRANSACTION;
      await sleep(PAUSE_MS);
    }
  };
  const running = source(write);
  // Surfaced by stop(), not as an unhandled rejection in between.
  running.catch(() => undefined);
  return {
    changes: () => changes,
    async stop() {
      stopping = true;
      await running;
      return changes;
    },
  };
}

/** Creates the topics with `partitions` each, before the service subscribes to their pattern. */
export async function createPartitionedTopics(topics: readonly string[], partitions: number): Promise<void> {
  await createReadyTopics(
    'it-scale-out-admin',
    topics.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
  );
}

/** Partitions each member of the group holds, as the broker's last assignment says. */
export async function memberPartitions(groupId: string): Promise<number[]> {
  const admin = kafkaClient('it-scale-out-admin').admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    const group = groups[0];
    if (!group || group.state !== 'Stable') return [];
    return group.members.map((member) => {
      const decoded = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
      return Object.values(decoded?.assignment ?? {}).flat().length;
    });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Waits until the group has `members` members that share all `partitions`, each holding some;
 * returns the last assignment seen (for the assertion to judge after the timeout).
 */
export async function waitForSpread(
  groupId: string,
  members: number,
  partitions: number,
  timeoutMs: number,
): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const held = await memberPartitions(groupId);
    const spread =
      held.length === members &&
      held.every((count) => count > 0) &&
      held.reduce((sum, count) => sum + count, 0) === partitions;
    if (spread || Date.now() > deadline) return held.sort((a, b) => b - a);
    await sleep(250);
  }
}
