import { describe, expect, it } from 'vitest';
import { parseMetrics } from '../../src/metrics/parse-text.js';
import { formatStatus, type StatusSnapshot } from '../../src/tools/pipeline-status.js';

const snapshot = (at: number, consumed: number, ready = true): StatusSnapshot => ({
  at,
  samples: parseMetrics(
    [
      `cdc_pipeline_records_consumed_total{topic="a"} ${consumed}`,
      'cdc_pipeline_dead_letters_total{stage="decode"} 2',
      'cdc_pipeline_dead_letters_total{stage="apply"} 0',
      'cdc_pipeline_consumer_lag_messages{topic="a",partition="0"} 5',
      'cdc_pipeline_time_behind_source_seconds 1.5',
      'cdc_pipeline_source_to_applied_seconds_bucket{le="0.1"} 50',
      'cdc_pipeline_source_to_applied_seconds_bucket{le="1"} 99',
      'cdc_pipeline_source_to_applied_seconds_bucket{le="+Inf"} 100',
    ].join('\n'),
  ),
  readiness: {
    status: ready ? 'ready' : 'not ready',
    ready,
    reasons: ready ? [] : ['target PostgreSQL does not answer: connect ECONNREFUSED'],
    checks: { partitions: { ok: true, assigned: 1 }, broker: { ok: true }, target: { ok: ready } },
    lastError: ready
      ? null
      : { part: 'target', reason: 'connect ECONNREFUSED', at: '2026-01-01T00:00:00.000Z' },
  },
});

describe('formatStatus', () => {
  it('shows rates between two scrapes, lag, time behind source, dead letters and quantiles', () => {
    const view = formatStatus('http://127.0.0.1:19464', snapshot(2000, 300), snapshot(1000, 100));
    expect(view).toContain('consumed          300 records   200.0/s');
    expect(view).toContain('dead letters      2 (decode 2)');
    expect(view).toContain('consumer lag      5 messages over 1 partitions');
    expect(view).toContain('behind source     1.50 s');
    expect(view).toContain('source → applied  p50 0.10 s, p99 1.00 s');
    expect(view).toContain('last error        none');
  });

  it('says why it is not ready and what failed last', () => {
    const view = formatStatus('http://127.0.0.1:19464', snapshot(2000, 300, false));
    expect(view).toContain(
      'state             not ready: target PostgreSQL does not answer: connect ECONNREFUSED',
    );
    expect(view).toContain('last error        2026-01-01T00:00:00.000Z target: connect ECONNREFUSED');
  });
});
