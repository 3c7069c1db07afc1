/** How the demo prints: step headers, aligned labels, one-line JSON, times and durations. */
export type Say = (line: string) => void;

/** Width of the label column of a step ("source SQL", "Kafka event", …). */
const LABEL_WIDTH = 13;
const HEADER_WIDTH = 100;
/** A JSON line longer than this is cut (a wide row would wrap in the terminal anyway). */
const MAX_JSON_CHARS = 160;

export function header(say: Say, title: string): void {
  say('');
  say(`━━ ${title} ${'━'.repeat(Math.max(3, HEADER_WIDTH - title.length - 4))}`);
}

/** `label  first line` and further lines aligned under the first. */
export function field(say: Say, label: string, text: string): void {
  const [first = '', ...rest] = text.split('\n');
  say(`  ${label.padEnd(LABEL_WIDTH)}${first}`);
  for (const line of rest) say(`  ${''.padEnd(LABEL_WIDTH)}${line}`);
}

/** Sub-fields of a field, e.g. the parts of a change event. */
export function subFields(entries: readonly (readonly [string, string])[]): string {
  const width = Math.max(...entries.map(([label]) => label.length)) + 2;
  return entries.map(([label, value]) => `${label.padEnd(width)}${value}`).join('\n');
}

export function oneLineJson(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > MAX_JSON_CHARS ? `${text.slice(0, MAX_JSON_CHARS - 1)}…` : text;
}

/** Wall-clock time of day in UTC with milliseconds, as Kafka and the logs print it. */
export const clock = (ms: number): string => `${new Date(ms).toISOString().slice(11, 23)} UTC`;

export const duration = (ms: number): string =>
  ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
