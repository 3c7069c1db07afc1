/**
 * The service behind `cdc-pipeline run` and `npm run pipeline`: builds the target pool and sinks,
 * wires SIGINT/SIGTERM to a graceful shutdown and runs the service until it ends.
 * Resolves the process exit code; the caller exits with it.
 */
import { Subject } from 'rxjs';
import type { PipelineConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { runService } from '../service.js';
import { createDeadLetterSink } from '../sinks/dead-letters.js';
import { createTargetPool } from '../sinks/pool.js';
import { createPostgresSink } from '../sinks/writer.js';

/** A second signal this long after the first forces an immediate exit. */
const REPEATED_SIGNAL_MS = 2000;

export async function runPipelineService(config: PipelineConfig, logger: Logger): Promise<number> {
  const pool = createTargetPool(config.TARGET_DATABASE_URL, { max: config.PIPELINE_LANES + 2, logger });
  const shutdown = new Subject<void>();
  let firstSignalAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    // npm and tsx relay a terminal's Ctrl-C too, so one keypress arrives two or three times at once:
    // only a signal well after the first one means "leave now".
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt < REPEATED_SIGNAL_MS) return;
      logger.warn({ signal }, 'second signal: leaving now; uncommitted records will be read again at the next start');
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
    return 0;
  } finally {
    await pool.end();
  }
}
