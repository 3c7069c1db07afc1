/**
 * `cdc-pipeline peek <topic> [--from-beginning] [--limit N] [--follow] [--schema]`: raw Kafka
 * messages of a topic, with key, partition, offset, timestamp and the pretty-printed value.
 */
import { Command } from 'commander';
import { resolveConnections } from '../connection.js';
import { connectedAdmin, kafkaFor, requireTopic } from '../tools/kafka-admin.js';
import { peek, type PeekedMessage } from '../tools/peek.js';
import { positiveInt } from './options.js';

/**
 * A key or value as JSON. The Connect schema is long and the same in every message, so it is
 * folded unless `showSchema`; a key is printed on one line either way.
 */
export function pretty(
  value: string | null,
  { showSchema, oneLine }: { showSchema: boolean; oneLine: boolean },
): string {
  if (value === null) return '(null: a tombstone)';
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return `${value}\n(not JSON)`;
  }
  if (!showSchema && parsed && typeof parsed === 'object' && 'schema' in parsed && 'payload' in parsed) {
    const { schema, payload } = parsed as { schema: { name?: string } | null; payload: unknown };
    parsed = { schema: `(${schema?.name ?? 'Connect schema'}: --schema shows it)`, payload };
  }
  const text = JSON.stringify(parsed, null, 2);
  return oneLine ? text.replace(/\s*\n\s*/g, ' ') : text;
}

function show(message: PeekedMessage, showSchema: boolean): void {
  const key = message.key === null ? 'null' : pretty(message.key, { showSchema, oneLine: true });
  console.log(
    `--- partition ${message.partition}  offset ${message.offset}  ${new Date(Number(message.timestamp)).toISOString()}`,
  );
  console.log(`key:   ${key}`);
  console.log(`value: ${pretty(message.value, { showSchema, oneLine: false })}`);
}

export function peekCommand(): Command {
  return new Command('peek')
    .description(
      'Print raw messages of a Kafka topic (KAFKA_BROKERS). Without --from-beginning: the last N of each partition.',
    )
    .argument('<topic>', 'topic to read, e.g. dbserver1.public.users')
    .option('--from-beginning', 'start at the earliest retained message', false)
    .option('--limit <n>', 'messages per partition', positiveInt, 10)
    .option('--follow', 'keep printing new messages until Ctrl-C', false)
    .option('--schema', 'print the Connect schema of each key and value too', false)
    .action(
      async (
        topic: string,
        options: { fromBeginning: boolean; limit: number; follow: boolean; schema: boolean },
      ) => {
        const brokers = resolveConnections().KAFKA_BROKERS;
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
}
