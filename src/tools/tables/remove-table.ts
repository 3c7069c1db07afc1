/**
 * `remove-table`: the reverse of add-table. The table leaves the running connector (and its file),
 * and the publication; with `deleteTopic`, its topic is deleted once the pipeline's consumer group
 * has committed every record of it, so no change is left half applied. The target table is kept
 * (an archive, or drop it yourself): dropping data is never done for you.
 */
import type { Admin } from 'kafkajs';
import type pg from 'pg';
import { quoteTable } from '../../sinks/catalog.js';
import type { TableRef } from '../../types.js';
import { connectedAdmin } from '../kafka-admin.js';
import { updateConnectorFile } from './connector-file.js';
import { putConfig, runningConfig, settlePublication } from './connector-rest.js';
import { captures, qualifiedName, withoutTable, type ConnectorConfig } from './connector-tables.js';

export interface RemoveTableOptions {
  readonly source: pg.ClientBase;
  readonly connectUrl: string;
  readonly brokers: string;
  readonly connector: string;
  readonly connectorFile: string;
  /** Delete each table's topic, once `groupId` has committed all of it. */
  readonly deleteTopic: boolean;
  /** The pipeline's consumer group (PIPELINE_GROUP_ID). */
  readonly groupId: string;
  readonly progress: (line: string) => void;
}

/** Records of the topic the group has not committed yet (all of them when it has committed none). */
async function uncommitted(admin: Admin, topic: string, groupId: string): Promise<bigint> {
  const ends = await admin.fetchTopicOffsets(topic);
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  let behind = 0n;
  for (const end of ends) {
    const offset = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
    const from = BigInt(offset) < 0n ? BigInt(end.low) : BigInt(offset);
    behind += BigInt(end.high) - from;
  }
  return behind;
}

async function deleteTopics(options: RemoveTableOptions, topics: readonly string[]): Promise<void> {
  const admin = await connectedAdmin(options.brokers);
  try {
    const existing = new Set(await admin.listTopics());
    for (const topic of topics) {
      if (!existing.has(topic)) {
        options.progress(`✓ topic ${topic} does not exist`);
        continue;
      }
      const behind = await uncommitted(admin, topic, options.groupId);
      if (behind > 0n)
        throw new Error(
          `consumer group ${options.groupId} has ${behind} records of ${topic} left to apply: the topic is kept\n` +
            '  fix: let the pipeline catch up (its progress line shows lag 0), then run remove-table again; ' +
            'or name its group with --group',
        );
      await admin.deleteTopics({ topics: [topic] });
      options.progress(`✓ topic ${topic} deleted (restart the pipeline so it stops asking for it)`);
    }
  } finally {
    await admin.disconnect();
  }
}

export async function removeTables(refs: readonly TableRef[], options: RemoveTableOptions): Promise<void> {
  const { connectUrl, connector, progress } = options;
  const running = await runningConfig(connectUrl, connector);
  const change = (config: ConnectorConfig): ConnectorConfig =>
    refs.reduce((next, ref) => (captures(next, ref) ? withoutTable(next, ref) : next), config);
  const wanted = change(running);
  if (refs.every((ref) => !captures(running, ref)))
    progress(`✓ connector ${connector} captures none of them already`);
  else {
    await putConfig(connectUrl, connector, wanted);
    progress(
      `✓ connector ${connector} no longer captures ${refs.map(qualifiedName).join(', ')} (running again)`,
    );
  }
  await settlePublication(options.source, wanted, refs, false);
  const filed = updateConnectorFile(options.connectorFile, change);
  if (filed !== undefined) progress(`✓ ${options.connectorFile} ${filed ? 'updated' : 'already up to date'}`);

  const prefix = running['topic.prefix'] ?? 'dbserver1';
  const topics = refs.map((ref) => `${prefix}.${qualifiedName(ref)}`);
  if (options.deleteTopic) await deleteTopics(options, topics);
  else
    progress(
      `  topics kept: ${topics.join(', ')} (--delete-topic deletes them once the pipeline has applied them)`,
    );
  progress(
    `  target tables kept: ${refs.map(quoteTable).join(', ')} (drop them yourself when they are no longer needed)`,
  );
}
