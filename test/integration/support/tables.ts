/**
 * What the tables-* integration tests share: the running connector's config read and restored, the
 * source's publication, a poll, and a clean-up that leaves the stack as the test found it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { readConnectorFile } from '../../../infra/stack/connect.js';
import { connectorConfig } from '../../../src/tools/connect-rest.js';
import { putConfig } from '../../../src/tools/tables/connector-rest.js';
import { kafkaClient, source, stack, target } from './stack.js';

export type Config = Record<string, string>;

export const connectorName = (): string => readConnectorFile().name;

export async function runningConfig(): Promise<Config> {
  const config = await connectorConfig(stack().CONNECT_URL, connectorName());
  if (config === undefined) throw new Error('the stack has no connector');
  return config;
}

export const restoreConfig = (config: Config): Promise<void> =>
  putConfig(stack().CONNECT_URL, connectorName(), config);

/** Polls until `probe` returns a value, or undefined after the timeout. */
export async function waitUntil<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 90_000,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined || Date.now() > deadline) return value;
    await sleep(250);
  }
}

export const published = (publication: string): Promise<string[]> =>
  source(async (db) => {
    const { rows } = await db.query<{ name: string }>(
      `SELECT schemaname || '.' || tablename AS name FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1`,
      [publication],
    );
    return rows.map((row) => row.name);
  });

/** Drops the schemas on both sides and deletes the topics and consumer groups: every step tried, errors collected. */
export async function cleanUp(
  schemas: readonly string[],
  topicPrefix: string,
  groups: readonly string[],
): Promise<string[]> {
  const errors: string[] = [];
  const attempt = async (what: string, action: () => Promise<unknown>): Promise<void> => {
    await action().catch((error: unknown) => errors.push(`${what}: ${(error as Error).message}`));
  };
  for (const schema of schemas) {
    await attempt(`drop ${schema} in the source`, () =>
      source((db) => db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)),
    );
    await attempt(`drop ${schema} in the target`, () =>
      target((db) => db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)),
    );
  }
  await attempt('delete topics and groups', async () => {
    const admin = kafkaClient('cdc-test-tables').admin();
    await admin.connect();
    try {
      const topics = (await admin.listTopics()).filter((topic) =>
        schemas.some((schema) => topic.startsWith(`${topicPrefix}.${schema}.`)),
      );
      if (topics.length > 0) await admin.deleteTopics({ topics });
      await admin.deleteGroups([...groups]).catch(() => undefined);
    } finally {
      await admin.disconnect();
    }
  });
  return errors;
}
