/**
 * The Debezium connector of debezium-config/postgres-connector.json: registered through Connect's
 * REST API, waited on until the connector and its task run, and its replication slot dropped on reset.
 */
import pg from 'pg';
import type { StackUrls } from './config.js';
import {
  connectorStatus,
  deleteConnector,
  failureOf,
  isRunning,
  readConnectorFile,
  registerConnector,
  type ConnectorFile,
} from './connect.js';
import type { PartStatus } from './parts.js';
import { waitFor } from './processes.js';
import { StackError } from './stack-error.js';

const CONNECTOR_RUNNING_TIMEOUT_MS = 60_000;
const FIRST_TRACE_LINES = 3;

/** Where Connect reaches the source database, when that differs from the file (the file is Docker's view). */
export interface DatabaseAddress {
  readonly hostname: string;
  readonly port: number;
}

export function connectorFor(address?: DatabaseAddress): ConnectorFile {
  const file = readConnectorFile();
  if (!address) return file;
  return {
    name: file.name,
    config: { ...file.config, 'database.hostname': address.hostname, 'database.port': String(address.port) },
  };
}

export async function ensureConnector(
  connectUrl: string,
  address: DatabaseAddress | undefined,
  logFile?: string,
): Promise<void> {
  const connector = connectorFor(address);
  try {
    await registerConnector(connectUrl, connector);
  } catch (error) {
    throw new StackError(
      'connector',
      (error as Error).message,
      'fix debezium-config/postgres-connector.json',
      logFile,
    );
  }
  let failure: string | undefined;
  try {
    await waitFor(
      async () => {
        const status = await connectorStatus(connectUrl, connector.name);
        if (!status) return undefined;
        failure = failureOf(status);
        if (failure) throw new Error('FAILED');
        return isRunning(status) ? true : undefined;
      },
      {
        timeoutMs: CONNECTOR_RUNNING_TIMEOUT_MS,
        what: `connector ${connector.name} and its task to be RUNNING`,
      },
    );
  } catch (error) {
    const reason = failure
      ? `FAILED: ${failure.split('\n').slice(0, FIRST_TRACE_LINES).join(' ')}`
      : (error as Error).message;
    throw new StackError(
      'connector',
      `${connector.name} ${reason}`,
      '`npm run connector:status` shows the full trace; a lost or busy replication slot is cleared by `npm run stack:reset`',
      logFile,
    );
  }
}

export async function connectorPart(connectUrl: string, connectUp: boolean): Promise<PartStatus> {
  const { name } = readConnectorFile();
  if (!connectUp) return { part: 'connector', state: 'unreachable', listen: '-', detail: name };
  const status = await connectorStatus(connectUrl, name);
  if (!status)
    return { part: 'connector', state: 'missing', listen: '-', detail: `${name} is not registered` };
  const tasks = status.tasks.map((task) => `task ${task.id} ${task.state}`).join(', ') || 'no tasks';
  return {
    part: 'connector',
    state: failureOf(status) ? 'failed' : status.connector.state.toLowerCase(),
    listen: '-',
    detail: `${name}: connector ${status.connector.state}, ${tasks}`,
  };
}

/**
 * A replication slot keeps WAL on the source until its consumer reads it; a slot left behind fills
 * the disk. Remove the connector (so the slot is released), then drop the slot.
 */
export async function dropReplicationSlot(
  urls: StackUrls,
  progress: (line: string) => void,
): Promise<string> {
  const { name, config } = readConnectorFile();
  const slot = config['slot.name'] ?? 'debezium';
  await deleteConnector(urls.CONNECT_URL, name).catch(() =>
    progress('  connect not reachable: connector not deleted'),
  );
  const client = new pg.Client({ connectionString: urls.SOURCE_DATABASE_URL, connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    const dropped = await waitFor(
      async () => {
        const result = await client.query<{ active: boolean }>(
          'SELECT active FROM pg_replication_slots WHERE slot_name = $1',
          [slot],
        );
        if (result.rowCount === 0) return 'none';
        if (result.rows[0]!.active) return undefined;
        await client.query('SELECT pg_drop_replication_slot($1)', [slot]);
        return `dropped ${slot}`;
      },
      { timeoutMs: 15_000, what: `slot ${slot} to be released` },
    );
    return dropped;
  } finally {
    await client.end();
  }
}
