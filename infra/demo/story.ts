/**
 * The CDC story the demo tells: one user and one order, each created, updated and deleted in the
 * source, in an order the foreign key orders → users allows. Each step's SQL carries its values
 * inline (escaped literals), so what is printed is exactly what runs.
 */
import type pg from 'pg';

export type DemoTable = 'users' | 'orders';

/** Ids the inserts returned, for the later steps. */
export interface StoryIds {
  user?: number;
  order?: number;
}

export interface Step {
  readonly title: string;
  readonly table: DemoTable;
  readonly op: 'c' | 'u' | 'd';
  /** The SQL with its values, given the ids known so far. */
  readonly sql: (ids: StoryIds, db: pg.ClientBase) => string;
  /** The id of the row the step changes (after its SQL ran). */
  readonly id: (ids: StoryIds) => number;
  /** An insert stores the id its RETURNING gave. */
  readonly returns?: keyof StoryIds;
}

const need = (id: number | undefined, what: string): number => {
  if (id === undefined) throw new Error(`the story has no ${what} id yet`);
  return id;
};

/** `tag` keeps the e-mail addresses unique (users.email is UNIQUE) across runs. */
export function story(tag: string): readonly Step[] {
  const user = (ids: StoryIds): number => need(ids.user, 'user');
  const order = (ids: StoryIds): number => need(ids.order, 'order');
  return [
    {
      title: 'insert a user',
      table: 'users',
      op: 'c',
      sql: (_, db) =>
        `INSERT INTO users (name, email) VALUES ('Ada Lovelace', ${db.escapeLiteral(`ada.${tag}@example.com`)}) RETURNING id`,
      id: user,
      returns: 'user',
    },
    {
      title: 'insert an order for that user',
      table: 'orders',
      op: 'c',
      sql: (ids) =>
        `INSERT INTO orders (user_id, product_name, quantity, price, notes) VALUES (${user(ids)}, 'Analytical Engine', 1, 1843.00, 'first order') RETURNING id`,
      id: order,
      returns: 'order',
    },
    {
      title: 'update the user',
      table: 'users',
      op: 'u',
      sql: (ids, db) =>
        `UPDATE users SET name = 'Ada King', email = ${db.escapeLiteral(`ada.king.${tag}@example.com`)} WHERE id = ${user(ids)}`,
      id: user,
    },
    {
      title: 'update the order',
      table: 'orders',
      op: 'u',
      sql: (ids) => `UPDATE orders SET quantity = 2, price = 3686.00, notes = NULL WHERE id = ${order(ids)}`,
      id: order,
    },
    {
      title: 'delete the order',
      table: 'orders',
      op: 'd',
      sql: (ids) => `DELETE FROM orders WHERE id = ${order(ids)}`,
      id: order,
    },
    {
      title: 'delete the user',
      table: 'users',
      op: 'd',
      sql: (ids) => `DELETE FROM users WHERE id = ${user(ids)}`,
      id: user,
    },
  ];
}

/** After a failed step: removes what the story left in the source (order first, for the foreign key). */
export async function cleanUpStory(source: pg.ClientBase, ids: StoryIds): Promise<void> {
  if (ids.order !== undefined) await source.query('DELETE FROM orders WHERE id = $1', [ids.order]);
  if (ids.user !== undefined) await source.query('DELETE FROM users WHERE id = $1', [ids.user]);
}
