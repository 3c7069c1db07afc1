/**
 * End-to-end lag, measured in the data: the source stamps each write with its clock
 * (`chaos_written_at`, see schema.ts); the pipeline's flush stamps the target row (`synced_at`, the
 * flush transaction's start, so slightly early). Both servers run on this machine, on one clock.
 */
import type pg from 'pg';
import { CHAOS_TABLES } from './schema.js';

export interface LagReading {
  /** Rows the target received in the window (a row rewritten later counts once, at its last write). */
  readonly rows: number;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  readonly maxMs: number | undefined;
}

export async function endToEndLag(target: pg.Client, since: Date): Promise<LagReading> {
  const samples = CHAOS_TABLES.map(
    (table) => `SELECT extract(epoch FROM synced_at - chaos_written_at) * 1000 AS ms
                  FROM ${table} WHERE synced_at >= $1 AND chaos_written_at IS NOT NULL`,
  ).join(' UNION ALL ');
  const { rows } = await target.query<{
    rows: string;
    p50: number | null;
    p99: number | null;
    max: number | null;
  }>(
    `SELECT count(*)::text AS rows,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99,
            max(ms)::float8 AS max
       FROM (${samples}) AS lag`,
    [since],
  );
  const row = rows[0];
  return {
    rows: Number(row?.rows ?? 0),
    p50Ms: row?.p50 ?? undefined,
    p99Ms: row?.p99 ?? undefined,
    maxMs: row?.max ?? undefined,
  };
}
