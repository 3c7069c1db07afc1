/**
 * "Applied twice", read from the target's audit of applied row versions (see schema.ts): a row
 * version the pipeline wrote (or deleted) more than once. A replay after a crash that rewrites rows
 * already in the target shows here; a replay the pipeline recognises and skips does not.
 */
import type pg from 'pg';

/** Forget what earlier faults applied: each fault is counted on its own. */
export async function resetAudit(target: pg.Client): Promise<void> {
  await target.query('TRUNCATE chaos_applied');
}

export interface AuditCounts {
  /** Row versions written or deleted in the target since the reset. */
  readonly applied: number;
  /** Applications beyond the first of one row version. */
  readonly appliedTwice: number;
}

export async function auditCounts(target: pg.Client): Promise<AuditCounts> {
  const { rows } = await target.query<{ applied: string; twice: string }>(`
    SELECT coalesce(sum(n), 0)::text AS applied, coalesce(sum(n - 1), 0)::text AS twice
      FROM (SELECT count(*) AS n FROM chaos_applied GROUP BY table_name, op, row_key, version) AS versions`);
  const row = rows[0];
  return { applied: Number(row?.applied ?? 0), appliedTwice: Number(row?.twice ?? 0) };
}
