/**
 * The same topology from infra/docker-compose.yaml, for users with a Docker engine
 * (CDC_STACK=docker). Compose starts the parts; readiness and the connector go through the same
 * probes and REST calls as the native stack.
 */
import { execFileSync } from 'node:child_process';
import { COMPOSE_FILE, localUrls, stackPorts } from './config.js';
import { brokerAnswers } from './kafka.js';
import { connectAnswers } from './connect.js';
import { dropReplicationSlot, ensureConnector } from './connector.js';
import { databaseAnswers } from './probes.js';
import { waitFor } from './processes.js';
import { StackError } from './stack-error.js';

const READY_TIMEOUT_MS = 300_000;

function compose(args: string[]): void {
  try {
    execFileSync('docker', ['compose', '-f', COMPOSE_FILE, ...args], { stdio: 'inherit' });
  } catch {
    throw new StackError(
      'docker',
      `\`docker compose ${args.join(' ')}\` failed`,
      'start the Docker engine (`docker info` must answer), or use the native stack: unset CDC_STACK',
    );
  }
}

export async function dockerUp(progress: (line: string) => void): Promise<void> {
  compose(['up', '-d']);
  const urls = localUrls(stackPorts());
  const ready = async (what: string, probe: () => Promise<boolean | undefined>): Promise<void> => {
    await waitFor(async () => ((await probe().catch(() => false)) ? true : undefined), {
      timeoutMs: READY_TIMEOUT_MS,
      what,
    });
    progress(`  ✓ ${what}`);
  };
  await ready('source-db', () => databaseAnswers(urls.SOURCE_DATABASE_URL));
  await ready('target-db', () => databaseAnswers(urls.TARGET_DATABASE_URL));
  await ready('kafka', async () => (await brokerAnswers(urls.KAFKA_BROKERS)) !== undefined);
  await ready('connect', async () => (await connectAnswers(urls.CONNECT_URL)) === true);
  // Inside the compose network Connect reaches the source as source-db:5432, as the file says.
  await ensureConnector(urls.CONNECT_URL, undefined);
  progress('  ✓ debezium connector and task RUNNING');
}

export async function dockerDown(): Promise<void> {
  compose(['down']);
}

export async function dockerReset(progress: (line: string) => void): Promise<void> {
  const urls = localUrls(stackPorts());
  if (await databaseAnswers(urls.SOURCE_DATABASE_URL))
    progress(`  replication slot: ${await dropReplicationSlot(urls, progress)}`);
  compose(['down', '-v']);
}
