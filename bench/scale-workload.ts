/**
 * The scale bench's tables and load: `tables` tables scale_1…scale_T of the same shape, a backlog
 * written in bulk, and a steady rate of small transactions (new rows and updates of recent ones)
 * spread over every table. Each row carries `written_at`, the source's clock at the write; the
 * target stamps `applied_at` (clock_timestamp() in a trigger, just before the flush commits), so
 * write → target latency is read from the data, on one machine's clock.
 */
import type pg from 'pg';
import { paced } from './paced.js';

export const tableName = (index: number): string => `scale_${index + 1}`;

const COLUMNS =
  'id BIGINT PRIMARY KEY, n INTEGER NOT NULL, note TEXT NOT NULL, written_at TIMESTAMPTZ NOT NULL';

export async function createTables(source: pg.Client, target: pg.Client, tables: number): Promise<void> {
  await target.query(`CREATE OR REPLACE FUNCTION scale_applied() RETURNS trigger LANGUAGE plpgsql AS
    $$ BEGIN NEW.applied_at := clock_timestamp(); RETURN NEW; END $$`);
  for (let i = 0; i < tables; i += 1) {
    const table = tableName(i);
    await source.query(`DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (${COLUMNS})`);
    await target.query(`DROP TABLE IF EXISTS ${table};
      CREATE TABLE ${table} (${COLUMNS}, synced_at TIMESTAMPTZ NOT NULL DEFAULT now(), applied_at TIMESTAMPTZ);
      CREATE TRIGGER scale_applied BEFORE INSERT OR UPDATE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION scale_applied();`);
  }
}

const BULK_ROWS = 2000;

/** `changes` new rows, spread evenly over the tables, in transactions of BULK_ROWS; returns the next id. */
export async function writeBacklog(source: pg.Client, tables: number, changes: number): Promise<number> {
  const perTable = Math.floor(changes / tables);
  for (let i = 0; i < tables; i += 1) {
    for (let first = 1; first <= perTable; first += BULK_ROWS) {
      const last = Math.min(perTable, first + BULK_ROWS - 1);
      await source.query(
        `INSERT INTO ${tableName(i)} (id, n, note, written_at)
         SELECT g, 0, md5(g::text), clock_timestamp() FROM generate_series($1::bigint, $2::bigint) AS g`,
        [first, last],
      );
    }
  }
  return perTable + 1;
}

const ROWS_PER_TRANSACTION = 5;
/** Share of the steady load that updates an existing row rather than inserting a new one. */
const UPDATE_SHARE = 0.5;

/**
 * Writes `rate` changes a second for `seconds` through the `writers` pool, ROWS_PER_TRANSACTION
 * rows of one random table per transaction. Resolves with the changes written and the next id.
 */
export async function steadyLoad(
  writers: pg.Pool,
  { tables, rate, seconds, nextId }: { tables: number; rate: number; seconds: number; nextId: number },
): Promise<{ changes: number; nextId: number }> {
  let changes = 0;
  let id = nextId;
  const pace = {
    transactions: Math.round((rate * seconds) / ROWS_PER_TRANSACTION),
    perSecond: rate / ROWS_PER_TRANSACTION,
  };
  await paced(pace, async () => {
    // One id twice in a statement would be refused by ON CONFLICT DO UPDATE.
    const ids = [
      ...new Set(
        Array.from({ length: ROWS_PER_TRANSACTION }, () =>
          Math.random() < UPDATE_SHARE ? 1 + Math.floor(Math.random() * (id - 1)) : id++,
        ),
      ),
    ];
    const table = tableName(Math.floor(Math.random() * tables));
    changes += ids.length;
    // One statement is one transaction.
    await writers.query(
      `INSERT INTO ${table} (id, n, note, written_at)
       SELECT g, 0, md5(g::text), clock_timestamp() FROM unnest($1::bigint[]) AS g
       ON CONFLICT (id) DO UPDATE SET n = ${table}.n + 1, written_at = clock_timestamp()`,
      [ids],
    );
  });
  return { changes, nextId: id };
}

export interface Latency {
  readonly rows: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Source write → row written in the target, for the rows last written since `since`. */
export async function writeToTargetLatency(target: pg.Client, tables: number, since: Date): Promise<Latency> {
  const samples = Array.from(
    { length: tables },
    (_, i) => `SELECT extract(epoch FROM applied_at - written_at) * 1000 AS ms
                 FROM ${tableName(i)} WHERE written_at >= $1 AND applied_at IS NOT NULL`,
  ).join(' UNION ALL ');
  const { rows } = await target.query<{ rows: string; p50: number | null; p99: number | null }>(
    `SELECT count(*)::text AS rows, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99 FROM (${samples}) AS lag`,
    [since],
  );
  return { rows: Number(rows[0]?.rows ?? 0), p50Ms: rows[0]?.p50 ?? NaN, p99Ms: rows[0]?.p99 ?? NaN };
}
