/** `cdc-pipeline run`: the apply service. Configuration by environment variables (see --help). */
import { Command } from 'commander';
import { configHelp } from '../config-docs.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { runPipelineService } from './run-service.js';

export function runCommand(): Command {
  return new Command('run')
    .description(
      'Apply Debezium change events from Kafka to the target PostgreSQL until SIGINT or SIGTERM (flush, commit, leave).',
    )
    .addHelpText(
      'after',
      `\n${configHelp()}\n\nThe defaults reach the project's native stack (npm run stack:up).`,
    )
    .action(async () => {
      const config = loadConfig();
      const logger = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT });
      process.exitCode = await runPipelineService(config, logger);
    });
}
