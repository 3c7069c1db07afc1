/** After the drain the target must hold exactly the final rows: the benchmark measures a correct run only. */
import type pg from 'pg';
import { BENCH_TABLE, type BenchRow } from './events.js';
import { centsText } from './values.js';

export async function verifyTarget(db: pg.Client, rows: readonly BenchRow[]): Promise<string> {
  const { rows: found } = await db.query<{
    id: number;
    quantity: number;
    price: string;
    note: string | null;
  }>(`SELECT id, quantity, price::text AS price, note FROM ${BENCH_TABLE}`);
  const expected = new Map(rows.map((row) => [row.id, row]));
  let wrong = 0;
  for (const row of found) {
    const want = expected.get(row.id);
    const price = want ? centsText(want.priceCents) : '';
    if (!want || want.quantity !== row.quantity || price !== row.price || want.note !== row.note) wrong += 1;
  }
  const missing = rows.length - (found.length - wrong);
  if (found.length !== rows.length || wrong > 0) {
    throw new Error(
      `the pipeline left the target wrong: ${found.length} rows for ${rows.length} expected, ${wrong} differing, ${missing} missing`,
    );
  }
  return `${fmtCount(found.length)} rows, all equal to the final source state`;
}

const fmtCount = (n: number): string => n.toLocaleString('en-US');
