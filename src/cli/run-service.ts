/**
 * The service behind `cdc-pipeline run` and `npm run pipeline`: the target pool and sinks, the
 * signals, the PID file, and the exit code.
 *
 * - SIGINT/SIGTERM at any moment (during a session, a consumer restart or an outage) start a
 *   graceful shutdown: stop taking records, flush what is held, commit, leave with 0. It is bounded
 *   by PIPELINE_SHUTDOWN_TIMEOUT_S; past it the service leaves with 0 all the same (what was not
 *   committed is read again at the next start and applied idempotently).
 * - A second signal, well after the first, forces the exit (130).
 * - A fatal error (configuration, authentication, an outage past PIPELINE_MAX_OUTAGE_S) ends it
 *   with one line and a non-zero code: 2 for configuration, 1 otherwise.
 */
import fs from 'node:fs';
import { causeChain } from '../cause-chain.js';
import { HeapGrowthPolicy } from '../heap-growth.js';
import type { PipelineConfig } from '../config.js';
import { ConfigError, OutageTooLongError, PartError, summarizeError } from '../errors.js';
import type { Logger } from '../logger.js';
import { startObservability } from '../metrics/observability.js';
import { OutageMonitor, PART_NAMES } from '../outage.js';
import { securityFailureLine } from '../security/explain.js';
import { databaseSecurity } from '../security/postgres.js';
import { runService } from '../service.js';
import { Shutdown } from '../shutdown.js';
import { createDeadLetterSink } from '../sinks/dead-letters.js';
import { groupHasStarted, markGroupStarted } from '../sinks/group-marker.js';
import { nonEmptyTables } from '../sinks/non-empty-tables.js';
import { createTargetPool } from '../sinks/pool.js';
import { targetPositions } from '../sinks/positions.js';
import { createPostgresSink } from '../sinks/writer.js';

/** npm and tsx relay a terminal's Ctrl-C too, so one keypress arrives two or three times at once. */
const REPEATED_SIGNAL_MS = 2000;

export const EXIT_CODES = { ok: 0, failed: 1, config: 2, forced: 130 } as const;

export async function runPipelineService(config: PipelineConfig, logger: Logger): Promise<number> {
  const pool = createTargetPool(config.TARGET_DATABASE_URL, {
    max: config.PIPELINE_LANES + 2,
    logger,
    security: databaseSecurity(config, 'target'),
  });
  const shutdown = new Shutdown();
  const removeSignals = handleSignals(shutdown, config, logger);
  const heapGrowth = new HeapGrowthPolicy({
    percent: config.PIPELINE_HEAP_GROWING_PERCENT,
    behindPercent: config.PIPELINE_HEAP_GROWING_PERCENT_BEHIND,
    // Half a batch: a lane that flushes that much at once is behind (0: no count limit, 1000).
    fullBatch: Math.max(1, Math.floor((config.PIPELINE_BATCH_MAX_SIZE || 2000) / 2)),
  });
  const removePidFile = writePidFile(config.PIPELINE_PID_FILE);
  const outage = new OutageMonitor({ logger, maxOutageMs: config.PIPELINE_MAX_OUTAGE_S * 1000 });
  const observability = await startObservability({
    config,
    logger,
    outage,
    probeTarget: () => pool.query('SELECT 1'),
  });
  try {
    await runService({
      config,
      logger,
      shutdown,
      outage,
      metrics: observability.metrics,
      onReport: heapGrowth.report,
      connectTarget: async () => {
        const deadLetters = await createDeadLetterSink({ pool, logger });
        return {
          deadLetters,
          positions:
            config.PIPELINE_DELIVERY === 'effectively-once'
              ? await targetPositions(pool, config.PIPELINE_GROUP_ID, deadLetters)
              : undefined,
          sink: createPostgresSink({
            pool,
            logger,
            unknownColumns: config.PIPELINE_UNKNOWN_COLUMNS,
            schemaEvolution: config.PIPELINE_SCHEMA_EVOLUTION,
            sourcePositionColumn: config.PIPELINE_SOURCE_POSITION_COLUMN,
            deletedKeysRetentionHours: config.PIPELINE_DELETED_KEYS_RETENTION_H,
          }),
          nonEmpty: (tables) => nonEmptyTables(pool, tables),
          groupMarker: {
            started: (groupId) => groupHasStarted(pool, groupId),
            mark: (groupId) => markGroupStarted(pool, groupId),
          },
        };
      },
    });
    return EXIT_CODES.ok;
  } catch (error) {
    // One line, no stack: the reason and what to do. The whole error is there at debug level.
    logger.debug({ err: error }, 'fatal error');
    logger.fatal(`✗ ${fatalReason(error)}`);
    return hasConfigCause(error) ? EXIT_CODES.config : EXIT_CODES.failed;
  } finally {
    heapGrowth.stop();
    removeSignals();
    removePidFile();
    await observability.close();
    await pool.end().catch(() => undefined);
  }
}

function handleSignals(shutdown: Shutdown, config: PipelineConfig, logger: Logger): () => void {
  let firstSignalAt: number | undefined;
  let deadline: NodeJS.Timeout | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt < REPEATED_SIGNAL_MS) return;
      logger.warn(
        { signal },
        'second signal: leaving now; uncommitted records will be read again at the next start',
      );
      process.exit(EXIT_CODES.forced);
    }
    firstSignalAt = Date.now();
    logger.info({ signal }, 'shutting down: flushing what is held, then committing');
    shutdown.request();
    deadline = setTimeout(() => {
      logger.warn(
        { timeoutSeconds: config.PIPELINE_SHUTDOWN_TIMEOUT_S },
        'shutdown took longer than PIPELINE_SHUTDOWN_TIMEOUT_S: leaving; what was not committed is read again at the next start',
      );
      process.exit(EXIT_CODES.ok);
    }, config.PIPELINE_SHUTDOWN_TIMEOUT_S * 1000);
    deadline.unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    clearTimeout(deadline);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

/** Writes this process's id to `file` (when set); returns what removes it again. */
function writePidFile(file: string): () => void {
  if (file === '') return () => undefined;
  fs.writeFileSync(file, `${process.pid}\n`);
  return () => fs.rmSync(file, { force: true });
}

/** The one line a fatal error ends the service with: our own message where we wrote one, else the part and a value-free summary. */
function fatalReason(error: unknown): string {
  const chain = [...causeChain(error)];
  const ours = chain.find((link) => link instanceof ConfigError || link instanceof OutageTooLongError);
  if (ours instanceof Error) return ours.message;
  const part = chain.find((link) => link instanceof PartError);
  // A refused login or certificate: say which variable fixes it.
  const refused = part instanceof PartError ? securityFailureLine(part.part, error) : undefined;
  if (refused !== undefined) return refused;
  return part instanceof PartError
    ? `${PART_NAMES[part.part]}: ${summarizeError(error)}`
    : summarizeError(error);
}

function hasConfigCause(error: unknown): boolean {
  return [...causeChain(error)].some((link) => link instanceof ConfigError);
}
