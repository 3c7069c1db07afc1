/**
 * A random but repeatable workload on the source's users and orders: inserts, updates (including
 * NULLs and primary-key changes) and deletes, respecting orders → users.
 */
import type pg from 'pg';

/** mulberry32: a tiny seeded PRNG, so a failing workload can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = [
  'Ada',
  'Grace',
  'Linus',
  'Zoë',
  'Łukasz',
  'Renée',
  'Chloé 🚀',
  "O'Brien",
  'Tab\there',
  'Back\\slash',
];
const PRODUCTS = ['Laptop', 'Mouse', 'Keyboard', 'Monitor', 'Cable "USB-C"', 'Dock, 4K', 'Café crème'];

export interface WorkloadStats {
  inserts: number;
  updates: number;
  deletes: number;
  keyChanges: number;
}

/** Runs `steps` random statements, each in its own transaction (autocommit). */
export async function runWorkload(
  db: pg.Client,
  { seed, steps }: { seed: number; steps: number },
): Promise<WorkloadStats> {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const stats: WorkloadStats = { inserts: 0, updates: 0, deletes: 0, keyChanges: 0 };
  const ids = async (table: 'users' | 'orders'): Promise<number[]> =>
    (await db.query<{ id: number }>(`SELECT id FROM ${table} ORDER BY id`)).rows.map((row) => row.id);

  for (let step = 0; step < steps; step += 1) {
    const dice = random();
    const userIds = await ids('users');
    const orderIds = await ids('orders');
    const tag = `${seed}-${step}`;
    if (dice < 0.2 || userIds.length < 3) {
      await db.query('INSERT INTO users (name, email) VALUES ($1, $2)', [pick(NAMES), `w${tag}@example.com`]);
      stats.inserts += 1;
    } else if (dice < 0.45 && userIds.length > 0) {
      await db.query(
        'INSERT INTO orders (user_id, product_name, quantity, price, notes) VALUES ($1, $2, $3, $4, $5)',
        [
          pick(userIds),
          pick(PRODUCTS),
          1 + Math.floor(random() * 5),
          (random() * 2000).toFixed(2),
          random() < 0.5 ? null : `note ${tag}\nline two`,
        ],
      );
      stats.inserts += 1;
    } else if (dice < 0.6) {
      await db.query('UPDATE users SET name = $1, email = $2 WHERE id = $3', [
        pick(NAMES),
        `u${tag}@example.com`,
        pick(userIds),
      ]);
      stats.updates += 1;
    } else if (dice < 0.75 && orderIds.length > 0) {
      // Half of these set notes to NULL, half to text: NULLs must arrive as NULLs.
      await db.query('UPDATE orders SET quantity = quantity + 1, price = $1, notes = $2 WHERE id = $3', [
        (random() * 500).toFixed(2),
        random() < 0.5 ? null : `updated ${tag}`,
        pick(orderIds),
      ]);
      stats.updates += 1;
    } else if (dice < 0.82 && orderIds.length > 0) {
      // A primary-key change: Debezium sends a delete of the old key and a create of the new one.
      const id = pick(orderIds);
      // New keys from 1,000,000 up stay clear of the serial sequence that inserts draw from.
      await db.query(
        'UPDATE orders SET id = (SELECT greatest(max(id), 999999) + 1 FROM orders) WHERE id = $1',
        [id],
      );
      stats.keyChanges += 1;
    } else if (dice < 0.92 && orderIds.length > 0) {
      await db.query('DELETE FROM orders WHERE id = $1', [pick(orderIds)]);
      stats.deletes += 1;
    } else if (userIds.length > 3) {
      const id = pick(userIds);
      await db.query('DELETE FROM orders WHERE user_id = $1', [id]);
      await db.query('DELETE FROM users WHERE id = $1', [id]);
      stats.deletes += 1;
    }
  }
  return stats;
}
