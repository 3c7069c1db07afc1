/**
 * `npm run example:custom-chain`: the README's custom chain (examples/custom-chain.ts) on the stack
 * of the connection settings (KAFKA_BROKERS, TARGET_DATABASE_URL; the native stack by default).
 * Creates `public.users_masked` in the target when it is missing, then applies masked users until
 * Ctrl-C (SIGINT) or SIGTERM, and leaves cleanly: the chain stops, the consumer leaves its group.
 */
import { Kafka, logLevel } from 'kafkajs';
import {
  createDeadLetterSink,
  createLogger,
  createPostgresSink,
  createTargetPool,
  resolveConnections,
} from '../src/index.js';
import { maskedUsers } from './custom-chain.js';

/** The example's own consumer group: it reads the users topic independently of the service. */
const GROUP_ID = 'cdc-example-custom-chain';

/** The masked copy has the columns of the target's `users` (synced_at included) and its key. */
const CREATE_MASKED_TABLE = `CREATE TABLE IF NOT EXISTS public.users_masked
  (LIKE public.users INCLUDING DEFAULTS, PRIMARY KEY (id))`;

const urls = resolveConnections();
const logger = createLogger();
const pool = createTargetPool(urls.TARGET_DATABASE_URL, { logger });
await pool.query(CREATE_MASKED_TABLE);
const deadLetterSink = await createDeadLetterSink({ pool, logger });

const kafka = new Kafka({
  clientId: GROUP_ID,
  brokers: urls.KAFKA_BROKERS.split(','),
  logLevel: logLevel.WARN,
});
const consumer = kafka.consumer({ groupId: GROUP_ID, maxWaitTimeInMs: 500 });

const stopped = new Promise<string>((resolve) => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(signal));
});
const failed = new Promise<unknown>((resolve) => {
  const chain = maskedUsers(consumer, createPostgresSink({ pool, logger }), deadLetterSink).subscribe({
    next: (changes) => logger.info({ changes }, 'applied a batch to public.users_masked'),
    error: resolve,
  });
  void stopped.then(() => chain.unsubscribe());
});
logger.info({ groupId: GROUP_ID, table: 'public.users_masked' }, 'custom chain running: Ctrl-C stops it');

const outcome = await Promise.race([
  stopped.then((signal) => ({ signal })),
  failed.then((error) => ({ error })),
]);
await consumer.disconnect();
await pool.end();
if ('error' in outcome) {
  logger.error({ err: outcome.error }, 'custom chain failed');
  process.exit(1);
}
logger.info({ signal: outcome.signal }, 'custom chain stopped');
process.exit(0);
