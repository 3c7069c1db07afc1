/**
 * What a guarded delete leaves behind: a row of `public.cdc_deleted_keys` per deleted key (table,
 * key, source position, time), written in the delete's transaction. A guarded upsert whose position
 * is not newer than its key's tombstone is not applied, so an older insert or update arriving again
 * (a replay, a second pipeline, a dead letter replayed) does not bring a deleted row back.
 *
 * Tombstones are pruned after the retention (PIPELINE_DELETED_KEYS_RETENTION_H, a week by default,
 * Kafka's default log.retention.hours): past it, the topic no longer holds the changes that could
 * resurrect the row. Keep it at least as long as the topics keep their changes.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import type { TableRef } from '../types.js';
import { quoteTable } from './catalog.js';
import { sqlState } from './sqlstate.js';

export const DELETED_KEYS_TABLE: TableRef = { schema: 'public', table: 'cdc_deleted_keys' };
export const DELETED_KEYS_SQL = quoteTable(DELETED_KEYS_TABLE);

/** How often a sink prunes expired tombstones, at most. */
const PRUNE_INTERVAL_MS = 10 * 60 * 1000;

/** Two pipelines creating the table at once: the loser sees one of these, and the table exists. */
const ALREADY_CREATED = new Set(['42P07', '23505']);

const CREATE = `CREATE TABLE IF NOT EXISTS ${DELETED_KEYS_SQL} (
  schema_name text NOT NULL,
  table_name text NOT NULL,
  row_key text NOT NULL,
  position bigint[] NOT NULL,
  deleted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (schema_name, table_name, row_key)
)`;
const INDEX = `CREATE INDEX IF NOT EXISTS cdc_deleted_keys_deleted_at ON ${DELETED_KEYS_SQL} (deleted_at)`;

/** The tombstone table of one sink: created once, pruned now and then. */
export interface DeletedKeys {
  /** Creates the table when missing (once per sink; again after a failure). */
  ensure(): Promise<void>;
  /** Removes tombstones past the retention, when the last pruning is long enough ago. */
  pruneIfDue(): Promise<void>;
}

export function deletedKeys(pool: pg.Pool, retentionHours: number, logger: Logger): DeletedKeys {
  let created: Promise<void> | undefined;
  let prunedAt = 0;
  return {
    ensure: () => {
      created ??= (async () => {
        try {
          await pool.query(CREATE);
          await pool.query(INDEX);
        } catch (error) {
          if (!ALREADY_CREATED.has(sqlState(error) ?? '')) throw error;
        }
      })().catch((error: unknown) => {
        created = undefined;
        throw error;
      });
      return created;
    },
    pruneIfDue: async () => {
      if (Date.now() - prunedAt < PRUNE_INTERVAL_MS) return;
      prunedAt = Date.now();
      const { rowCount } = await pool.query(
        `DELETE FROM ${DELETED_KEYS_SQL} WHERE deleted_at < now() - make_interval(hours => $1)`,
        [retentionHours],
      );
      if ((rowCount ?? 0) > 0)
        logger.info({ pruned: rowCount, retentionHours }, 'expired deleted-key tombstones pruned');
    },
  };
}
