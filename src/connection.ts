/**
 * The connection settings every part of the project reads, by the same names: the service, the
 * tools, and the development stack (infra/stack). An explicit URL variable wins; otherwise the
 * native stack's address, on the port its CDC_*_PORT variable gives (src/defaults.ts).
 */
import {
  DEFAULT_PORTS,
  STACK_DATABASE_PASSWORD,
  STACK_DATABASE_USER,
  STACK_HOST,
  STACK_SOURCE_DATABASE,
  STACK_TARGET_DATABASE,
} from './defaults.js';
import { ConfigError } from './errors.js';
import { redactUrl } from './security/redact.js';

export interface Ports {
  readonly source: number;
  readonly target: number;
  readonly kafka: number;
  readonly kafkaController: number;
  readonly connect: number;
}

/** The variable that moves each port of the native stack. */
const PORT_VARIABLES: Readonly<Record<keyof Ports, string>> = {
  source: 'CDC_SOURCE_PORT',
  target: 'CDC_TARGET_PORT',
  kafka: 'CDC_KAFKA_PORT',
  kafkaController: 'CDC_KAFKA_CONTROLLER_PORT',
  connect: 'CDC_CONNECT_PORT',
};

/** Where the project connects to, named as the environment variables that set each one. */
export interface Connections {
  readonly SOURCE_DATABASE_URL: string;
  readonly TARGET_DATABASE_URL: string;
  readonly KAFKA_BROKERS: string;
  readonly CONNECT_URL: string;
}

export const CONNECTION_VARIABLES: readonly (keyof Connections)[] = [
  'SOURCE_DATABASE_URL',
  'TARGET_DATABASE_URL',
  'KAFKA_BROKERS',
  'CONNECT_URL',
];

function portFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError(`${name}=${raw}: not a TCP port; accepted: a whole number from 1 to 65535`);
  }
  return port;
}

/** The native stack's ports, each moved by its CDC_*_PORT variable. */
export function stackPorts(env: NodeJS.ProcessEnv = process.env): Ports {
  const port = (part: keyof Ports): number => portFromEnv(env, PORT_VARIABLES[part], DEFAULT_PORTS[part]);
  return {
    source: port('source'),
    target: port('target'),
    kafka: port('kafka'),
    kafkaController: port('kafkaController'),
    connect: port('connect'),
  };
}

/** The native stack's addresses on the given ports. */
export function localConnections(ports: Ports = stackPorts()): Connections {
  const credentials = `${STACK_DATABASE_USER}:${STACK_DATABASE_PASSWORD}`;
  return {
    SOURCE_DATABASE_URL: `postgres://${credentials}@${STACK_HOST}:${ports.source}/${STACK_SOURCE_DATABASE}`,
    TARGET_DATABASE_URL: `postgres://${credentials}@${STACK_HOST}:${ports.target}/${STACK_TARGET_DATABASE}`,
    KAFKA_BROKERS: `${STACK_HOST}:${ports.kafka}`,
    CONNECT_URL: `http://${STACK_HOST}:${ports.connect}`,
  };
}

/** The settings the environment gives, each one it does not give from the native stack's ports. */
export function resolveConnections(env: NodeJS.ProcessEnv = process.env): Connections {
  const local = localConnections(stackPorts(env));
  return {
    SOURCE_DATABASE_URL: env.SOURCE_DATABASE_URL || local.SOURCE_DATABASE_URL,
    TARGET_DATABASE_URL: env.TARGET_DATABASE_URL || local.TARGET_DATABASE_URL,
    KAFKA_BROKERS: env.KAFKA_BROKERS || local.KAFKA_BROKERS,
    CONNECT_URL: env.CONNECT_URL || local.CONNECT_URL,
  };
}

/**
 * A database URL with its password replaced, for output: in the user part or a `password=`
 * parameter, whatever characters it holds (src/security/redact.ts).
 */
export const withoutPassword = (url: string): string => redactUrl(url);
