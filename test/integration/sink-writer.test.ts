/**
 * The Postgres sink against the real target database, on tables of its own (sink_test_<random>):
 * upserts, deletes, truncates, TOAST placeholders, exact values, poison records, unknown tables and
 * columns, schema changes under the cache, transient errors, and replays.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FencedError, isRetriable } from '../../src/errors.js';
import { createTargetPool } from '../../src/sinks/pool.js';
import { createPostgresSink, type PostgresSink } from '../../src/sinks/writer.js';
import { UNAVAILABLE, type ColumnValue, type Op, type RoutedChange, type TableRef } from '../../src/types.js';
import { change } from '../sinks/fixtures.js';
import {
  capturingLogger,
  qualified,
  tableRegistry,
  textRows,
  uniqueTableName,
} from '../sinks/target-tables.js';
import { stack } from './support/stack.js';

/** A table with a key, several types, a NOT NULL column, free text and the sync-time column. */
const PEOPLE = `
  id integer PRIMARY KEY,
  name varchar(20) NOT NULL,
  bio text,
  amount numeric(50,10),
  born date,
  seen_at timestamptz,
  active boolean,
  tags text[],
  synced_at timestamptz`;
const PEOPLE_COLUMNS = ['id', 'name', 'bio', 'amount', 'born', 'seen_at', 'active', 'tags'];

let pool: pg.Pool;
const tables = () => tableRegistry(pool);
let registry: ReturnType<typeof tables>;

beforeAll(async () => {
  pool = createTargetPool(stack().TARGET_DATABASE_URL, { max: 2, applicationName: 'cdc-sink-test' });
  registry = tables();
});
afterEach(async () => {
  await registry.dropTables();
});
afterAll(async () => {
  await pool.end();
});

type Values = Record<string, ColumnValue>;
const upsert = (table: TableRef, after: Values, op: Op = 'u'): RoutedChange =>
  change(table, op, { key: { id: after.id ?? null }, after });
const remove = (table: TableRef, id: string): RoutedChange =>
  change(table, 'd', { key: { id }, before: { id } });
const truncate = (table: TableRef): RoutedChange => change(table, 't');
const person = (id: number, fields: Values = {}): Values => ({
  id: String(id),
  name: `person ${id}`,
  bio: null,
  ...fields,
});

const rows = (table: TableRef, columns = PEOPLE_COLUMNS) => textRows(pool, table, columns);
const sinkOf = (options: Partial<Parameters<typeof createPostgresSink>[0]> = {}): PostgresSink =>
  createPostgresSink({ pool, unknownColumns: 'ignore', ...options });

describe('Postgres sink: applying changes', () => {
  it('inserts new rows, stamps synced_at and reports every origin as applied', async () => {
    const table = await registry.createTable(PEOPLE);
    const changes = [
      upsert(table, person(1, { amount: '12.5', born: '1990-02-03', active: 't', tags: '{a,b}' }), 'c'),
      upsert(table, person(2), 'r'),
    ];
    const before = await pool.query<{ now: Date }>('SELECT now()');

    const result = await sinkOf().flush(changes);

    expect(result).toEqual({ applied: changes.map((c) => c.origin), failed: [], deadLettered: false });
    expect(await rows(table)).toEqual([
      {
        id: '1',
        name: 'person 1',
        bio: null,
        amount: '12.5000000000',
        born: '1990-02-03',
        seen_at: null,
        active: 'true',
        tags: '{a,b}',
      },
      {
        id: '2',
        name: 'person 2',
        bio: null,
        amount: null,
        born: null,
        seen_at: null,
        active: null,
        tags: null,
      },
    ]);
    const { rows: stamped } = await pool.query<{ synced_at: Date }>(
      `SELECT synced_at FROM ${qualified(table)}`,
    );
    for (const { synced_at } of stamped)
      expect(synced_at.getTime()).toBeGreaterThanOrEqual(before.rows[0]!.now.getTime());
  });

  it('updates existing rows and moves synced_at forward', async () => {
    const table = await registry.createTable(PEOPLE);
    const sink = sinkOf();
    await sink.flush([upsert(table, person(1, { bio: 'old' }), 'c'), upsert(table, person(2), 'c')]);
    const first = await pool.query<{ synced_at: Date }>(
      `SELECT synced_at FROM ${qualified(table)} WHERE id = 1`,
    );

    await sink.flush([
      upsert(table, person(1, { name: 'renamed', bio: 'new', seen_at: '2024-05-06 07:08:09.123456+00' })),
    ]);

    expect(await rows(table, ['id', 'name', 'bio', 'seen_at'])).toEqual([
      { id: '1', name: 'renamed', bio: 'new', seen_at: '2024-05-06 07:08:09.123456+00' },
      { id: '2', name: 'person 2', bio: null, seen_at: null },
    ]);
    const second = await pool.query<{ synced_at: Date }>(
      `SELECT synced_at FROM ${qualified(table)} WHERE id = 1`,
    );
    expect(second.rows[0]!.synced_at.getTime()).toBeGreaterThan(first.rows[0]!.synced_at.getTime());
  });

  it('deletes rows by key, and a delete of a missing row is no error', async () => {
    const table = await registry.createTable(PEOPLE);
    const sink = sinkOf();
    await sink.flush([1, 2, 3].map((id) => upsert(table, person(id), 'c')));

    const result = await sink.flush([remove(table, '2'), remove(table, '99'), upsert(table, person(4), 'c')]);

    expect(result.failed).toEqual([]);
    expect((await rows(table, ['id'])).map((row) => row.id)).toEqual(['1', '3', '4']);
  });

  it('applies a truncate in its place: what follows it in the batch survives, other tables are untouched', async () => {
    const table = await registry.createTable(PEOPLE);
    const other = await registry.createTable(PEOPLE);
    const sink = sinkOf();
    await sink.flush([
      upsert(table, person(1), 'c'),
      upsert(table, person(2), 'c'),
      upsert(other, person(1), 'c'),
    ]);

    const result = await sink.flush([
      upsert(table, person(3), 'c'),
      upsert(other, person(2), 'c'),
      truncate(table),
      upsert(table, person(4), 'c'),
      upsert(table, person(5), 'c'),
      remove(table, '5'),
      upsert(other, person(3), 'c'),
    ]);

    expect(result.failed).toEqual([]);
    expect(result.applied).toHaveLength(7);
    expect((await rows(table, ['id'])).map((row) => row.id)).toEqual(['4']);
    expect((await rows(other, ['id'])).map((row) => row.id)).toEqual(['1', '2', '3']);
  });

  it('keeps the stored value of an UNAVAILABLE (TOASTed) column while the other columns change', async () => {
    const table = await registry.createTable(PEOPLE);
    const sink = sinkOf();
    const longBio = 'x'.repeat(10_000);
    await sink.flush([
      upsert(table, person(1, { bio: longBio, amount: '1' }), 'c'),
      upsert(table, person(2, { bio: 'two' }), 'c'),
    ]);

    const result = await sink.flush([
      upsert(table, person(1, { name: 'changed', bio: UNAVAILABLE, amount: '2' })),
      upsert(table, person(2, { name: 'also', bio: 'replaced', amount: '3' })),
    ]);

    expect(result.failed).toEqual([]);
    expect(await rows(table, ['id', 'name', 'bio', 'amount'])).toEqual([
      { id: '1', name: 'changed', bio: longBio, amount: '2.0000000000' },
      { id: '2', name: 'also', bio: 'replaced', amount: '3.0000000000' },
    ]);
    const placeholders = await pool.query(`SELECT 1 FROM ${qualified(table)} WHERE bio LIKE '%unavailable%'`);
    expect(placeholders.rowCount).toBe(0);
  });

  it('fails a new row whose NOT NULL column is UNAVAILABLE (nothing stored to keep), applying the rest', async () => {
    const table = await registry.createTable(PEOPLE);
    const orphan = upsert(table, person(1, { name: UNAVAILABLE }));
    const fine = upsert(table, person(2), 'c');

    const result = await sinkOf().flush([orphan, fine]);

    expect(result.applied).toEqual([fine.origin]);
    expect(result.failed).toEqual([
      expect.objectContaining({
        stage: 'apply',
        origin: orphan.origin,
        reason: expect.stringContaining('SQLSTATE 23502'),
      }),
    ]);
  });

  it('round-trips tabs, newlines, carriage returns, backslashes, emoji, \\N text and the empty string exactly', async () => {
    const table = await registry.createTable(PEOPLE);
    const tricky = [
      'tab\there',
      'line\nbreak',
      'cr\r\nlf',
      'back\\slash \\N \\.',
      'emoji 🐘🚀 zoë 日本',
      '',
      ' ',
      '"quoted", \'single\'',
    ];
    const changes = tricky.map((bio, index) => upsert(table, person(index + 1, { bio }), 'c'));
    changes.push(upsert(table, person(100, { bio: null }), 'c'));

    await sinkOf().flush(changes);

    const stored = await rows(table, ['id', 'bio']);
    expect(stored.map((row) => row.bio)).toEqual([...tricky, null]);
  });

  it('keeps every digit of a 40-digit NUMERIC', async () => {
    const table = await registry.createTable(PEOPLE);
    const amounts = [
      '1234567890123456789012345678901234567890.0123456789',
      '-9999999999999999999999999999999999999999.9999999999',
    ];

    await sinkOf().flush(amounts.map((amount, index) => upsert(table, person(index + 1, { amount }), 'c')));

    expect((await rows(table, ['id', 'amount'])).map((row) => row.amount)).toEqual(amounts);
  });

  it('isolates poison records (NOT NULL violation, uncastable value, too long, NUL in text) and applies every other one', async () => {
    const table = await registry.createTable(PEOPLE);
    const changes = Array.from({ length: 40 }, (_, index) => upsert(table, person(index + 1), 'c'));
    const poisoned = new Map<number, string>([
      [7, '23502'],
      [19, '22P02'],
      [33, '22001'],
      [38, '22021'],
    ]);
    changes[6] = upsert(table, person(7, { name: null }), 'c');
    changes[18] = upsert(table, person(19, { amount: 'not a number' }), 'c');
    changes[32] = upsert(table, person(33, { name: 'a name far longer than twenty characters' }), 'c');
    // PostgreSQL text cannot hold U+0000: the COPY itself fails, and the bisection finds the row.
    changes[37] = upsert(table, person(38, { bio: 'nul\u0000byte' }), 'c');
    const { logger, lines } = capturingLogger();

    const result = await sinkOf({ logger }).flush(changes);

    expect(result.failed.map((failure) => failure.origin)).toEqual(
      [...poisoned.keys()].map((id) => changes[id - 1]!.origin),
    );
    for (const [failure, code] of result.failed.map((f, i) => [f, [...poisoned.values()][i]] as const)) {
      expect(failure).toMatchObject({ kind: 'failure', stage: 'apply' });
      expect(failure.reason).toContain(`SQLSTATE ${code}`);
      expect(failure.reason).toContain(qualified(table));
      // The failure keeps the raw record of the change it stands for, for an exact replay.
      expect(changes.map((c) => c.record)).toContain(failure.record);
    }
    expect(result.applied).toHaveLength(40 - poisoned.size);
    const ids = (await rows(table, ['id'])).map((row) => Number(row.id));
    expect(ids).toEqual(
      Array.from({ length: 40 }, (_, index) => index + 1).filter((id) => !poisoned.has(id)),
    );
    // Logs name tables, codes and origins, never row values.
    expect(JSON.stringify(lines)).not.toContain('not a number');
    expect(JSON.stringify(lines)).not.toContain('far longer');
  });

  it('with a guard, stores positions and dead letters in the transactions that commit, never a position past an unstored dead letter', async () => {
    const table = await registry.createTable(PEOPLE);
    // Made in order, so offsets ascend through the batch as they do in a lane's batch.
    const poison: Record<number, Values> = { 5: { name: null }, 22: { amount: 'not a number' } };
    const changes = Array.from({ length: 30 }, (_, index) =>
      upsert(table, person(index + 1, poison[index + 1] ?? {}), 'c'),
    );
    // What each committed transaction stored, read back from the target after the flush.
    const journal = await registry.createTable('txn bigint, what text, kafka_offset bigint');
    const guard = {
      record: async (client: Pick<pg.ClientBase, 'query'>, handled: readonly { offset: string }[]) => {
        await client.query(
          `INSERT INTO ${qualified(journal)} SELECT txid_current(), 'position', unnest($1::bigint[])`,
          [handled.map((origin) => origin.offset)],
        );
      },
      deadLetter: async (
        client: Pick<pg.ClientBase, 'query'>,
        failures: readonly { origin: { offset: string } }[],
      ) => {
        await client.query(
          `INSERT INTO ${qualified(journal)} SELECT txid_current(), 'dead letter', unnest($1::bigint[])`,
          [failures.map((failure) => failure.origin.offset)],
        );
      },
    };

    const result = await sinkOf().flush(changes, guard);

    expect(result.deadLettered).toBe(true);
    const offsetOf = (id: number): string => changes[id - 1]!.origin.offset;
    expect(result.failed.map((failure) => failure.origin.offset)).toEqual([offsetOf(5), offsetOf(22)]);
    const { rows: journalRows } = await pool.query<{ txn: string; what: string; kafka_offset: string }>(
      `SELECT txn::text, what, kafka_offset::text FROM ${qualified(journal)} ORDER BY txn, what, kafka_offset`,
    );
    // Every change is accounted for by exactly one committed transaction, failures included.
    const positioned = journalRows.filter((row) => row.what === 'position').map((row) => row.kafka_offset);
    expect([...positioned].sort()).toEqual(changes.map((c) => c.origin.offset).sort());
    // A dead letter is stored in the very transaction whose positions pass its record.
    for (const failed of [offsetOf(5), offsetOf(22)]) {
      const stored = journalRows.filter((row) => row.what === 'dead letter' && row.kafka_offset === failed);
      expect(stored).toHaveLength(1);
      const positionedIn = journalRows.find((row) => row.what === 'position' && row.kafka_offset === failed);
      expect(positionedIn?.txn).toBe(stored[0]!.txn);
    }
    // Transactions commit in batch order: no transaction positions a record while an earlier
    // failure waits for a later one.
    const txns = [...new Set(journalRows.map((row) => row.txn))];
    const maxOf = (txn: string) =>
      Math.max(...journalRows.filter((row) => row.txn === txn).map((row) => Number(row.kafka_offset)));
    expect(txns.map(maxOf)).toEqual([...txns.map(maxOf)].sort((a, b) => a - b));
    expect((await rows(table, ['id'])).map((row) => Number(row.id))).toHaveLength(28);
  });

  it('with a guard that is fenced off, writes nothing and throws the FencedError', async () => {
    const table = await registry.createTable(PEOPLE);
    const guard = {
      record: async () => {
        throw new FencedError([{ topic: 't', partition: 0 }]);
      },
      deadLetter: async () => undefined,
    };
    await expect(sinkOf().flush([upsert(table, person(1), 'c')], guard)).rejects.toBeInstanceOf(FencedError);
    expect(await rows(table, ['id'])).toEqual([]);
  });

  it('isolates a record poisoned after a truncate without disturbing the order around it', async () => {
    const table = await registry.createTable(PEOPLE);
    const sink = sinkOf();
    await sink.flush([upsert(table, person(1), 'c')]);
    const bad = upsert(table, person(3, { born: 'yesterday-ish' }), 'c');

    const result = await sink.flush([
      upsert(table, person(2), 'c'),
      truncate(table),
      bad,
      upsert(table, person(4), 'c'),
    ]);

    expect(result.failed.map((failure) => failure.origin)).toEqual([bad.origin]);
    expect((await rows(table, ['id'])).map((row) => row.id)).toEqual(['4']);
  });

  it('fails the records of a table the target does not have, naming it and the fix, without a transaction', async () => {
    const table = await registry.createTable(PEOPLE);
    const missing = { schema: 'public', table: uniqueTableName('sink_test_missing') };
    const sink = sinkOf();
    const connect = vi.spyOn(pool, 'connect');
    try {
      const onlyMissing = await sink.flush([upsert(missing, person(1), 'c'), remove(missing, '2')]);
      expect(onlyMissing.applied).toEqual([]);
      expect(onlyMissing.failed).toHaveLength(2);
      for (const failure of onlyMissing.failed) {
        expect(failure.stage).toBe('apply');
        expect(failure.reason).toContain(qualified(missing));
        expect(failure.reason).toContain('create it in the target database');
      }
      // pool.query checks a client out with a callback; a transaction (withTransaction) without one.
      expect(connect.mock.calls.filter((args) => (args as unknown[]).length === 0)).toEqual([]);
    } finally {
      connect.mockRestore();
    }

    const mixed = await sink.flush([upsert(missing, person(1), 'c'), upsert(table, person(1), 'c')]);
    expect(mixed.failed).toHaveLength(1);
    expect(mixed.applied).toHaveLength(1);
  });

  it('refuses a table without a primary key, saying so', async () => {
    const keyless = await registry.createTable('id integer, name text');

    const result = await sinkOf().flush([upsert(keyless, { id: '1', name: 'x' }, 'c')]);

    expect(result.failed[0]?.reason).toContain('has no primary key');
    expect((await pool.query(`SELECT * FROM ${qualified(keyless)}`)).rowCount).toBe(0);
  });

  it("ignores event columns the target lacks under 'ignore', warning once per table and column", async () => {
    const table = await registry.createTable(PEOPLE);
    const { logger, lines } = capturingLogger();
    const sink = sinkOf({ logger, unknownColumns: 'ignore' });

    const first = await sink.flush([upsert(table, person(1, { nickname: 'secret-value' }), 'c')]);
    const second = await sink.flush([upsert(table, person(2, { nickname: 'other' }), 'c')]);

    expect([...first.failed, ...second.failed]).toEqual([]);
    expect((await rows(table, ['id'])).map((row) => row.id)).toEqual(['1', '2']);
    const warnings = lines.filter((line) => line.column === 'nickname');
    expect(warnings).toEqual([
      expect.objectContaining({ table: `public.${table.table}`, column: 'nickname' }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('secret-value');
  });

  it("makes a record with columns the target lacks a failure under 'dead-letter'", async () => {
    const table = await registry.createTable(PEOPLE);
    const odd = upsert(table, person(1, { nickname: 'x' }), 'c');
    const fine = upsert(table, person(2), 'c');

    const result = await sinkOf({ unknownColumns: 'dead-letter' }).flush([odd, fine]);

    expect(result.applied).toEqual([fine.origin]);
    expect(result.failed).toEqual([
      expect.objectContaining({ origin: odd.origin, reason: expect.stringContaining('"nickname"') }),
    ]);
  });

  it('picks up a column added to the target after the table was cached, without a restart', async () => {
    const table = await registry.createTable(PEOPLE);
    const sink = sinkOf({ unknownColumns: 'dead-letter' });
    await sink.flush([upsert(table, person(1), 'c')]);
    await pool.query(`ALTER TABLE ${qualified(table)} ADD COLUMN nickname text`);

    const result = await sink.flush([upsert(table, person(2, { nickname: 'new column' }), 'c')]);

    expect(result.failed).toEqual([]);
    expect(await rows(table, ['id', 'nickname'])).toEqual([
      { id: '1', nickname: null },
      { id: '2', nickname: 'new column' },
    ]);
  });

  it('reads the catalog again when a cached column was dropped from the target, instead of failing records', async () => {
    const table = await registry.createTable(PEOPLE);
    const { logger, lines } = capturingLogger();
    const sink = sinkOf({ logger });
    await sink.flush([upsert(table, person(1, { bio: 'x' }), 'c')]);
    await pool.query(`ALTER TABLE ${qualified(table)} DROP COLUMN bio`);

    const result = await sink.flush([upsert(table, person(2, { bio: 'gone' }), 'c')]);

    expect(result.failed).toEqual([]);
    expect(lines).toContainEqual(
      expect.objectContaining({ code: '42703', msg: expect.stringContaining('catalog refreshed') }),
    );
    expect((await rows(table, ['id'])).map((row) => row.id)).toEqual(['1', '2']);
  });

  it('throws a transient error (serialization failure) to the caller, retriable, with nothing committed', async () => {
    const table = await registry.createTable(PEOPLE);
    const raise = uniqueTableName('sink_test_raise');
    await pool.query(
      `CREATE FUNCTION ${pg.escapeIdentifier(raise)}() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN IF NEW.id = 2 THEN RAISE EXCEPTION 'simulated' USING ERRCODE = 'serialization_failure'; END IF; RETURN NEW; END $$`,
    );
    try {
      await pool.query(
        `CREATE TRIGGER transient BEFORE INSERT ON ${qualified(table)} FOR EACH ROW EXECUTE FUNCTION ${pg.escapeIdentifier(raise)}()`,
      );
      const flushed = sinkOf().flush([upsert(table, person(1), 'c'), upsert(table, person(2), 'c')]);

      const error: unknown = await flushed.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Error);
      expect(isRetriable(error)).toBe(true);
      expect(await rows(table, ['id'])).toEqual([]);
    } finally {
      await pool.query(`DROP TABLE IF EXISTS ${qualified(table)}`);
      await pool.query(`DROP FUNCTION IF EXISTS ${pg.escapeIdentifier(raise)}()`);
    }
  });

  it('leaves the table identical when the same batch is replayed (at-least-once delivery)', async () => {
    const table = await registry.createTable(PEOPLE);
    const sink = sinkOf();
    await sink.flush([1, 2, 3].map((id) => upsert(table, person(id, { bio: `bio ${id}` }), 'c')));
    const batch = [
      upsert(table, person(1, { name: 'one', bio: UNAVAILABLE })),
      remove(table, '2'),
      upsert(table, person(4, { amount: '4.5' }), 'c'),
      upsert(table, person(5, { name: null }), 'c'),
    ];

    const first = await sink.flush(batch);
    const once = await rows(table);
    const second = await sink.flush(batch);

    expect(await rows(table)).toEqual(once);
    expect(second.applied).toEqual(first.applied);
    expect(second.failed.map((failure) => failure.origin)).toEqual(
      first.failed.map((failure) => failure.origin),
    );
    expect(once.map((row) => [row.id, row.name, row.bio])).toEqual([
      ['1', 'one', 'bio 1'],
      ['3', 'person 3', 'bio 3'],
      ['4', 'person 4', null],
    ]);
  });

  it('writes odd identifiers (quotes, spaces, upper case) through the catalog, quoted', async () => {
    const name = `${uniqueTableName()} Weird "Name"`;
    const table = await registry.createTable(
      '"Key ""A""" integer PRIMARY KEY, "Value; DROP" text, "UPPER" text',
      name,
    );

    const result = await sinkOf().flush([
      change(table, 'c', {
        key: { 'Key "A"': '1' },
        after: { 'Key "A"': '1', 'Value; DROP': 'v', UPPER: 'u' },
      }),
    ]);

    expect(result.failed).toEqual([]);
    expect(await textRows(pool, table, ['Key "A"', 'Value; DROP', 'UPPER'], 'Key "A"')).toEqual([
      { 'Key "A"': '1', 'Value; DROP': 'v', UPPER: 'u' },
    ]);
  });
});
