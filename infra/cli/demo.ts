/**
 * `npm run demo [-- --keep] [--consistency transaction]`: the main job for a new user. Brings the stack up if needed, runs the
 * pipeline, and tells the CDC story of one user and one order, step by step, then verifies the
 * target against the source. Exit code 0 only when every change arrived and verification passed.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { StackError } from '../stack/index.js';
import { runDemo } from '../demo/run-demo.js';
import type { Consistency } from '../demo/transaction-story.js';

const DEFAULT_STEP_TIMEOUT_S = 30;

const positiveSeconds = (raw: string): number => {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new InvalidArgumentError('must be a number of seconds above 0');
  return value;
};

const program = new Command('demo')
  .description(
    'Bring the stack up if needed, run the pipeline, and follow one user and one order from the source, through Debezium and Kafka, to the target.',
  )
  .option('--keep', 'leave the stack running when the demo started it', false)
  .option(
    '--step-timeout <seconds>',
    'how long one change may take to arrive',
    positiveSeconds,
    DEFAULT_STEP_TIMEOUT_S,
  )
  .addOption(
    new Option(
      '--consistency <mode>',
      'PIPELINE_CONSISTENCY for the pipeline; transaction keeps the deferred foreign key orders → users in the target and shows a two-table transaction applied whole',
    ).choices(['key', 'transaction']),
  )
  .action(
    async ({
      keep,
      stepTimeout,
      consistency,
    }: {
      keep: boolean;
      stepTimeout: number;
      consistency?: Consistency;
    }) => {
      const interrupt = new AbortController();
      // The first Ctrl-C stops the story and cleans up (pipeline, stack); a second one leaves at once.
      process.once('SIGINT', () => {
        console.log('\nInterrupted: cleaning up (Ctrl-C again to leave at once)…');
        interrupt.abort();
        process.once('SIGINT', () => process.exit(130));
      });
      process.exitCode = await runDemo(
        { keep, stepTimeoutMs: stepTimeout * 1000, ...(consistency ? { consistency } : {}) },
        (line) => console.log(line),
        interrupt.signal,
      );
    },
  );

program
  .parseAsync()
  // Everything the demo opened is closed; leave even if a client library still holds a timer.
  .then(() => process.exit(process.exitCode ?? 0))
  .catch((error: unknown) => {
    if (error instanceof StackError) console.error(error.report());
    else console.error(`✗ ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
