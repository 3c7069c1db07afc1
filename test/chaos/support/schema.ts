/**
 * What the chaos stack adds to the demo tables, on its own stack only, so that duplicates and lag
 * can be measured from outside the pipeline:
 *
 * - source: every insert or update stamps the row with a new `chaos_version` from one sequence
 *   (unique across tables and keys) and `chaos_written_at` (the source's clock at the write). The
 *   columns travel through Debezium and the pipeline like any other column.
 * - target: the same two columns, and an audit trigger that records each row version the pipeline
 *   writes or deletes (`chaos_applied`). A flush that rolls back takes its audit rows with it, so
 *   only applications that reached the target are counted. The same version recorded twice is a
 *   change applied twice.
 */
import type pg from 'pg';

export const CHAOS_TABLES = ['users', 'orders'] as const;
export type ChaosTable = (typeof CHAOS_TABLES)[number];

/** New keys of primary-key changes come from here: above the serial range, never reused. */
export const ORDER_KEY_SEQUENCE = 'chaos_order_key';

const addColumns = (table: ChaosTable): string => `
  ALTER TABLE ${table}
    ADD COLUMN IF NOT EXISTS chaos_version    BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS chaos_written_at TIMESTAMPTZ;`;

const SOURCE_SQL = `
  CREATE SEQUENCE IF NOT EXISTS chaos_version_seq;
  CREATE SEQUENCE IF NOT EXISTS ${ORDER_KEY_SEQUENCE} START 1000000;
  ${CHAOS_TABLES.map(addColumns).join('\n')}
  CREATE OR REPLACE FUNCTION chaos_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    NEW.chaos_version := nextval('chaos_version_seq');
    NEW.chaos_written_at := clock_timestamp();
    RETURN NEW;
  END $$;
  ${CHAOS_TABLES.map(
    (table) =>
      `CREATE OR REPLACE TRIGGER chaos_stamp BEFORE INSERT OR UPDATE ON ${table}
         FOR EACH ROW EXECUTE FUNCTION chaos_stamp();`,
  ).join('\n')}`;

const TARGET_SQL = `
  ${CHAOS_TABLES.map(addColumns).join('\n')}
  CREATE TABLE IF NOT EXISTS chaos_applied (
    id         BIGSERIAL   PRIMARY KEY,
    table_name TEXT        NOT NULL,
    op         CHAR(1)     NOT NULL,  -- w: inserted or updated to this version; d: deleted at it
    row_key    INTEGER     NOT NULL,
    version    BIGINT      NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
  );
  CREATE OR REPLACE FUNCTION chaos_record_applied() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'DELETE' THEN
      INSERT INTO chaos_applied (table_name, op, row_key, version)
        VALUES (TG_TABLE_NAME, 'd', OLD.id, OLD.chaos_version);
      RETURN OLD;
    END IF;
    INSERT INTO chaos_applied (table_name, op, row_key, version)
      VALUES (TG_TABLE_NAME, 'w', NEW.id, NEW.chaos_version);
    RETURN NEW;
  END $$;
  ${CHAOS_TABLES.map(
    (table) =>
      `CREATE OR REPLACE TRIGGER chaos_applied AFTER INSERT OR UPDATE OR DELETE ON ${table}
         FOR EACH ROW EXECUTE FUNCTION chaos_record_applied();`,
  ).join('\n')}`;

/**
 * Idempotent. The target first, so that no change carrying the new columns can reach a target
 * without them; both before any pipeline starts, so none caches the old column list.
 */
export async function installChaosSchema(source: pg.Client, target: pg.Client): Promise<void> {
  await target.query(TARGET_SQL);
  await source.query(SOURCE_SQL);
}

/** The soak needs no audit: each applied row would cost the target one more insert. */
export async function setAudit(target: pg.Client, enabled: boolean): Promise<void> {
  for (const table of CHAOS_TABLES) {
    await target.query(`ALTER TABLE ${table} ${enabled ? 'ENABLE' : 'DISABLE'} TRIGGER chaos_applied`);
  }
}
