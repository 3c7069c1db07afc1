/** `npm run topics`: the broker's topics with partitions and end offsets. */
import { Command } from 'commander';
import { resolveUrls } from '../../infra/stack/config.js';
import { connectedAdmin, topicOffsets } from '../tools/kafka-admin.js';
import { formatTable } from './table.js';

/** Past this many partitions the end offsets are summed, to keep one line per topic. */
const MAX_PARTITIONS_LISTED = 8;

const program = new Command('topics')
  .description('List the topics of the broker (KAFKA_BROKERS) with partitions, start and end offsets.')
  .option('--internal', 'include internal topics (__consumer_offsets, …)', false)
  .action(async ({ internal }: { internal: boolean }) => {
    const brokers = resolveUrls().KAFKA_BROKERS;
    const admin = await connectedAdmin(brokers);
    try {
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
    } finally {
      await admin.disconnect();
    }
  });

program.parseAsync().catch((error: unknown) => {
  console.error(`✗ ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
