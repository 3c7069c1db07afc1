import { describe, expect, it } from 'vitest';
import { PipelineMetrics } from '../../src/metrics/pipeline-metrics.js';
import type { PartitionLag } from '../../src/streams/consumerLag.js';
import type { OutageState } from '../../src/outage.js';
import type { KafkaRecord } from '../../src/types.js';

const record = (topic: string): KafkaRecord => ({
  topic,
  partition: 0,
  offset: '0',
  key: null,
  value: null,
  timestamp: '0',
});

/** One sample's value from the text format, by its exact series (name and labels). */
async function sample(metrics: PipelineMetrics, series: string): Promise<number | undefined> {
  const text = await metrics.registry.metrics();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function setup(outages: OutageState[] = []) {
  const clock = { now: 1_000_000 };
  const metrics = new PipelineMetrics({ outages: () => outages, now: () => clock.now });
  let lags: readonly PartitionLag[] | undefined;
  metrics.readLagWith(async () => lags);
  return { metrics, clock, setLags: (next: readonly PartitionLag[] | undefined) => (lags = next) };
}

describe('PipelineMetrics', () => {
  it('counts consumed records by topic, applied changes by table and op, dead letters by stage', async () => {
    const { metrics } = setup();
    for (let i = 0; i < 3; i++) metrics.consumed(record('a.public.users'));
    metrics.consumed(record('a.public.orders'));
    metrics.skipped({
      kind: 'skipped',
      reason: 'tombstone',
      origin: { topic: 't', partition: 0, offset: '1' },
    });
    metrics.report({
      type: 'flush',
      lane: 0,
      received: 3,
      written: 2,
      failed: 0,
      ms: 40,
      applied: [
        { table: 'public.users', op: 'c', count: 1 },
        { table: 'public.users', op: 'd', count: 1 },
      ],
      sourceTsMs: [999_000, 999_500],
      alreadyApplied: 0,
    });
    metrics.report({ type: 'dead-letters', count: 2, reasons: ['x', 'y'], stages: ['decode', 'apply'] });

    expect(await sample(metrics, 'cdc_pipeline_records_consumed_total{topic="a.public.users"}')).toBe(3);
    expect(await sample(metrics, 'cdc_pipeline_records_consumed_total{topic="a.public.orders"}')).toBe(1);
    // Counted between scrapes and added at each: the totals keep growing across scrapes.
    metrics.consumed(record('a.public.users'));
    expect(await sample(metrics, 'cdc_pipeline_records_consumed_total{topic="a.public.users"}')).toBe(4);
    expect(await sample(metrics, 'cdc_pipeline_records_consumed_total{topic="a.public.orders"}')).toBe(1);
    expect(await sample(metrics, 'cdc_pipeline_records_skipped_total{reason="tombstone"}')).toBe(1);
    expect(
      await sample(metrics, 'cdc_pipeline_changes_applied_total{table="public.users",op="create"}'),
    ).toBe(1);
    expect(
      await sample(metrics, 'cdc_pipeline_changes_applied_total{table="public.users",op="delete"}'),
    ).toBe(1);
    expect(await sample(metrics, 'cdc_pipeline_dead_letters_total{stage="decode"}')).toBe(1);
    expect(await sample(metrics, 'cdc_pipeline_dead_letters_total{stage="apply"}')).toBe(1);
    expect(await sample(metrics, 'cdc_pipeline_dead_letters_total{stage="route"}')).toBe(0);
    expect(await sample(metrics, 'cdc_pipeline_batch_size_changes_sum')).toBe(3);
    expect(await sample(metrics, 'cdc_pipeline_flush_duration_seconds_sum')).toBe(0.04);
    // Source → applied per change: 1 s and 0.5 s before the flush ended.
    expect(await sample(metrics, 'cdc_pipeline_source_to_applied_seconds_count')).toBe(2);
    expect(await sample(metrics, 'cdc_pipeline_source_to_applied_seconds_sum')).toBe(1.5);
    expect(await sample(metrics, 'cdc_pipeline_last_applied_source_timestamp_seconds')).toBe(999.5);
  });

  it('reads time behind source as now minus the newest applied change while lag remains, 0 once caught up', async () => {
    const { metrics, clock, setLags } = setup();
    metrics.report({
      type: 'flush',
      lane: 1,
      received: 1,
      written: 1,
      failed: 0,
      ms: 5,
      applied: [{ table: 'public.users', op: 'u', count: 1 }],
      sourceTsMs: [990_000],
      alreadyApplied: 0,
    });
    setLags([{ topic: 't', partition: 0, lag: 7 }]);
    clock.now = 1_010_000;
    expect(await sample(metrics, 'cdc_pipeline_time_behind_source_seconds')).toBe(20);
    expect(await sample(metrics, 'cdc_pipeline_consumer_lag_messages{topic="t",partition="0"}')).toBe(7);

    setLags([{ topic: 't', partition: 0, lag: 0 }]);
    clock.now = 1_020_000;
    expect(await sample(metrics, 'cdc_pipeline_time_behind_source_seconds')).toBe(0);

    // An idle hour, scraped as Prometheus does, then a new change: behind by the time since the
    // pipeline was last seen caught up (the last scrape), not by the hour since the last change.
    clock.now = 1_020_000 + 3_600_000;
    expect(await sample(metrics, 'cdc_pipeline_time_behind_source_seconds')).toBe(0);
    const caughtUpAt = clock.now;
    setLags([{ topic: 't', partition: 0, lag: 1 }]);
    clock.now = caughtUpAt + 2_000;
    expect(await sample(metrics, 'cdc_pipeline_time_behind_source_seconds')).toBe(2);

    // Lag unknown (no session, broker away): counts on from the newest applied change.
    setLags(undefined);
    clock.now = caughtUpAt + 10_000;
    expect(await sample(metrics, 'cdc_pipeline_time_behind_source_seconds')).toBe(10);
    expect(
      await sample(metrics, 'cdc_pipeline_consumer_lag_messages{topic="t",partition="0"}'),
    ).toBeUndefined();
  });

  it('tracks the assignment, rebalances, restarts, pauses and outages', async () => {
    const { metrics } = setup([{ part: 'target', sinceMs: 12_000, reason: 'connect ECONNREFUSED' }]);
    metrics.sourceEvent({ type: 'rebalanced', assignment: { a: [0, 1], b: [0] }, epoch: 1 });
    metrics.sourceEvent({ type: 'paused', inFlight: 20_000 });
    metrics.sourceEvent({ type: 'restarting', error: new Error('gone') });
    metrics.retried();
    metrics.commitFailed();
    metrics.committed(12);
    expect(metrics.assignedPartitions).toBe(3);
    expect(await sample(metrics, 'cdc_pipeline_assigned_partitions')).toBe(3);
    expect(await sample(metrics, 'cdc_pipeline_rebalances_total')).toBe(1);
    expect(await sample(metrics, 'cdc_pipeline_consumer_restarts_total')).toBe(1);
    expect(await sample(metrics, 'cdc_pipeline_backpressure_paused')).toBe(1);
    expect(await sample(metrics, 'cdc_pipeline_target_retries_total')).toBe(1);
    expect(await sample(metrics, 'cdc_pipeline_commit_failures_total')).toBe(1);
    expect(await sample(metrics, 'cdc_pipeline_commit_duration_seconds_sum')).toBe(0.012);
    expect(await sample(metrics, 'cdc_pipeline_outage{part="target"}')).toBe(1);
    expect(await sample(metrics, 'cdc_pipeline_outage{part="broker"}')).toBe(0);
    expect(await sample(metrics, 'cdc_pipeline_outage_duration_seconds{part="target"}')).toBe(12);

    metrics.sessionEnded();
    expect(await sample(metrics, 'cdc_pipeline_assigned_partitions')).toBe(0);
    expect(await sample(metrics, 'cdc_pipeline_backpressure_paused')).toBe(0);
  });

  it('counts whole source transactions applied and the pieces of oversized ones (transaction consistency)', async () => {
    const { metrics } = setup();
    const flush = {
      type: 'flush',
      lane: 0,
      failed: 0,
      ms: 5,
      applied: [],
      sourceTsMs: [],
      alreadyApplied: 0,
    } as const;
    // Key consistency reports neither: both stay at 0.
    metrics.report({ ...flush, received: 4, written: 4 });
    expect(await sample(metrics, 'cdc_pipeline_transactions_applied_total')).toBe(0);
    expect(await sample(metrics, 'cdc_pipeline_transaction_pieces_total')).toBe(0);
    // Three small transactions in one flush; then a large one: two pieces and its rest.
    metrics.report({ ...flush, received: 6, written: 6, transactions: 3 });
    metrics.report({ ...flush, received: 50, written: 50, piece: true, transactions: 0 });
    metrics.report({ ...flush, received: 50, written: 50, piece: true, transactions: 0 });
    metrics.report({ ...flush, received: 20, written: 20, transactions: 1 });
    expect(await sample(metrics, 'cdc_pipeline_transactions_applied_total')).toBe(4);
    expect(await sample(metrics, 'cdc_pipeline_transaction_pieces_total')).toBe(2);
  });

  it('exports the process defaults: RSS, heap and event-loop lag', async () => {
    const { metrics } = setup();
    const text = await metrics.registry.metrics();
    for (const name of [
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
    ])
      expect(text).toMatch(new RegExp(`^${name} \\d`, 'm'));
  });
});
