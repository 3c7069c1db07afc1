/**
 * What the transaction-consistency tests (issue 13) share: a workload of multi-table source
 * transactions and a reader that polls the target for states the source never had.
 *
 * The workload: a user inserted with their order, or a transfer that moves an amount from a row of
 * `debits` to a row of `credits` (the sum over both tables never changes). The reader reads, in one
 * repeatable-read snapshot per poll, orders without their user, a changed sum, and ranges of ids
 * written by one source transaction of which only part shows.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { source, target } from './stack.js';

/** Qualified names (`schema.table`) of the four tables. */
export interface WorkloadTables {
  readonly users: string;
  readonly orders: string;
  readonly debits: string;
  readonly credits: string;
}

export const workloadTables = (schema: string, prefix = ''): WorkloadTables => ({
  users: `${schema}.${prefix}users`,
  orders: `${schema}.${prefix}orders`,
  debits: `${schema}.${prefix}debits`,
  credits: `${schema}.${prefix}credits`,
});

/** The four tables' names without their schema, as a serviceRun() takes them. */
export const tableNames = (tables: WorkloadTables): string[] =>
  [tables.users, tables.orders, tables.debits, tables.credits].map((table) =>
    table.slice(table.indexOf('.') + 1),
  );

/** Rows of `debits` and of `credits`, each starting with START_BALANCE. */
export const ACCOUNTS = 20;
export const START_BALANCE = 1000;
const TOTAL = 2 * ACCOUNTS * START_BALANCE;
/** A short pause every so many transactions, so that the reader polls between flushes. */
const PAUSE_EVERY = 20;
const PAUSE_MS = 20;
const POLL_PAUSE_MS = 5;

/** `CREATE TABLE` statements for the four tables (the same in source and target). */
export const workloadDdl = (tables: WorkloadTables): string[] => [
  `CREATE TABLE ${tables.users} (id integer PRIMARY KEY, name text NOT NULL)`,
  `CREATE TABLE ${tables.orders} (id integer PRIMARY KEY, user_id integer NOT NULL, amount integer NOT NULL)`,
  `CREATE TABLE ${tables.debits} (id integer PRIMARY KEY, balance integer NOT NULL)`,
  `CREATE TABLE ${tables.credits} (id integer PRIMARY KEY, balance integer NOT NULL)`,
];

/** The accounts the transfers move amounts between, inserted in the source. */
export const accountRows = (tables: WorkloadTables): string[] =>
  [tables.debits, tables.credits].map(
    (table) => `INSERT INTO ${table} SELECT g, ${START_BALANCE} FROM generate_series(1, ${ACCOUNTS}) g`,
  );

/**
 * `count` source transactions numbered from `first`: an even number inserts user and order of that
 * id, an odd one is a transfer.
 */
export async function runTransactions(tables: WorkloadTables, first: number, count: number): Promise<void> {
  await source(async (db) => {
    for (let i = first; i < first + count; i += 1) {
      await db.query('BEGIN');
      if (i % 2 === 0) {
        await db.query(`INSERT INTO ${tables.users} VALUES ($1, $2)`, [i, `user ${i}`]);
        await db.query(`INSERT INTO ${tables.orders} VALUES ($1, $1, $2)`, [i, i * 3]);
      } else {
        const from = 1 + (i % ACCOUNTS);
        const to = 1 + ((i * 7) % ACCOUNTS);
        await db.query(`UPDATE ${tables.debits} SET balance = balance - $2 WHERE id = $1`, [from, i % 50]);
        await db.query(`UPDATE ${tables.credits} SET balance = balance + $2 WHERE id = $1`, [to, i % 50]);
      }
      await db.query('COMMIT');
      if ((i - first + 1) % PAUSE_EVERY === 0) await sleep(PAUSE_MS);
    }
  });
}

/** Ids `first`..`last` of users and of orders, all written by one source transaction. */
export interface WholeRange {
  readonly first: number;
  readonly last: number;
}

export interface Violations {
  polls: number;
  /** Orders without their user, summed over the polls. */
  orphanOrders: number;
  /** Polls that saw all accounts with a sum other than the one every transfer keeps. */
  wrongSums: number;
  /** Polls that saw part of a WholeRange: some of its users or orders, not all of both. */
  partial: number;
}

/** Runs `work` while a reader polls the target; returns what the reader saw. */
export async function whileReading(
  tables: WorkloadTables,
  work: () => Promise<unknown>,
  whole: readonly WholeRange[] = [],
): Promise<Violations> {
  let settle!: () => void;
  const reader = pollInvariants(tables, new Promise<void>((resolve) => (settle = resolve)), whole);
  try {
    await work();
  } finally {
    settle();
  }
  return reader;
}

/** Polls the target until `stop` settles; each poll reads every invariant in one snapshot. */
export async function pollInvariants(
  tables: WorkloadTables,
  stop: Promise<unknown>,
  whole: readonly WholeRange[] = [],
): Promise<Violations> {
  const seen: Violations = { polls: 0, orphanOrders: 0, wrongSums: 0, partial: 0 };
  let done = false;
  void stop.finally(() => (done = true)).catch(() => undefined);
  const { users, orders, debits, credits } = tables;
  await target(async (db) => {
    while (!done) {
      await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      const orphans = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${orders} o WHERE NOT EXISTS (SELECT 1 FROM ${users} u WHERE u.id = o.user_id)`,
      );
      const sums = await db.query<{ total: string | null; rows: number }>(
        `SELECT (SELECT sum(balance) FROM ${debits}) + (SELECT sum(balance) FROM ${credits}) AS total,
                (SELECT count(*) FROM ${debits})::int + (SELECT count(*) FROM ${credits})::int AS rows`,
      );
      let partial = false;
      for (const { first, last } of whole) {
        const counts = await db.query<{ u: number; o: number }>(
          `SELECT (SELECT count(*) FROM ${users} WHERE id BETWEEN $1 AND $2)::int AS u,
                  (SELECT count(*) FROM ${orders} WHERE id BETWEEN $1 AND $2)::int AS o`,
          [first, last],
        );
        const { u, o } = counts.rows[0]!;
        const size = last - first + 1;
        if (!((u === 0 && o === 0) || (u === size && o === size))) partial = true;
      }
      await db.query('COMMIT');
      seen.polls += 1;
      seen.orphanOrders += orphans.rows[0]!.n;
      // Before the accounts are applied the tables are (partly) empty; once all are, the sum holds.
      const { total, rows } = sums.rows[0]!;
      if (rows === 2 * ACCOUNTS && Number(total) !== TOTAL) seen.wrongSums += 1;
      if (partial) seen.partial += 1;
      await sleep(POLL_PAUSE_MS);
    }
  });
  return seen;
}
