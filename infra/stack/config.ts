/**
 * Where each part of the stack listens and lives. One place, read by the stack commands, the test
 * helper and (through the exported URLs) every tool of the project.
 *
 * Ports are the seed demo's ports + 10000 (source 5432 → 15432, target 5433 → 15433, Kafka 9092 →
 * 19092, Connect 8083 → 18083): recognisable, and clear of a PostgreSQL or Kafka already running on
 * the machine. Each can be moved with an environment variable.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder of the project's package.json, whether this file runs from infra/ or from dist/infra/. */
function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'debezium-config')))
      return dir;
    if (path.dirname(dir) === dir) throw new Error(`no cdc-pipeline project folder above ${from}`);
  }
}

export const PROJECT_ROOT = findProjectRoot(path.dirname(fileURLToPath(import.meta.url)));

/** How the stack's programs are provided. */
export type StackMode = 'native' | 'docker' | 'external';
export const STACK_MODES: readonly StackMode[] = ['native', 'docker', 'external'];

export interface Ports {
  readonly source: number;
  readonly target: number;
  readonly kafka: number;
  readonly kafkaController: number;
  readonly connect: number;
}

export const DEFAULT_PORTS: Ports = {
  source: 15432,
  target: 15433,
  kafka: 19092,
  kafkaController: 19093,
  connect: 18083,
};

export const DATABASE_USER = 'postgres';
export const DATABASE_PASSWORD = 'postgres';
export const SOURCE_DATABASE = 'sourcedb';
export const TARGET_DATABASE = 'targetdb';
export const HOST = '127.0.0.1';

/** The Connect worker's group and its three storage topics (config, offsets, status). */
export const CONNECT_GROUP_ID = 'cdc-connect-cluster';
export const CONNECT_STORAGE_TOPICS = {
  config: 'connect-configs',
  offset: 'connect-offsets',
  status: 'connect-status',
} as const;

/** JVM heap limits: without -Xmx a JVM takes a quarter of the machine's memory. */
export const KAFKA_HEAP = '-Xms256m -Xmx512m';
export const CONNECT_HEAP = '-Xms256m -Xmx768m';

/** The state folder (ignored by git): jars, data, logs and pid files. */
export interface StackPaths {
  readonly root: string;
  readonly lib: string;
  readonly plugins: string;
  readonly logs: string;
  readonly run: string;
  readonly config: string;
  readonly data: string;
}

export function stackPaths(
  root = process.env.CDC_STACK_DIR ?? path.join(PROJECT_ROOT, '.stack'),
): StackPaths {
  return {
    root,
    lib: path.join(root, 'lib'),
    plugins: path.join(root, 'plugins'),
    logs: path.join(root, 'logs'),
    run: path.join(root, 'run'),
    config: path.join(root, 'config'),
    data: path.join(root, 'data'),
  };
}

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`${name}=${raw} is not a TCP port: use an integer from 1 to 65535`);
  }
  return port;
}

/** Ports, each overridable: CDC_SOURCE_PORT, CDC_TARGET_PORT, CDC_KAFKA_PORT, CDC_KAFKA_CONTROLLER_PORT, CDC_CONNECT_PORT. */
export function stackPorts(): Ports {
  return {
    source: portFromEnv('CDC_SOURCE_PORT', DEFAULT_PORTS.source),
    target: portFromEnv('CDC_TARGET_PORT', DEFAULT_PORTS.target),
    kafka: portFromEnv('CDC_KAFKA_PORT', DEFAULT_PORTS.kafka),
    kafkaController: portFromEnv('CDC_KAFKA_CONTROLLER_PORT', DEFAULT_PORTS.kafkaController),
    connect: portFromEnv('CDC_CONNECT_PORT', DEFAULT_PORTS.connect),
  };
}

export function stackMode(): StackMode {
  const raw = process.env.CDC_STACK ?? 'native';
  if (!(STACK_MODES as readonly string[]).includes(raw)) {
    throw new RangeError(`CDC_STACK=${raw} is not a stack mode: use one of ${STACK_MODES.join(', ')}`);
  }
  return raw as StackMode;
}

/** The connection settings every tool of the project reads, by the same names. */
export interface StackUrls {
  readonly SOURCE_DATABASE_URL: string;
  readonly TARGET_DATABASE_URL: string;
  readonly KAFKA_BROKERS: string;
  readonly CONNECT_URL: string;
}

export const URL_NAMES: readonly (keyof StackUrls)[] = [
  'SOURCE_DATABASE_URL',
  'TARGET_DATABASE_URL',
  'KAFKA_BROKERS',
  'CONNECT_URL',
];

export function localUrls(ports: Ports = stackPorts()): StackUrls {
  const credentials = `${DATABASE_USER}:${DATABASE_PASSWORD}`;
  return {
    SOURCE_DATABASE_URL: `postgres://${credentials}@${HOST}:${ports.source}/${SOURCE_DATABASE}`,
    TARGET_DATABASE_URL: `postgres://${credentials}@${HOST}:${ports.target}/${TARGET_DATABASE}`,
    KAFKA_BROKERS: `${HOST}:${ports.kafka}`,
    CONNECT_URL: `http://${HOST}:${ports.connect}`,
  };
}

/** The URLs the environment gives, falling back to the local stack's for each one it does not. */
export function resolveUrls(env: NodeJS.ProcessEnv = process.env): StackUrls {
  const local = localUrls();
  return {
    SOURCE_DATABASE_URL: env.SOURCE_DATABASE_URL || local.SOURCE_DATABASE_URL,
    TARGET_DATABASE_URL: env.TARGET_DATABASE_URL || local.TARGET_DATABASE_URL,
    KAFKA_BROKERS: env.KAFKA_BROKERS || local.KAFKA_BROKERS,
    CONNECT_URL: env.CONNECT_URL || local.CONNECT_URL,
  };
}

export const CONNECTOR_CONFIG_FILE = path.join(PROJECT_ROOT, 'debezium-config', 'postgres-connector.json');
export const SOURCE_INIT_SCRIPT = path.join(PROJECT_ROOT, 'init-scripts', 'source-db-init.sql');
export const TARGET_INIT_SCRIPT = path.join(PROJECT_ROOT, 'init-scripts', 'target-db-init.sql');
export const MAVEN_POM = path.join(PROJECT_ROOT, 'infra', 'maven', 'pom.xml');
export const COMPOSE_FILE = path.join(PROJECT_ROOT, 'infra', 'docker-compose.yaml');
