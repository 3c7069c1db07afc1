/**
 * Structured logs (pino): a message plus a context object ({ topic, partition, offset, table }),
 * never the values of user rows.
 */
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

export function createLogger({
  level = 'info',
  format = 'pretty',
}: { level?: string; format?: string } = {}): Logger {
  if (format === 'json') return pino({ level, base: { service: 'cdc-pipeline' } });
  return pino({
    level,
    base: undefined,
    transport: {
      target: 'pino-pretty',
      options: {
        colorize: process.stdout.isTTY,
        translateTime: 'HH:MM:ss.l',
        ignore: 'pid,hostname',
        singleLine: true,
      },
    },
  });
}
