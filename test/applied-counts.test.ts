import { describe, expect, it } from 'vitest';
import { summarizeApplied } from '../src/applied-counts.js';
import type { Failure, Op, RoutedChange } from '../src/types.js';

const change = (table: string, op: Op, offset: string, tsMs: number): RoutedChange => ({
  kind: 'change',
  op,
  key: { id: offset },
  before: null,
  after: op === 'd' ? null : { id: offset },
  source: { schema: 'public', table, lsn: null, txId: null, tsMs, snapshot: 'false' },
  origin: { topic: `p.public.${table}`, partition: 0, offset },
  record: { key: null, value: null },
  sizeBytes: 0,
  target: { schema: 'public', table },
});

describe('summarizeApplied', () => {
  it('counts written changes by table and op, with the source time of each', () => {
    const summary = summarizeApplied(
      [change('users', 'c', '1', 10), change('users', 'c', '2', 20), change('orders', 'd', '3', 30)],
      [],
    );
    expect(summary.applied).toEqual([
      { table: 'public.users', op: 'c', count: 2 },
      { table: 'public.orders', op: 'd', count: 1 },
    ]);
    expect(summary.sourceTsMs).toEqual([10, 20, 30]);
  });

  it('leaves out the changes the target refused: they are dead letters', () => {
    const refused = change('users', 'u', '2', 20);
    const failure: Failure = {
      kind: 'failure',
      stage: 'apply',
      reason: 'apply failed',
      detail: null,
      origin: refused.origin,
      record: refused.record,
    };
    const summary = summarizeApplied([change('users', 'u', '1', 10), refused], [failure]);
    expect(summary.applied).toEqual([{ table: 'public.users', op: 'u', count: 1 }]);
    expect(summary.sourceTsMs).toEqual([10]);
  });

  it('is empty for an empty flush', () => {
    expect(summarizeApplied([], [])).toEqual({ applied: [], sourceTsMs: [] });
  });
});
