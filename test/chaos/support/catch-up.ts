/**
 * "Caught up": the group's consumer lag is 0, every table's row hashes equal the source's, and both
 * stay so, with no new record on the topics, for a quiet period. The moment it first held is the
 * recovery moment.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { consumerLag } from '../../../src/streams/consumerLag.js';
import type { ChaosStack } from './chaos-stack.js';
import { CHAOS_TOPICS } from './pipeline-process.js';
import { diffAll, differingKeys, type TableDiff } from './row-hash.js';

const POLL_MS = 500;

export interface CatchUp {
  /** When lag 0 and equal rows first held (and then held for the quiet period); undefined on timeout. */
  readonly caughtUpAt: number | undefined;
  /** The last comparison: empty differences when caught up. */
  readonly diffs: readonly TableDiff[];
  readonly lag: number | undefined;
}

async function endOffsets(admin: Admin): Promise<string> {
  const ends = await Promise.all(CHAOS_TOPICS.map((topic) => admin.fetchTopicOffsets(topic)));
  return JSON.stringify(ends.map((partitions) => partitions.map((partition) => partition.high)));
}

async function observe(stack: ChaosStack, admin: Admin, groupId: string) {
  const lag = await consumerLag(admin, groupId, CHAOS_TOPICS).catch(() => undefined);
  const ends = await endOffsets(admin).catch(() => undefined);
  // Comparing is the expensive part: only worth it once the pipeline has read everything.
  const diffs = lag === 0 ? await diffAll(stack.urls).catch(() => undefined) : undefined;
  const equal = diffs !== undefined && diffs.every((diff) => differingKeys(diff) === 0);
  return { lag, ends, equal };
}

export async function waitCaughtUp(
  stack: ChaosStack,
  groupId: string,
  { timeoutMs, quietMs }: { timeoutMs: number; quietMs: number },
): Promise<CatchUp> {
  const admin = new Kafka({
    clientId: 'cdc-chaos-observer',
    brokers: [stack.urls.KAFKA_BROKERS],
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  const deadline = Date.now() + timeoutMs;
  let since: { at: number; ends: string } | undefined;
  let lag: number | undefined;
  try {
    while (Date.now() < deadline) {
      const now = Date.now();
      const seen = await observe(stack, admin, groupId);
      lag = seen.lag;
      if (!seen.equal || seen.ends === undefined) since = undefined;
      else if (since === undefined || since.ends !== seen.ends) since = { at: now, ends: seen.ends };
      else if (now - since.at >= quietMs)
        return { caughtUpAt: since.at, diffs: await diffAll(stack.urls), lag };
      await sleep(POLL_MS);
    }
  } finally {
    await admin.disconnect();
  }
  return { caughtUpAt: undefined, diffs: await diffAll(stack.urls), lag };
}
