/** The chaos table, as the suite prints it and the README shows it. */
import { formatTable } from '../../../src/cli/table.js';
import type { FaultResult } from './fault-run.js';

const HEADERS = [
  'FAULT',
  'DOWNTIME',
  'RECOVERED IN',
  'CHANGES',
  'LOST',
  'APPLIED TWICE',
  'PIPELINE PROCESS',
  'RESULT',
];

const recovery = (ms: number | undefined): string =>
  ms === undefined ? 'never' : `${(ms / 1000).toFixed(1)} s`;

export function chaosTable(results: readonly FaultResult[]): string {
  const rows = results.map((result) => [
    result.fault,
    result.downtime,
    recovery(result.recoveryMs),
    String(result.changes),
    // Keys still differing when the pipeline never caught up are unapplied, maybe not lost for good.
    result.recoveryMs === undefined && result.lost ? `${result.lost} unapplied` : String(result.lost ?? '?'),
    String(result.appliedTwice ?? '?'),
    result.pipeline,
    result.passed ? 'pass' : 'FAIL',
  ]);
  const notes = results.flatMap((result) => result.notes.map((note) => `  ${result.fault}: ${note}`));
  return [formatTable(HEADERS, rows), ...(notes.length > 0 ? ['', 'Notes:', ...notes] : [])].join('\n');
}
