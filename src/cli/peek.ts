/**
 * `npm run peek -- <topic> [--from-beginning] [--limit N] [--follow]`: raw Kafka messages of a topic,
 * with key, partition, offset, timestamp and the pretty-printed value.
 */
import { Command, InvalidArgumentError } from 'commander';
import { resolveUrls } from '../../infra/stack/config.js';
import { connectedAdmin, kafkaFor, requireTopic } from '../tools/kafka-admin.js';
import { peek, type PeekedMessage } from '../tools/peek.js';

const positiveInt = (raw: string): number => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new InvalidArgumentError('must be a whole number, 1 or more');
  return value;
};

/** A JSON value pretty-printed; the Connect schema is long and the same in every message, so it is folded. */
function pretty(value: string | null, showSchema: boolean): string {
  if (value === null) return '(null: a tombstone)';
  try {
    const parsed = JSON.parse(value) as unknown;
    if (!showSchema && parsed && typeof parsed === 'object' && 'schema' in parsed && 'payload' in parsed) {
      const { schema, payload } = parsed as { schema: { name?: string }; payload: unknown };
      return JSON.stringify(
        { schema: `(${schema.name ?? 'Connect schema'}: --schema shows it)`, payload },
        null,
        2,
      );
    }
    return JSON.stringify(parsed, null, 2);
  } catch {
    return `${value}\n(not JSON)`;
  }
}

function show(message: PeekedMessage, showSchema: boolean): void {
  const key = message.key === null ? 'null' : pretty(message.key, false).replace(/\s+/g, ' ');
  console.log(
    `--- partition ${message.partition}  offset ${message.offset}  ${new Date(Number(message.timestamp)).toISOString()}`,
  );
  console.log(`key:   ${key}`);
  console.log(`value: ${pretty(message.value, showSchema)}`);
}

const program = new Command('peek')
  .description(
    'Print raw messages of a Kafka topic (KAFKA_BROKERS). Without --from-beginning: the last N of each partition.',
  )
  .argument('<topic>', 'topic to read, e.g. dbserver1.public.users')
  .option('--from-beginning', 'start at the earliest retained message', false)
  .option('--limit <n>', 'messages per partition', positiveInt, 10)
  .option('--follow', 'keep printing new messages until Ctrl-C', false)
  .option('--schema', 'print the Connect schema of each message too', false)
  .action(
    async (
      topic: string,
      options: { fromBeginning: boolean; limit: number; follow: boolean; schema: boolean },
    ) => {
      const brokers = resolveUrls().KAFKA_BROKERS;
      const admin = await connectedAdmin(brokers);
      try {
        await requireTopic(admin, topic);
      } finally {
        await admin.disconnect();
      }
      const stopped = new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
      const shown = await peek(kafkaFor(brokers, 'cdc-peek'), {
        topic,
        ...options,
        stopped,
        onMessage: (message) => show(message, options.schema),
      });
      console.log(`\n${shown} message(s) from ${topic}`);
    },
  );

program.parseAsync().catch((error: unknown) => {
  console.error(`✗ ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
