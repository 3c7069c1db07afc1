/**
 * One soak sample: the pipeline's RSS and heap, the group's lag in records, the end-to-end lag of
 * the rows that arrived since the previous sample, and the rate the workload achieved.
 */
import type { Admin } from 'kafkajs';
import { consumerLag } from '../../../src/streams/consumerLag.js';
import { withClient } from './db.js';
import { endToEndLag, type LagReading } from './end-to-end-lag.js';
import { rssMiB, type GcTrace, type HeapReading } from './memory.js';
import { CHAOS_TOPICS } from './pipeline-process.js';

export interface SoakSample {
  readonly minute: number;
  readonly rssMiB: number | undefined;
  readonly heap: HeapReading | undefined;
  readonly lagRecords: number | undefined;
  readonly endToEnd: LagReading;
  readonly changesPerSecond: number;
}

export interface SampleInputs {
  readonly pid: number;
  readonly gc: GcTrace;
  readonly admin: Admin;
  readonly groupId: string;
  readonly targetUrl: string;
  readonly windowStart: Date;
  readonly minute: number;
  readonly changesPerSecond: number;
}

export async function takeSample(inputs: SampleInputs): Promise<SoakSample> {
  return {
    minute: inputs.minute,
    rssMiB: rssMiB(inputs.pid),
    heap: inputs.gc.next(),
    lagRecords: await consumerLag(inputs.admin, inputs.groupId, CHAOS_TOPICS).catch(() => undefined),
    endToEnd: await withClient(inputs.targetUrl, (target) => endToEndLag(target, inputs.windowStart)),
    changesPerSecond: inputs.changesPerSecond,
  };
}

const COLUMNS = [
  ['MINUTE', 6],
  ['RSS MiB', 8],
  ['HEAP MiB', 9],
  ['FULL-GC HEAP', 12],
  ['CHANGES/S', 9],
  ['LAG RECORDS', 11],
  ['E2E p50 ms', 10],
  ['E2E p99 ms', 10],
  ['E2E max ms', 10],
] as const;

const cells = (values: readonly string[]): string =>
  values.map((value, index) => value.padStart(COLUMNS[index]![1])).join('  ');

export const sampleHeader = (): string => cells(COLUMNS.map(([name]) => name));

const fixed = (value: number | undefined, digits = 0): string =>
  value === undefined ? '-' : value.toFixed(digits);

export function sampleRow(sample: SoakSample): string {
  return cells([
    fixed(sample.minute, 1),
    fixed(sample.rssMiB, 1),
    fixed(sample.heap?.usedMiB, 1),
    fixed(sample.heap?.afterFullGcMiB, 1),
    fixed(sample.changesPerSecond),
    fixed(sample.lagRecords),
    fixed(sample.endToEnd.p50Ms),
    fixed(sample.endToEnd.p99Ms),
    fixed(sample.endToEnd.maxMs),
  ]);
}
