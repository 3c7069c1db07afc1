/**
 * Which consumer groups have started applying to this target. A group that crashed before its first
 * Kafka commit has no committed offsets, yet the rows it applied are its own: the marker tells that
 * restart from a new group meeting someone else's rows (src/new-group.ts).
 */
import type { TableRef } from '../types.js';
import { quoteTable } from './catalog.js';
import type { Queryable } from './pool.js';

export const GROUP_MARKER_TABLE: TableRef = { schema: 'public', table: 'cdc_consumer_groups' };

export async function groupHasStarted(db: Queryable, groupId: string): Promise<boolean> {
  const { rows } = await db.query<{ exists: string | null }>('SELECT to_regclass($1)::text AS exists', [
    quoteTable(GROUP_MARKER_TABLE),
  ]);
  if (rows[0]?.exists == null) return false;
  const found = await db.query(`SELECT 1 FROM ${quoteTable(GROUP_MARKER_TABLE)} WHERE group_id = $1`, [
    groupId,
  ]);
  return (found.rowCount ?? 0) > 0;
}

export async function markGroupStarted(db: Queryable, groupId: string): Promise<void> {
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${quoteTable(GROUP_MARKER_TABLE)} (group_id text PRIMARY KEY, started_at timestamptz NOT NULL DEFAULT now())`,
  );
  await db.query(
    `INSERT INTO ${quoteTable(GROUP_MARKER_TABLE)} (group_id) VALUES ($1) ON CONFLICT (group_id) DO NOTHING`,
    [groupId],
  );
}
