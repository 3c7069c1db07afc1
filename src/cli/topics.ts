/**
 * `cdc-pipeline topics [--internal]`: the broker's topics with partitions and end offsets.
 * `cdc-pipeline topics --delete <topic> --yes`: deletes a topic (a table removed from the connector).
 */
import { Command } from 'commander';
import type { Admin } from 'kafkajs';
import { resolveConnections } from '../connection.js';
import { connectedAdmin, requireTopic, topicOffsets } from '../tools/kafka-admin.js';
import { formatTable } from './table.js';

/** Past this many partitions the end offsets are summed, to keep one line per topic. */
const MAX_PARTITIONS_LISTED = 8;

async function listTopics(admin: Admin, brokers: string, internal: boolean): Promise<void> {
  const names = (await admin.listTopics()).filter((name) => internal || !name.startsWith('__')).sort();
  const rows: string[][] = [];
  for (const name of names) {
    const { partitions, messages } = await topicOffsets(admin, name);
    rows.push([
      name,
      String(partitions.length),
      partitions.length <= MAX_PARTITIONS_LISTED
        ? partitions.map((p) => `${p.partition}:${p.high}`).join(' ')
        : `${partitions.reduce((sum, p) => sum + BigInt(p.high), 0n)} in all`,
      messages.toString(),
    ]);
  }
  console.log(`Kafka at ${brokers}: ${names.length} topics\n`);
  console.log(formatTable(['TOPIC', 'PARTITIONS', 'END OFFSETS (partition:offset)', 'MESSAGES'], rows));
}

/** Deleting drops every retained record of the topic: it takes an explicit --yes. */
async function deleteTopic(admin: Admin, topic: string, confirmed: boolean): Promise<void> {
  await requireTopic(admin, topic);
  const { messages } = await topicOffsets(admin, topic);
  if (!confirmed) {
    throw new Error(
      `topics --delete ${topic} drops its ${messages} retained messages for good, for every consumer\n  fix: add --yes to delete it`,
    );
  }
  await admin.deleteTopics({ topics: [topic] });
  console.log(`Deleted topic ${topic} (${messages} messages).`);
}

export function topicsCommand(): Command {
  return new Command('topics')
    .description(
      'List the topics of the broker (KAFKA_BROKERS) with partitions and end offsets, or delete one.',
    )
    .option('--internal', 'include internal topics (__consumer_offsets, …)', false)
    .option('--delete <topic>', 'delete this topic (with --yes)')
    .option('--yes', 'confirm --delete', false)
    .action(
      async ({ internal, delete: doomed, yes }: { internal: boolean; delete?: string; yes: boolean }) => {
        const brokers = resolveConnections().KAFKA_BROKERS;
        const admin = await connectedAdmin(brokers);
        try {
          if (doomed === undefined) await listTopics(admin, brokers, internal);
          else await deleteTopic(admin, doomed, yes);
        } finally {
          await admin.disconnect();
        }
      },
    );
}
