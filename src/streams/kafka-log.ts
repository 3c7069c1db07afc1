/**
 * kafkajs logs through our logger, one step quieter than it speaks: during a broker outage it
 * writes a line per failed connection attempt (about 30 a second with a few brokers), while the
 * service already says what it waits for at a sane rate. Its lines stay available at debug.
 */
import { logLevel, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';

export function kafkaLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, ...context } = log;
      const line = `kafkajs ${namespace}: ${message}`;
      if (level === logLevel.DEBUG) logger.trace(context, line);
      else logger.debug(context, line);
    };
}
