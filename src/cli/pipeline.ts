/**
 * `npm run pipeline`: the apply service. Configuration by environment variables (see --help).
 */
import { Command } from 'commander';
import { configHelp, loadConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import { createLogger } from '../logger.js';
import { runPipelineService } from './run-service.js';

const program = new Command('pipeline')
  .description(
    'Apply Debezium change events from Kafka to the target PostgreSQL (at-least-once, idempotent).',
  )
  .addHelpText('after', `\n${configHelp()}\n\nDefaults reach the native stack: npm run stack:up`)
  .action(async () => {
    const config = loadConfig();
    const logger = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT });
    process.exitCode = await runPipelineService(config, logger);
  });

program
  .parseAsync(process.argv)
  // A clean shutdown is complete here (flushed, committed, disconnected): leave even if a client
  // library still holds a timer.
  .then(() => process.exit(process.exitCode ?? 0))
  .catch((error: unknown) => {
    if (error instanceof ConfigError) {
      console.error(
        `✗ ${error.message}\n\nRun \`npm run pipeline -- --help\` for every variable and its default.`,
      );
      process.exit(2);
    }
    console.error(error);
    process.exit(1);
  });
