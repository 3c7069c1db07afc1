/**
 * Kafka Connect in distributed mode with its REST API, and the Debezium PostgreSQL connector in its
 * own plugin.path sub-folder (each sub-folder is one isolated class loader).
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  CONNECT_GROUP_ID,
  CONNECT_HEAP,
  CONNECT_STORAGE_TOPICS,
  CONNECTOR_CONFIG_FILE,
  HOST,
  type Ports,
  type StackPaths,
} from './config.js';
import { jvmArgs, writeProperties } from './jvm.js';
import { connectRequest as http } from '../../src/tools/connect-rest.js';
import { runningPid, startDetached, type ManagedProcess } from './processes.js';
import { peerRequested } from './peer-jars.js';

export {
  connectorConfig,
  connectorStatus,
  failureOf,
  isRunning,
  type ConnectorStatus,
} from '../../src/tools/connect-rest.js';

export const CONNECT_MAIN_CLASS = 'org.apache.kafka.connect.cli.ConnectDistributed';
export const DEBEZIUM_CONNECTOR_CLASS = 'io.debezium.connector.postgresql.PostgresConnector';

export function connectProcess(paths: StackPaths): ManagedProcess {
  return { name: 'connect', pidFile: path.join(paths.run, 'connect.pid'), marker: CONNECT_MAIN_CLASS };
}

export function connectLog(paths: StackPaths): string {
  return path.join(paths.logs, 'connect.log');
}

export function startConnect(java: string, paths: StackPaths, ports: Ports): number {
  const part = connectProcess(paths);
  const running = runningPid(part);
  if (running !== undefined) return running;
  const file = path.join(paths.config, 'connect-distributed.properties');
  writeProperties(file, {
    'bootstrap.servers': `${HOST}:${ports.kafka}`,
    'group.id': CONNECT_GROUP_ID,
    'config.storage.topic': CONNECT_STORAGE_TOPICS.config,
    'offset.storage.topic': CONNECT_STORAGE_TOPICS.offset,
    'status.storage.topic': CONNECT_STORAGE_TOPICS.status,
    'config.storage.replication.factor': 1,
    'offset.storage.replication.factor': 1,
    'status.storage.replication.factor': 1,
    // One node: one partition each is plenty (the defaults are 25 and 5).
    'offset.storage.partitions': 1,
    'status.storage.partitions': 1,
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable': 'true',
    'value.converter.schemas.enable': 'true',
    // Connect binds every interface unless told otherwise.
    listeners: `http://${HOST}:${ports.connect}`,
    'rest.advertised.host.name': HOST,
    'rest.advertised.port': ports.connect,
    'plugin.path': paths.plugins,
    // Debezium ships the ServiceLoader manifests, so the worker need not scan every jar.
    'plugin.discovery': 'service_load',
    // Source offsets (the LSN Debezium has read to) are flushed every second, not every 10 s.
    'offset.flush.interval.ms': 1000,
    // The benchmark's peer sets its batch size through consumer.override.max.poll.records, which
    // the worker refuses unless it allows client overrides (only on a stack that asked for the peer).
    // A sink commits its offsets at offset.flush.interval.ms, and the bench times the peer by its
    // committed offsets: a shorter interval knows its drain time to a quarter second.
    ...(peerRequested()
      ? { 'connector.client.config.override.policy': 'All', 'offset.flush.interval.ms': 250 }
      : {}),
  });
  return startDetached(part, {
    command: java,
    args: jvmArgs(paths, CONNECT_HEAP, CONNECT_MAIN_CLASS, [file]),
    logFile: connectLog(paths),
  });
}

/** Ready means the REST API answers and the Debezium plugin is loaded. */
export async function connectAnswers(connectUrl: string): Promise<true | undefined> {
  const { status, json } = await http('GET', `${connectUrl}/connector-plugins`);
  if (status !== 200 || !Array.isArray(json)) return undefined;
  return json.some((plugin: { class?: string }) => plugin.class === DEBEZIUM_CONNECTOR_CLASS)
    ? true
    : undefined;
}

export interface ConnectorFile {
  readonly name: string;
  readonly config: Readonly<Record<string, string>>;
}

export function readConnectorFile(file = CONNECTOR_CONFIG_FILE): ConnectorFile {
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as ConnectorFile;
  if (typeof parsed.name !== 'string' || typeof parsed.config !== 'object') {
    throw new Error(`${file} must hold {"name": "...", "config": {...}}`);
  }
  return parsed;
}

/** PUT …/config creates the connector or updates its config: idempotent. */
export async function registerConnector(connectUrl: string, connector: ConnectorFile): Promise<void> {
  const { status, json } = await http(
    'PUT',
    `${connectUrl}/connectors/${encodeURIComponent(connector.name)}/config`,
    connector.config,
  );
  if (status !== 200 && status !== 201) {
    const message =
      typeof json === 'object' && json && 'message' in json ? String(json.message) : JSON.stringify(json);
    throw new Error(`Connect refused the connector config (HTTP ${status}): ${message}`);
  }
}

export async function deleteConnector(connectUrl: string, name: string): Promise<void> {
  await http('DELETE', `${connectUrl}/connectors/${encodeURIComponent(name)}`);
}
