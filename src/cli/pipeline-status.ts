/**
 * `npm run status`: the running service's figures in the terminal (lag, rates, time behind source,
 * dead letters, last error), read from its /metrics and /readyz on PIPELINE_METRICS_PORT. The
 * Debezium connector's status stays `npm run connector:status`. Exit code 0 when the service is
 * ready, 1 when it is not or does not answer.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Command, Option } from 'commander';
import { DEFAULT_METRICS_PORT } from '../defaults.js';
import { formatStatus, readStatus } from '../tools/pipeline-status.js';
import { positiveInt } from './options.js';
import { runProgram } from './program.js';

/** Between the two scrapes whose difference gives the rates. */
const RATE_WINDOW_MS = 1000;

const program = new Command('status')
  .description(
    'Show the running pipeline: lag, rates, time behind source, dead letters, last error (from its /metrics)',
  )
  .addOption(
    new Option('--url <url>', 'the service’s metrics endpoint').default(
      `http://127.0.0.1:${process.env.PIPELINE_METRICS_PORT || DEFAULT_METRICS_PORT}`,
      'http://127.0.0.1:$PIPELINE_METRICS_PORT',
    ),
  )
  .option('--watch <seconds>', 'refresh every so many seconds until Ctrl-C', positiveInt)
  .action(async ({ url, watch }: { url: string; watch?: number }) => {
    const base = url.replace(/\/(metrics)?$/, '');
    let previous = await readStatus(base).catch((error: unknown) => {
      throw new Error(
        `no pipeline answers at ${base}/metrics (${(error as Error).message})\n  fix: start it with npm run pipeline, or pass --url (PIPELINE_METRICS_PORT)`,
      );
    });
    for (;;) {
      await sleep(watch === undefined ? RATE_WINDOW_MS : watch * 1000);
      const now = await readStatus(base);
      if (watch !== undefined) process.stdout.write('\x1b[2J\x1b[H');
      console.log(formatStatus(base, now, previous));
      if (watch === undefined) {
        process.exitCode = now.readiness.ready ? 0 : 1;
        return;
      }
      previous = now;
    }
  });

await runProgram(program, process.argv);
