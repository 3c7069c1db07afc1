/**
 * One random change on the source, by one workload worker: inserts, updates, primary-key changes
 * and deletes of users and orders, respecting orders → users. A worker touches only rows it
 * created, so workers never contend and the demo's seed rows stay as they are.
 */
import type pg from 'pg';
import { KeyPool } from './key-pool.js';
import { ORDER_KEY_SEQUENCE } from './schema.js';

const NAMES = ['Ada', 'Grace', 'Linus', 'Zoë', 'Łukasz', "O'Brien", 'Tab\there', 'Chloé 🚀'];
const PRODUCTS = ['Laptop', 'Mouse', 'Cable "USB-C"', 'Dock, 4K', 'Café crème'];
/** Fewer users than this and the worker inserts one first: every other step needs some. */
const MIN_USERS = 3;

export class WorkerRows {
  readonly users = new KeyPool();
  readonly orders = new KeyPool();
  readonly ordersOfUser = new Map<number, Set<number>>();
  readonly ownerOfOrder = new Map<number, number>();
  #serial = 0;

  constructor(
    /** Makes e-mail addresses unique across workers and runs. */
    readonly tag: string,
    /** Above this many users (or orders), inserts give way to deletes: the tables stop growing. */
    readonly maxRows: number,
  ) {}

  nextEmail(): string {
    this.#serial += 1;
    return `${this.tag}-${this.#serial}@example.com`;
  }

  addOrder(order: number, user: number): void {
    this.orders.add(order);
    this.ownerOfOrder.set(order, user);
    const owned = this.ordersOfUser.get(user) ?? new Set<number>();
    owned.add(order);
    this.ordersOfUser.set(user, owned);
  }

  removeOrder(order: number): void {
    const user = this.ownerOfOrder.get(order);
    this.orders.remove(order);
    this.ownerOfOrder.delete(order);
    if (user !== undefined) this.ordersOfUser.get(user)?.delete(order);
  }
}

const pickOf = <T>(items: readonly T[], random: () => number): T =>
  items[Math.floor(random() * items.length)]!;

async function insertUser(db: pg.Client, rows: WorkerRows, random: () => number): Promise<number> {
  const { rows: inserted } = await db.query<{ id: number }>(
    'INSERT INTO users (name, email) VALUES ($1, $2) RETURNING id',
    [pickOf(NAMES, random), rows.nextEmail()],
  );
  rows.users.add(inserted[0]!.id);
  return 1;
}

async function deleteUser(db: pg.Client, rows: WorkerRows, user: number): Promise<number> {
  const orders = [...(rows.ordersOfUser.get(user) ?? [])];
  await db.query('DELETE FROM orders WHERE user_id = $1', [user]);
  await db.query('DELETE FROM users WHERE id = $1', [user]);
  orders.forEach((order) => rows.removeOrder(order));
  rows.ordersOfUser.delete(user);
  rows.users.remove(user);
  return orders.length + 1;
}

/** One change (a user's delete takes its orders along); returns the number of rows changed. */
export async function randomStep(db: pg.Client, rows: WorkerRows, random: () => number): Promise<number> {
  const dice = random();
  const user = rows.users.pick(random);
  const order = rows.orders.pick(random);
  if (user === undefined || rows.users.size < MIN_USERS) return insertUser(db, rows, random);
  if (dice < 0.15) {
    return rows.users.size < rows.maxRows ? insertUser(db, rows, random) : deleteUser(db, rows, user);
  }
  if (dice < 0.4 && (rows.orders.size < rows.maxRows || order === undefined)) {
    const { rows: inserted } = await db.query<{ id: number }>(
      `INSERT INTO orders (user_id, product_name, quantity, price, notes)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [
        user,
        pickOf(PRODUCTS, random),
        1 + Math.floor(random() * 5),
        (random() * 2000).toFixed(2),
        random() < 0.5 ? null : `note ${rows.tag}\nline two`,
      ],
    );
    rows.addOrder(inserted[0]!.id, user);
    return 1;
  }
  if (dice < 0.55 || order === undefined) {
    await db.query('UPDATE users SET name = $1 WHERE id = $2', [pickOf(NAMES, random), user]);
    return 1;
  }
  if (dice < 0.72) {
    // NULLs must arrive as NULLs: half of these clear the notes.
    await db.query('UPDATE orders SET quantity = quantity + 1, price = $1, notes = $2 WHERE id = $3', [
      (random() * 500).toFixed(2),
      random() < 0.5 ? null : `updated ${rows.tag}`,
      order,
    ]);
    return 1;
  }
  if (dice < 0.8) {
    // A primary-key change: Debezium sends a delete of the old key and a create of the new one.
    const { rows: moved } = await db.query<{ id: number }>(
      `UPDATE orders SET id = nextval('${ORDER_KEY_SEQUENCE}') WHERE id = $1 RETURNING id`,
      [order],
    );
    const owner = rows.ownerOfOrder.get(order)!;
    rows.removeOrder(order);
    rows.addOrder(moved[0]!.id, owner);
    return 1;
  }
  if (dice < 0.93 || rows.users.size <= MIN_USERS) {
    await db.query('DELETE FROM orders WHERE id = $1', [order]);
    rows.removeOrder(order);
    return 1;
  }
  return deleteUser(db, rows, user);
}
