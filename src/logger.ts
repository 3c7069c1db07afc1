/**
 * Structured logs (pino): a message plus a context object ({ topic, partition, offset, table }),
 * never the values of user rows. Readable lines need pino-pretty, a development dependency: a
 * production install has no such package, so it is used only when it resolves and stdout is a
 * terminal, and the logs are JSON otherwise.
 */
import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';
import { DEFAULT_LOG_FORMAT, DEFAULT_LOG_LEVEL, type LOG_FORMATS } from './defaults.js';

export type { Logger } from 'pino';
export type LogFormat = (typeof LOG_FORMATS)[number];

const PRETTY_TRANSPORT = 'pino-pretty';

/** Whether pino-pretty can be loaded from here (pino resolves its transport the same way). */
export function prettyAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve(PRETTY_TRANSPORT);
    return true;
  } catch {
    return false;
  }
}

export interface LoggerOptions {
  readonly level?: string;
  /** `auto` (default): pretty on a terminal when available, JSON otherwise. */
  readonly format?: LogFormat;
  /** Whether stdout is a terminal (for tests). */
  readonly isTty?: boolean;
  /** Whether pino-pretty resolves (for tests). */
  readonly canPretty?: () => boolean;
  /** Where JSON lines go; stdout by default (for tests). */
  readonly destination?: DestinationStream;
}

/** What the logger writes: readable lines only when asked for (or on a terminal) and possible. */
export function chosenFormat({
  format = DEFAULT_LOG_FORMAT,
  isTty = process.stdout.isTTY === true,
  canPretty = prettyAvailable,
}: LoggerOptions = {}): 'pretty' | 'json' {
  if (format === 'json' || (format === 'auto' && !isTty)) return 'json';
  return canPretty() ? 'pretty' : 'json';
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const {
    level = DEFAULT_LOG_LEVEL,
    format = DEFAULT_LOG_FORMAT,
    isTty = process.stdout.isTTY === true,
  } = options;
  if (chosenFormat(options) === 'json') {
    const logger = pino({ level, base: { service: 'cdc-pipeline' } }, options.destination ?? process.stdout);
    // Asked for explicitly but not installed: say so once, rather than fail to start.
    if (format === 'pretty')
      logger.warn(
        `LOG_FORMAT=pretty needs the ${PRETTY_TRANSPORT} package, which is not installed: logging JSON`,
      );
    return logger;
  }
  return pino({
    level,
    base: undefined,
    transport: {
      target: PRETTY_TRANSPORT,
      options: {
        colorize: isTty,
        translateTime: 'HH:MM:ss.l',
        ignore: 'pid,hostname',
        singleLine: true,
      },
    },
  });
}
