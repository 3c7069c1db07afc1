/**
 * Where each part of the stack lives: its state folder, files and modes. Where it listens (ports
 * and URLs, each movable by a CDC_*_PORT variable) is the library's (src/connection.ts and
 * src/defaults.ts): the development stack uses the library, never the other way round.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CONNECTION_VARIABLES,
  localConnections,
  resolveConnections,
  stackPorts as resolvePorts,
  type Connections,
  type Ports,
} from '../../src/connection.js';
import {
  STACK_DATABASE_PASSWORD,
  STACK_DATABASE_USER,
  STACK_HOST,
  STACK_SOURCE_DATABASE,
  STACK_TARGET_DATABASE,
} from '../../src/defaults.js';

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

export type { Ports } from '../../src/connection.js';
export { DEFAULT_PORTS } from '../../src/defaults.js';
export const DATABASE_USER = STACK_DATABASE_USER;
export const DATABASE_PASSWORD = STACK_DATABASE_PASSWORD;
export const SOURCE_DATABASE = STACK_SOURCE_DATABASE;
export const TARGET_DATABASE = STACK_TARGET_DATABASE;
export const HOST = STACK_HOST;

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

export function stackMode(): StackMode {
  const raw = process.env.CDC_STACK ?? 'native';
  if (!(STACK_MODES as readonly string[]).includes(raw)) {
    throw new RangeError(`CDC_STACK=${raw} is not a stack mode: use one of ${STACK_MODES.join(', ')}`);
  }
  return raw as StackMode;
}

/**
 * The connection settings every tool reads, resolved by the library (src/connection.ts) so the
 * stack, the service and the tools agree; the stack re-exports them under its own names.
 */
export type StackUrls = Connections;
export const URL_NAMES = CONNECTION_VARIABLES;
export const stackPorts = (): Ports => resolvePorts();
export const localUrls = (ports: Ports = stackPorts()): StackUrls => localConnections(ports);
export const resolveUrls = (env: NodeJS.ProcessEnv = process.env): StackUrls => resolveConnections(env);

export const CONNECTOR_CONFIG_FILE = path.join(PROJECT_ROOT, 'debezium-config', 'postgres-connector.json');
export const SOURCE_INIT_SCRIPT = path.join(PROJECT_ROOT, 'init-scripts', 'source-db-init.sql');
export const TARGET_INIT_SCRIPT = path.join(PROJECT_ROOT, 'init-scripts', 'target-db-init.sql');
export const MAVEN_POM = path.join(PROJECT_ROOT, 'infra', 'maven', 'pom.xml');
export const COMPOSE_FILE = path.join(PROJECT_ROOT, 'infra', 'docker-compose.yaml');
