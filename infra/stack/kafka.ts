/**
 * One Apache Kafka 4 node in KRaft mode, broker and controller in one process (no ZooKeeper).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { HOST, KAFKA_HEAP, type Ports, type StackPaths } from './config.js';
import { jvmArgs, writeProperties } from './jvm.js';
import { runningPid, startDetached, type ManagedProcess } from './processes.js';
import { StackError } from './stack-error.js';

export const BROKER_MAIN_CLASS = 'kafka.Kafka';
const STORAGE_TOOL = 'kafka.tools.StorageTool';

export function brokerProcess(paths: StackPaths): ManagedProcess {
  return { name: 'kafka', pidFile: path.join(paths.run, 'kafka.pid'), marker: BROKER_MAIN_CLASS };
}

export function brokerLog(paths: StackPaths): string {
  return path.join(paths.logs, 'kafka.log');
}

function writeServerProperties(paths: StackPaths, ports: Ports): string {
  const file = path.join(paths.config, 'server.properties');
  writeProperties(file, {
    'process.roles': 'broker,controller',
    'node.id': 1,
    // A static quorum of one voter: the storage is formatted without --standalone.
    'controller.quorum.voters': `1@${HOST}:${ports.kafkaController}`,
    listeners: `PLAINTEXT://${HOST}:${ports.kafka},CONTROLLER://${HOST}:${ports.kafkaController}`,
    'advertised.listeners': `PLAINTEXT://${HOST}:${ports.kafka}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': path.join(paths.data, 'kafka'),
    'num.partitions': 1,
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'group.initial.rebalance.delay.ms': 0,
    'auto.create.topics.enable': 'true',
  });
  return file;
}

function formatStorage(java: string, paths: StackPaths, propertiesFile: string): void {
  if (fs.existsSync(path.join(paths.data, 'kafka', 'meta.properties'))) return;
  const run = (args: string[]): string =>
    execFileSync(java, ['-Xmx256m', '-cp', `${paths.lib}/*`, STORAGE_TOOL, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  try {
    const clusterId = run(['random-uuid']).trim().split('\n').pop() ?? '';
    run(['format', '-t', clusterId, '-c', propertiesFile, '--ignore-formatted']);
  } catch (error) {
    const failed = error as { stderr?: string; message: string };
    throw new StackError(
      'kafka',
      `formatting the KRaft storage failed: ${(failed.stderr ?? failed.message).trim().split('\n').slice(-3).join(' ')}`,
      'run `npm run stack:reset` to start from clean storage; if the jars are damaged, delete .stack/lib',
    );
  }
}

export function startBroker(java: string, paths: StackPaths, ports: Ports): number {
  const part = brokerProcess(paths);
  const running = runningPid(part);
  if (running !== undefined) return running;
  const propertiesFile = writeServerProperties(paths, ports);
  formatStorage(java, paths, propertiesFile);
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
