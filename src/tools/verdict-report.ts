/** How a table's verdict reads, the same in `cdc-pipeline verify` and in the demo. */
import { equivalent, identical, type TableVerdict } from './verify.js';

const KINDS = {
  missing: 'missing in target',
  extra: 'extra in target',
  different: 'differing',
} as const;

/** `✓ public.users: source 3 rows, target 3 rows, identical`, then a line per kind of difference. */
export function verdictLines(verdict: TableVerdict): string[] {
  const same = identical(verdict);
  const lossy = !same && equivalent(verdict);
  const lines = [
    `${same || lossy ? '✓' : '✗'} ${verdict.table}: source ${verdict.sourceRows} rows, target ${verdict.targetRows} rows${same ? ', identical' : lossy ? ', identical but for documented Debezium losses' : ''}`,
  ];
  if (verdict.losses.rows > 0) {
    const more = verdict.losses.rows > verdict.losses.keys.length ? ', …' : '';
    const columns = verdict.losses.columns.map(({ column, loss }) => `${column} ${loss}`).join(', ');
    lines.push(
      `    ${verdict.losses.rows} differing only by a documented Debezium loss (${columns}; docs/data-fidelity.md), not counted as differences: keys ${verdict.losses.keys.join(' ')}${more}`,
    );
  }
  if (verdict.sourceOnlyColumns.length > 0) {
    const columns = verdict.sourceOnlyColumns.join(', ');
    lines.push(
      `    not compared: ${columns} (only in the source; the target has no such column, so its values are not applied — PIPELINE_UNKNOWN_COLUMNS=ignore drops them)`,
    );
  }
  for (const kind of Object.keys(KINDS) as (keyof typeof KINDS)[]) {
    if (verdict.counts[kind] === 0) continue;
    const more = verdict.counts[kind] > verdict[kind].length ? ', …' : '';
    lines.push(`    ${verdict.counts[kind]} ${KINDS[kind]}: keys ${verdict[kind].join(' ')}${more}`);
  }
  return lines;
}
