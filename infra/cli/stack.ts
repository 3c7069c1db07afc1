/**
 * `npm run stack:up|down|status|env|reset`: the CDC demo stack (source and target PostgreSQL, Kafka,
 * Kafka Connect with Debezium), native by default, CDC_STACK=docker or external to switch.
 */
import { Command } from 'commander';
import {
  envLines,
  formatParts,
  isHealthy,
  logsFolder,
  stackDown,
  stackMode,
  stackReset,
  stackStatus,
  stackUp,
  StackError,
} from '../stack/index.js';

const say = (line: string): void => console.log(line);

async function main(argv: string[]): Promise<number> {
  const program = new Command('stack')
    .description('Run the CDC demo stack. CDC_STACK=native (default) | docker | external.')
    .exitOverride();
  let exitCode = 0;
  program
    .command('up')
    .description('start what is not running and wait until every part is ready')
    .action(async () => {
      const started = Date.now();
      say(`Starting the ${stackMode()} stack…`);
      await stackUp(say);
      say(`\nStack ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      say(formatParts(await stackStatus()));
      say(`\nLogs: ${logsFolder()}\nPoint any tool at it: eval "$(npm run -s stack:env)"`);
    });
  program
    .command('down')
    .description('stop every process the stack started, gracefully')
    .action(async () => {
      await stackDown(say);
    });
  program
    .command('status')
    .description('each part: state, where it listens, pid, connector and task state')
    .action(async () => {
      const parts = await stackStatus();
      say(formatParts(parts));
      exitCode = isHealthy(parts) ? 0 : 1;
    });
  program
    .command('env')
    .description('the connection settings as shell exports: eval "$(npm run -s stack:env)"')
    .action(() => {
      say(envLines());
    });
  program
    .command('reset')
    .description('down, drop the replication slot, wipe data and logs')
    .action(async () => {
      await stackReset(say);
    });
  await program.parseAsync(argv);
  return exitCode;
}

main(process.argv).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof StackError) console.error(error.report());
    else if (error instanceof Error && 'exitCode' in error) return process.exit(Number(error.exitCode));
    else console.error(error);
    process.exit(1);
  },
);
