/**
 * `npm run chaos`: every fault of issue 8 on the suite's own stack, while a workload runs, and the
 * table of what each cost. Exits 1 when a fault failed. Flags default to the CHAOS_* variables.
 */
import { Command, InvalidArgumentError } from 'commander';
import { optionsFromEnv, parseFaults, type ChaosOptions } from './support/options.js';
import { chaosTable } from './support/report.js';
import { openChaosSession } from './support/session.js';

function positive(raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError('must be a positive number');
  return value;
}

const defaults = optionsFromEnv();
const program = new Command('chaos')
  .description('Inject faults into a private stack while the pipeline applies a random workload.')
  .option(
    '--downtime <seconds>',
    'how long the target and the broker stay down',
    positive,
    defaults.downtimeMs / 1000,
  )
  .option('--kills <n>', 'SIGKILLs of the pipeline in the kills fault', positive, defaults.kills)
  .option('--faults <list>', 'comma-separated: target,broker,connect,kills,join', parseFaults, [
    ...defaults.faults,
  ])
  .option(
    '--rate <changes/s>',
    'source changes per second during each fault',
    positive,
    defaults.ratePerSecond,
  )
  .option('--warmup <seconds>', 'workload before each fault', positive, defaults.warmupMs / 1000)
  .option(
    '--recover-timeout <seconds>',
    'catch-up allowed after a fault',
    positive,
    defaults.recoverTimeoutMs / 1000,
  )
  .option('--seed <n>', 'replays a run', positive, defaults.seed)
  .option('--keep-stack', 'leave the chaos stack running afterwards (faster reruns)', false)
  .addHelpText(
    'after',
    '\nPorts and state folder: CHAOS_SOURCE_PORT, CHAOS_TARGET_PORT, CHAOS_KAFKA_PORT,\n' +
      'CHAOS_KAFKA_CONTROLLER_PORT, CHAOS_CONNECT_PORT (25432, 25433, 29092, 29093, 28083), CHAOS_STACK_DIR (.stack-chaos).',
  )
  .action(
    async (flags: {
      downtime: number;
      kills: number;
      faults: ChaosOptions['faults'];
      rate: number;
      warmup: number;
      recoverTimeout: number;
      seed: number;
      keepStack: boolean;
    }) => {
      const options: ChaosOptions = {
        ...defaults,
        downtimeMs: flags.downtime * 1000,
        kills: Math.round(flags.kills),
        faults: flags.faults,
        ratePerSecond: flags.rate,
        warmupMs: flags.warmup * 1000,
        recoverTimeoutMs: flags.recoverTimeout * 1000,
        seed: Math.round(flags.seed),
      };
      const say = (line: string): void => console.log(`[chaos] ${line}`);
      const session = await openChaosSession(options, say, { keepStack: flags.keepStack });
      try {
        for (const fault of options.faults) {
          const result = await session.run(fault);
          say(`  ${result.passed ? 'pass' : 'FAIL'}: ${result.fault}`);
        }
      } finally {
        await session.close();
      }
      console.log(`\n${chaosTable(session.results)}`);
      process.exitCode = session.results.every((result) => result.passed) ? 0 : 1;
    },
  );

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`✗ ${(error as Error).message}`);
  process.exitCode = 1;
});
