/**
 * The figures of `npm run status`, for someone without Grafana: read from the service's own
 * /metrics and /readyz (the same numbers Prometheus gets), two scrapes apart for the rates.
 */
import { parseMetrics, total, type Sample } from '../metrics/parse-text.js';
import type { Readiness } from '../metrics/readiness.js';

export interface StatusSnapshot {
  readonly at: number;
  readonly samples: readonly Sample[];
  readonly readiness: Readiness & { readonly status: string };
}

export async function readStatus(baseUrl: string, now = Date.now): Promise<StatusSnapshot> {
  const [metrics, ready] = await Promise.all([fetch(`${baseUrl}/metrics`), fetch(`${baseUrl}/readyz`)]);
  if (!metrics.ok) throw new Error(`${baseUrl}/metrics answered ${metrics.status}`);
  return {
    at: now(),
    samples: parseMetrics(await metrics.text()),
    readiness: (await ready.json()) as StatusSnapshot['readiness'],
  };
}

/** An estimate of a quantile from a cumulative histogram: the upper bound of its bucket. */
function quantile(samples: readonly Sample[], family: string, q: number): number | undefined {
  const buckets = samples
    .filter((sample) => sample.name === `${family}_bucket`)
    .map((sample) => ({ le: Number(sample.labels.le), count: sample.value }))
    .sort((a, b) => a.le - b.le);
  const count = buckets.at(-1)?.count ?? 0;
  if (count === 0) return undefined;
  return buckets.find((bucket) => bucket.count >= q * count)?.le;
}

const byLabel = (samples: readonly Sample[], name: string, label: string): string =>
  samples
    .filter((sample) => sample.name === name && sample.value > 0)
    .map((sample) => `${sample.labels[label]} ${sample.value}`)
    .join(', ');

const seconds = (value: number | undefined): string =>
  value === undefined
    ? '-'
    : value === Infinity
      ? '> largest bucket'
      : `${value < 10 ? value.toFixed(2) : Math.round(value)} s`;
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

/** The view: `previous` (an earlier snapshot) gives the rates; without it they are left out. */
export function formatStatus(url: string, now: StatusSnapshot, previous?: StatusSnapshot): string {
  const s = now.samples;
  const rate = (name: string): string => {
    if (previous === undefined) return '';
    const per =
      (total(s, name) - total(previous.samples, name)) / Math.max(0.001, (now.at - previous.at) / 1000);
    return `   ${per.toFixed(1)}/s`;
  };
  const partitions = s.filter((sample) => sample.name === 'cdc_pipeline_consumer_lag_messages');
  const flushes = total(s, 'cdc_pipeline_flush_duration_seconds_count');
  const commits = total(s, 'cdc_pipeline_commit_duration_seconds_count');
  const { readiness } = now;
  const lines: [string, string][] = [
    ['state', readiness.ready ? 'ready' : `not ready: ${readiness.reasons.join('; ')}`],
    [
      'consumed',
      `${total(s, 'cdc_pipeline_records_consumed_total')} records${rate('cdc_pipeline_records_consumed_total')}`,
    ],
    [
      'applied',
      `${total(s, 'cdc_pipeline_changes_applied_total')} changes${rate('cdc_pipeline_changes_applied_total')}`,
    ],
    [
      'skipped',
      `${total(s, 'cdc_pipeline_records_skipped_total')} (${byLabel(s, 'cdc_pipeline_records_skipped_total', 'reason') || 'none'})`,
    ],
    [
      'dead letters',
      `${total(s, 'cdc_pipeline_dead_letters_total')} (${byLabel(s, 'cdc_pipeline_dead_letters_total', 'stage') || 'none'})`,
    ],
    [
      'consumer lag',
      partitions.length === 0
        ? 'unknown (no session, or Kafka does not answer)'
        : `${total(s, 'cdc_pipeline_consumer_lag_messages')} messages over ${partitions.length} partitions`,
    ],
    ['behind source', seconds(total(s, 'cdc_pipeline_time_behind_source_seconds'))],
    [
      'source → applied',
      `p50 ${seconds(quantile(s, 'cdc_pipeline_source_to_applied_seconds', 0.5))}, p99 ${seconds(quantile(s, 'cdc_pipeline_source_to_applied_seconds', 0.99))} (since start)`,
    ],
    [
      'flushes',
      flushes === 0
        ? '0'
        : `${flushes}, mean ${((total(s, 'cdc_pipeline_flush_duration_seconds_sum') / flushes) * 1000).toFixed(0)} ms, ${(total(s, 'cdc_pipeline_batch_size_changes_sum') / flushes).toFixed(1)} changes each`,
    ],
    ['commits', `${commits}, ${total(s, 'cdc_pipeline_commit_failures_total')} failed`],
    [
      'retries',
      `${total(s, 'cdc_pipeline_target_retries_total')} target retries, ${total(s, 'cdc_pipeline_rebalances_total')} rebalances, ${total(s, 'cdc_pipeline_consumer_restarts_total')} consumer restarts`,
    ],
    [
      'last error',
      readiness.lastError === null
        ? 'none'
        : `${readiness.lastError.at} ${readiness.lastError.part}: ${readiness.lastError.reason}`,
    ],
    [
      'process',
      `RSS ${mib(total(s, 'process_resident_memory_bytes'))}, heap ${mib(total(s, 'nodejs_heap_size_used_bytes'))}, event-loop lag p99 ${(total(s, 'nodejs_eventloop_lag_p99_seconds') * 1000).toFixed(1)} ms`,
    ],
  ];
  const width = Math.max(...lines.map(([label]) => label.length));
  return [
    `cdc-pipeline at ${url}`,
    ...lines.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`),
  ].join('\n');
}
