/** The state of each part, as `stack:status` and `stack:up` print it. */

export interface PartStatus {
  readonly part: string;
  readonly state: 'running' | 'stopped' | 'unreachable' | 'failed' | 'missing' | string;
  readonly listen: string;
  readonly pid?: number;
  readonly detail?: string;
}

export function formatParts(parts: readonly PartStatus[]): string {
  const rows = [
    ['PART', 'STATE', 'LISTENS ON', 'PID', 'DETAIL'],
    ...parts.map((p) => [
      p.part,
      p.state,
      p.listen,
      p.pid === undefined ? '-' : String(p.pid),
      p.detail ?? '',
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
