/**
 * `npm run pipeline`: the apply service. Configuration by environment variables (see --help).
 */
import { Command } from 'commander';
import { Subject } from 'rxjs';
import { configHelp, loadConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import { createLogger } from '../logger.js';
import { runService } from '../service.js';
import { createDeadLetterSink } from '../sinks/dead-letters.js';
import { createTargetPool } from '../sinks/pool.js';
import { createPostgresSink } from '../sinks/writer.js';

/** A second signal this long after the first forces an immediate exit. */
const REPEATED_SIGNAL_MS = 2000;

const program = new Command('pipeline')
  .description(
    'Apply Debezium change events from Kafka to the target PostgreSQL (at-least-once, idempotent).',
  )
  .addHelpText('after', `\n${configHelp()}\n\nDefaults reach the native stack: npm run stack:up`)
  .action(async () => {
    const config = loadConfig();
    const logger = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT });
    const pool = createTargetPool(config.TARGET_DATABASE_URL, { max: config.PIPELINE_LANES + 2, logger });
    const shutdown = new Subject<void>();
    let firstSignalAt: number | undefined;
    const onSignal = (signal: NodeJS.Signals): void => {
      // npm and tsx relay a terminal's Ctrl-C too, so one keypress arrives two or three times at once:
      // only a signal well after the first one means "leave now".
      if (firstSignalAt !== undefined) {
        if (Date.now() - firstSignalAt < REPEATED_SIGNAL_MS) return;
        logger.warn(
          { signal },
          'second signal: leaving now; uncommitted records will be read again at the next start',
        );
        process.exit(130);
      }
      firstSignalAt = Date.now();
      logger.info({ signal }, 'shutting down: flushing what is held, then committing');
      shutdown.next();
      shutdown.complete();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const deadLetters = await createDeadLetterSink({ pool, logger });
      const sink = createPostgresSink({
        pool,
        logger,
        unknownColumns: config.PIPELINE_UNKNOWN_COLUMNS as 'ignore' | 'dead-letter',
      });
      await runService({ config, logger, sink, deadLetters, shutdown });
    } finally {
      await pool.end();
    }
  });

program
  .parseAsync(process.argv)
  // A clean shutdown is complete here (flushed, committed, disconnected): leave even if a client
  // library still holds a timer.
  .then(() => process.exit(0))
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
