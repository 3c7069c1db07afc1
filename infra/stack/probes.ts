/** Reachability of each part by its URL alone: what the docker and external modes can know. */
import pg from 'pg';
import type { StackUrls } from './config.js';
import { brokerAnswers } from './kafka.js';
import { connectAnswers } from './connect.js';
import { connectorPart } from './connector.js';
import type { PartStatus } from './parts.js';

export async function databaseAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function hostOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port}`;
}

export async function probeParts(urls: StackUrls): Promise<PartStatus[]> {
  const state = (up: boolean): string => (up ? 'running' : 'unreachable');
  const connectUp = (await connectAnswers(urls.CONNECT_URL).catch(() => undefined)) === true;
  return [
    {
      part: 'source-db',
      state: state(await databaseAnswers(urls.SOURCE_DATABASE_URL)),
      listen: hostOf(urls.SOURCE_DATABASE_URL),
    },
    {
      part: 'target-db',
      state: state(await databaseAnswers(urls.TARGET_DATABASE_URL)),
      listen: hostOf(urls.TARGET_DATABASE_URL),
    },
    {
      part: 'kafka',
      state: state((await brokerAnswers(urls.KAFKA_BROKERS).catch(() => undefined)) !== undefined),
      listen: urls.KAFKA_BROKERS,
    },
    { part: 'connect', state: state(connectUp), listen: urls.CONNECT_URL },
    await connectorPart(urls.CONNECT_URL, connectUp),
  ];
}
