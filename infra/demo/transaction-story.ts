/**
 * The demo under `--consistency transaction` (PIPELINE_CONSISTENCY=transaction, README
 * "Transaction-consistent apply"): the target keeps the source's foreign key orders.user_id →
 * users.id as DEFERRABLE INITIALLY DEFERRED for the length of the demo, and one more step inserts
 * a user and their order in one source transaction, which the target shows whole: both rows carry
 * the same synced_at (now() is the time its target transaction started), so they came in one.
 */
import type pg from 'pg';
import { field, header, type Say } from './format.js';
import { rowJson, waitForTarget } from './rows.js';

export type Consistency = 'key' | 'transaction';

/** The foreign key the demo adds to the target, and drops again when it added it. */
export const DEMO_FOREIGN_KEY = 'orders_user_id_deferred_fk';

/**
 * Adds the deferred foreign key to the target (NOT VALID: rows older runs left are not checked, new
 * ones are). Returns whether it was added here, so that only then it is dropped afterwards.
 */
export async function keepForeignKey(target: pg.ClientBase, say: Say): Promise<boolean> {
  const { rowCount } = await target.query('SELECT 1 FROM pg_constraint WHERE conname = $1', [
    DEMO_FOREIGN_KEY,
  ]);
  const sql = `ALTER TABLE orders ADD CONSTRAINT ${DEMO_FOREIGN_KEY} FOREIGN KEY (user_id) REFERENCES users (id) DEFERRABLE INITIALLY DEFERRED NOT VALID`;
  if (rowCount === 0) await target.query(sql);
  field(
    say,
    'target FK',
    `${rowCount === 0 ? sql : `${DEMO_FOREIGN_KEY} (already there)`}\n` +
      'checked at commit: whole source transactions apply, so an order never lands without its user',
  );
  return rowCount === 0;
}

export async function dropForeignKey(target: pg.ClientBase): Promise<void> {
  await target.query(`ALTER TABLE orders DROP CONSTRAINT IF EXISTS ${DEMO_FOREIGN_KEY}`);
}

/**
 * One source transaction, two tables: a user and their order, then both deleted in one more.
 * Returns a problem, or undefined when the target showed the transaction whole.
 */
export async function transactionStep(
  db: { readonly source: pg.ClientBase; readonly target: pg.ClientBase },
  tag: string,
  timeoutMs: number,
  say: Say,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const { source, target } = db;
  header(say, 'One source transaction, two tables (PIPELINE_CONSISTENCY=transaction)');
  await source.query('BEGIN');
  let user: number;
  let order: number;
  try {
    user = (
      await source.query<{ id: number }>(
        `INSERT INTO users (name, email) VALUES ('Grace Hopper', $1) RETURNING id`,
        [`grace.${tag}@example.com`],
      )
    ).rows[0]!.id;
    order = (
      await source.query<{ id: number }>(
        `INSERT INTO orders (user_id, product_name, quantity, price) VALUES ($1, 'Harvard Mark I', 1, 1944.00) RETURNING id`,
        [user],
      )
    ).rows[0]!.id;
    await source.query('COMMIT');
  } catch (error) {
    await source.query('ROLLBACK');
    throw error;
  }
  field(
    say,
    'source SQL',
    `BEGIN; INSERT INTO users … (id ${user}); INSERT INTO orders … (id ${order}); COMMIT`,
  );
  const arrived = await Promise.all([
    waitForTarget(target, 'users', user, await rowJson(source, 'users', user), timeoutMs, signal),
    waitForTarget(target, 'orders', order, await rowJson(source, 'orders', order), timeoutMs, signal),
  ]);
  if (arrived.includes(undefined))
    return `the transaction of user ${user} and order ${order} did not reach the target within ${timeoutMs / 1000} s`;
  const { rows } = await target.query<{ table: string; synced_at: string }>(
    `SELECT 'users' AS table, synced_at::text FROM users WHERE id = $1
     UNION ALL SELECT 'orders', synced_at::text FROM orders WHERE id = $2`,
    [user, order],
  );
  const times = new Set(rows.map((row) => row.synced_at));
  field(
    say,
    'target',
    rows.map((row) => `${row.table.padEnd(6)} synced_at ${row.synced_at}`).join('\n') +
      (times.size === 1
        ? '\n✓ one synced_at: both rows came in one target transaction, never the order alone'
        : ''),
  );
  await source.query('BEGIN');
  await source.query('DELETE FROM orders WHERE id = $1', [order]);
  await source.query('DELETE FROM users WHERE id = $1', [user]);
  await source.query('COMMIT');
  const gone = await Promise.all([
    waitForTarget(target, 'orders', order, undefined, timeoutMs, signal),
    waitForTarget(target, 'users', user, undefined, timeoutMs, signal),
  ]);
  field(
    say,
    'clean-up',
    `both deleted in one source transaction: ${gone.includes(undefined) ? '✗ not applied' : 'gone from the target'}`,
  );
  if (times.size !== 1)
    return `user ${user} and order ${order} were applied in different target transactions`;
  if (gone.includes(undefined))
    return `the delete of user ${user} and order ${order} did not reach the target`;
  return undefined;
}
