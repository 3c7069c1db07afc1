/**
 * The demo's last word on correctness: the source compared with the target, table by table, by
 * primary key and row hash (the same comparison as `npm run verify`). The stack may be shared, so
 * a difference is checked again after the pipeline has caught up, until a deadline.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { verdictLines } from '../../src/tools/verdict-report.js';
import { identical, verifyTable, type TableVerdict } from '../../src/tools/verify.js';
import type { Say } from './format.js';

const RETRY_PAUSE_MS = 1000;

export async function verifyTables(
  db: { readonly source: pg.ClientBase; readonly target: pg.ClientBase },
  tables: readonly string[],
  { timeoutMs, caughtUp }: { timeoutMs: number; caughtUp: () => Promise<unknown> },
  say: Say,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt += 1) {
    await caughtUp();
    const verdicts: TableVerdict[] = [];
    for (const table of tables) verdicts.push(await verifyTable(db.source, db.target, table));
    const same = verdicts.every(identical);
    if (same || Date.now() > deadline) {
      for (const verdict of verdicts) for (const line of verdictLines(verdict)) say(`  ${line}`);
      if (attempt > 1) say(`  (${attempt} comparisons: the source changed while the demo compared)`);
      return same;
    }
    await sleep(RETRY_PAUSE_MS);
  }
}
