/** The demo's closing words: what happened, how fast, whether it is correct, and what to try next. */
import { formatTable } from '../../src/cli/table.js';
import { duration, header, type Say } from './format.js';
import type { StepResult } from './run-step.js';
import type { StackOutcome } from './stack-session.js';

export interface SummaryFacts {
  readonly results: readonly StepResult[];
  readonly total: number;
  readonly verified: boolean;
  readonly pipelineStop: string;
  /** What went wrong first, with where to look; undefined when all went well. */
  readonly failure: string | undefined;
}

const ms = (value: number | undefined): string => (value === undefined ? '-' : duration(value));

export function printSummary(say: Say, facts: SummaryFacts): void {
  const { results, total, verified, pipelineStop, failure } = facts;
  header(say, 'Summary');
  const rows = results.map((result, index) => [
    String(index + 1),
    result.title,
    `${result.table} ${result.id}`,
    result.event?.value?.op ?? result.op,
    result.event ? `${result.event.partition}/${result.event.offset}` : '-',
    ms(result.toKafkaMs),
    ms(result.toTargetMs),
    result.problem ? '✗' : '✓',
  ]);
  const headers = ['#', 'STEP', 'ROW', 'OP', 'PARTITION/OFFSET', 'COMMIT→KAFKA', 'COMMIT→TARGET', 'ARRIVED'];
  for (const line of formatTable(headers, rows).split('\n')) say(`  ${line}`);
  const arrived = results.filter((result) => !result.problem).length;
  const latencies = results.flatMap((result) => (result.toTargetMs === undefined ? [] : [result.toTargetMs]));
  say('');
  say(`  steps:        ${arrived} of ${total} arrived`);
  if (latencies.length > 0) {
    const sorted = [...latencies].sort((a, b) => a - b);
    say(
      `  latency:      commit → target ${duration(sorted[0]!)} min, ${duration(sorted[Math.floor(sorted.length / 2)]!)} median, ${duration(sorted[sorted.length - 1]!)} max`,
    );
  }
  const story = arrived === total ? 'not passed' : 'not run (a step did not arrive)';
  say(`  verification: ${verified ? 'passed: source and target identical' : story}`);
  say(`  pipeline:     ${pipelineStop}`);
  say('');
  if (failure === undefined) say('✓ Demo passed: every change arrived and the target equals the source.');
  else say(`✗ Demo failed: ${failure}`);
}

const STACK_WORDS: Readonly<Record<StackOutcome, string>> = {
  'was-running': 'The stack was running before the demo and is still running.',
  completed: 'The stack was partly running before the demo; the demo started the rest and left it running.',
  kept: 'The stack the demo started is still running (--keep).',
  stopped: 'The stack the demo started is stopped again.',
};

export function printNextSteps(
  say: Say,
  { outcome, groupId, prefix }: { outcome: StackOutcome; groupId: string; prefix: string },
): void {
  say('');
  say(STACK_WORDS[outcome]);
  const commands: [string, string][] = [
    ...(outcome === 'stopped'
      ? [['npm run stack:up', 'start the stack again (the tools below need it)'] as [string, string]]
      : []),
    [`npm run peek -- ${prefix}.public.users --limit 3`, 'the last change events, as Debezium wrote them'],
    ['npm run check-target', 'the target’s rows, with synced_at'],
    ['npm run verify', 'source and target compared, table by table'],
    ['npm run connector:status', 'the Debezium connector and its task'],
    ['npm run pipeline', `keep applying changes (continues where the demo stopped: group ${groupId})`],
    ...(outcome === 'stopped' ? [] : [['npm run stack:down', 'stop the stack'] as [string, string]]),
  ];
  const width = Math.max(...commands.map(([command]) => command.length));
  say('Try next:');
  for (const [command, what] of commands) say(`  ${command.padEnd(width)}   # ${what}`);
}
