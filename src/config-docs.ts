/**
 * CONFIG_SPEC as people read it: the `--help` text and the README's configuration table. Both are
 * generated, so they cannot drift from what `loadConfig` accepts.
 */
import { CONFIG_SPEC } from './config.js';
import type { Variable } from './config-values.js';

const entries = (): [string, Variable<unknown>][] =>
  Object.entries(CONFIG_SPEC) as [string, Variable<unknown>][];

/** The variables as `--help` prints them. */
export function configHelp(): string {
  const rows = entries().map(
    ([name, spec]) =>
      `  ${name.padEnd(30)} ${spec.doc}\n  ${''.padEnd(30)} accepts: ${spec.accepts}; default: ${spec.shownDefault}`,
  );
  return `Environment variables:\n${rows.join('\n')}`;
}

const code = (value: string): string => `\`${value.replace(/\|/g, '\\|')}\``;

/** The README's configuration table (Markdown). */
export function configTable(): string {
  const rows = entries().map(([name, spec]) => [
    code(name),
    spec.shownDefault === '' ? '(none)' : code(spec.shownDefault),
    spec.accepts.replace(/\|/g, '\\|'),
    spec.doc.replace(/\|/g, '\\|'),
  ]);
  const header = ['variable', 'default', 'accepted values', 'what it does'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** The markers around the generated table in the README. */
export const TABLE_START = '<!-- config-table:start (npm run docs:config) -->';
export const TABLE_END = '<!-- config-table:end -->';

/** The README with its configuration table regenerated between the markers. */
export function withConfigTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README lacks the markers ${TABLE_START} … ${TABLE_END}`);
  return `${readme.slice(0, start + TABLE_START.length)}\n\n${configTable()}\n\n${readme.slice(end)}`;
}
