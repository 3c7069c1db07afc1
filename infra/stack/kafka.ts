/**
 * One Apache Kafka 4 node in KRaft mode, broker and controller in one process (no ZooKeeper).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import '../../src/streams/kafkajs-idle-timer.js';
import { HOST, KAFKA_HEAP, type Ports, type StackPaths } from './config.js';
import { jvmArgs, writeProperties } from './jvm.js';
import { runningPid, startDetached, type ManagedProcess } from './processes.js';
import type { SecureListener } from './secure.js';
import { StackError } from './stack-error.js';

export const BROKER_MAIN_CLASS = 'kafka.Kafka';
const STORAGE_TOOL = 'kafka.tools.StorageTool';

export function brokerProcess(paths: StackPaths): ManagedProcess {
  return { name: 'kafka', pidFile: path.join(paths.run, 'kafka.pid'), marker: BROKER_MAIN_CLASS };
}

export function brokerLog(paths: StackPaths): string {
  return path.join(paths.logs, 'kafka.log');
}

/**
 * How long a new consumer group waits for more members before its first generation. 0 here, so a
 * test's or a tool's group forms at once; Kafka's own default is 3000, which the bench keeps
 * (CDC_KAFKA_INITIAL_REBALANCE_DELAY_MS): instances started together then share one generation,
 * as on a production broker, instead of the first draining alone until a rebalance takes half.
 */
function initialRebalanceDelayMs(): number {
  const raw = process.env.CDC_KAFKA_INITIAL_REBALANCE_DELAY_MS ?? '0';
  if (!/^\d+$/.test(raw))
    throw new RangeError(`CDC_KAFKA_INITIAL_REBALANCE_DELAY_MS=${raw}: use a whole number of milliseconds`);
  return Number(raw);
}

const serverProperties = (paths: StackPaths): string => path.join(paths.config, 'server.properties');

function writeServerProperties(paths: StackPaths, ports: Ports, secure?: SecureListener): string {
  const file = serverProperties(paths);
  // The secure mode's SASL_SSL listener sits beside PLAINTEXT, which Connect and the broker itself use.
  const clients = [
    `PLAINTEXT://${HOST}:${ports.kafka}`,
    ...(secure ? [`SASL_SSL://${HOST}:${secure.port}`] : []),
  ];
  writeProperties(file, {
    'process.roles': 'broker,controller',
    'node.id': 1,
    // A static quorum of one voter: the storage is formatted without --standalone.
    'controller.quorum.voters': `1@${HOST}:${ports.kafkaController}`,
    listeners: [...clients, `CONTROLLER://${HOST}:${ports.kafkaController}`].join(','),
    'advertised.listeners': clients.join(','),
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': `PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${secure ? ',SASL_SSL:SASL_SSL' : ''}`,
    ...secure?.properties,
    'log.dirs': path.join(paths.data, 'kafka'),
    'num.partitions': 1,
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'group.initial.rebalance.delay.ms': initialRebalanceDelayMs(),
    'auto.create.topics.enable': 'true',
  });
  return file;
}

/**
 * A cluster id as `StorageTool random-uuid` prints it (Kafka's Uuid: 16 random bytes, base64url
 * without padding, never starting with '-'), made here to spare a JVM start (seconds on a busy machine).
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function formatStorage(
  java: string,
  paths: StackPaths,
  propertiesFile: string,
  extra: readonly string[],
): void {
  if (fs.existsSync(path.join(paths.data, 'kafka', 'meta.properties'))) return;
  const run = (args: string[]): string =>
    execFileSync(java, ['-Xmx256m', '-cp', `${paths.lib}/*`, STORAGE_TOOL, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  try {
    run(['format', '-t', newClusterId(), '-c', propertiesFile, '--ignore-formatted', ...extra]);
  } catch (error) {
    // stderr only: the command line may hold the secure mode's SCRAM passwords.
    const failed = error as { stderr?: string };
    throw new StackError(
      'kafka',
      `formatting the KRaft storage failed: ${(failed.stderr ?? '').trim().split('\n').slice(-3).join(' ')}`,
      'run `npm run stack:reset` to start from clean storage; if the jars are damaged, delete .stack/lib',
    );
  }
}

/** Starts the broker unless it runs; `secure` adds the secure mode's SASL_SSL listener. */
export function startBroker(java: string, paths: StackPaths, ports: Ports, secure?: SecureListener): number {
  const part = brokerProcess(paths);
  const running = runningPid(part);
  if (running !== undefined) {
    // A listener cannot be added to a running broker: say so rather than start without it.
    if (
      secure &&
      !fs.readFileSync(serverProperties(paths), 'utf8').includes(`SASL_SSL://${HOST}:${secure.port}`)
    ) {
      throw new StackError(
        'kafka',
        `the broker runs without the secure mode's SASL_SSL listener on ${secure.port}`,
        'stop the stack (npm run stack:down), then start it with CDC_STACK_SECURE=1 again',
      );
    }
    return running;
  }
  const propertiesFile = writeServerProperties(paths, ports, secure);
  formatStorage(java, paths, propertiesFile, secure?.formatArgs ?? []);
  return startDetached(part, {
    command: java,
    args: jvmArgs(paths, KAFKA_HEAP, BROKER_MAIN_CLASS, [propertiesFile]),
    logFile: brokerLog(paths),
  });
}

/** Ready means a client's metadata request is answered (a started log line is not enough). */
export async function brokerAnswers(brokers: string): Promise<number | undefined> {
  const admin = new Kafka({
    clientId: 'cdc-stack-probe',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 1000,
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length || undefined;
  } finally {
    await admin.disconnect();
  }
}
