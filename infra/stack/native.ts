/**
 * The native stack: every part is the real program, run from the machine's Java and PostgreSQL
 * binaries, with all state in .stack. Each command is idempotent.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  localUrls,
  SOURCE_DATABASE,
  SOURCE_INIT_SCRIPT,
  stackPaths,
  stackPorts,
  TARGET_DATABASE,
  TARGET_INIT_SCRIPT,
  type Ports,
  type StackPaths,
} from './config.js';
import { brokerAnswers, brokerLog, brokerProcess, startBroker } from './kafka.js';
import { connectAnswers, connectLog, connectProcess, startConnect } from './connect.js';
import { resolveJars } from './jars.js';
import { peerRequested, resolvePeerJars } from './peer-jars.js';
import { ensureConnector, connectorPart, dropReplicationSlot } from './connector.js';
import type { PartStatus } from './parts.js';
import { databaseAnswers } from './probes.js';
import { ensureDatabase, postmasterPid, startCluster, stopCluster, type ClusterSpec } from './postgres.js';
import {
  prometheusPort,
  prometheusProcess,
  prometheusRequested,
  prometheusUrl,
  startPrometheus,
} from './prometheus.js';
import { runningPid, stopProcess, waitFor } from './processes.js';
import { StackError } from './stack-error.js';
import {
  ensureSecureMaterial,
  secureListener,
  securePorts,
  secureRequested,
  secureTargetCluster,
  SECURE_TARGET_PART,
} from './secure.js';
import { openSecureListener, startSecureTarget, stopSecureTarget } from './secure-stack.js';
import { findJava, findPostgresBin } from './tools.js';

const BROKER_READY_TIMEOUT_MS = 90_000;
const CONNECT_READY_TIMEOUT_MS = 180_000;

export function clusters(paths: StackPaths, ports: Ports): { source: ClusterSpec; target: ClusterSpec } {
  return {
    source: {
      name: 'source-db',
      port: ports.source,
      database: SOURCE_DATABASE,
      initScript: SOURCE_INIT_SCRIPT,
      // Logical decoding for Debezium's pgoutput slot.
      settings: { wal_level: 'logical', max_wal_senders: '10', max_replication_slots: '10' },
      dataDir: path.join(paths.data, 'source-db'),
      logFile: path.join(paths.logs, 'source-db.log'),
    },
    target: {
      name: 'target-db',
      port: ports.target,
      database: TARGET_DATABASE,
      initScript: TARGET_INIT_SCRIPT,
      settings: {},
      dataDir: path.join(paths.data, 'target-db'),
      logFile: path.join(paths.logs, 'target-db.log'),
    },
  };
}

export type Progress = (line: string) => void;

async function timed<T>(progress: Progress, what: string, action: () => Promise<T> | T): Promise<T> {
  const started = Date.now();
  const result = await action();
  progress(`  ✓ ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return result;
}

async function waitForPart<T>(
  part: string,
  logFile: string,
  pid: number,
  timeoutMs: number,
  what: string,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  try {
    return await waitFor(probe, { timeoutMs, pid, what });
  } catch (error) {
    throw new StackError(
      part,
      (error as Error).message,
      `read the log below; a port in use shows as "Address already in use" (move it with the CDC_*_PORT variables); then \`npm run stack:up\` again`,
      logFile,
    );
  }
}

export async function nativeUp(progress: Progress): Promise<void> {
  const paths = stackPaths();
  const ports = stackPorts();
  const urls = localUrls(ports);
  // Check every tool first, so a missing one is named before anything starts.
  const java = findJava();
  const pgBin = findPostgresBin();
  await timed(progress, 'jars (Kafka, Connect, Debezium) from Maven Central', () => resolveJars(paths));
  if (peerRequested())
    await timed(progress, 'the Debezium JDBC sink (benchmark peer) from Maven Central', () =>
      resolvePeerJars(paths),
    );
  const { source, target } = clusters(paths, ports);
  for (const cluster of [source, target]) {
    await timed(progress, `${cluster.name} on ${cluster.port}`, async () => {
      startCluster(pgBin, cluster);
      await ensureDatabase(cluster);
    });
  }
  // Opt-in (CDC_STACK_SECURE=1): a SASL_SSL listener beside PLAINTEXT, and a TLS-only target.
  const secure = secureRequested() ? securePorts() : undefined;
  const material =
    secure &&
    (await timed(progress, 'certificates and passwords (secure mode)', () => ensureSecureMaterial(paths)));
  if (secure && material) {
    await timed(progress, `${SECURE_TARGET_PART} on ${secure.target} (TLS only)`, () =>
      startSecureTarget(pgBin, paths, secure, material),
    );
  }
  await timed(progress, `kafka on ${urls.KAFKA_BROKERS}`, async () => {
    const pid = startBroker(java, paths, ports, secure && material && secureListener(material, secure.kafka));
    await waitForPart(
      'kafka',
      brokerLog(paths),
      pid,
      BROKER_READY_TIMEOUT_MS,
      'the broker to answer a metadata request',
      () => brokerAnswers(urls.KAFKA_BROKERS),
    );
    if (secure && material) {
      progress(`    SASL_SSL on 127.0.0.1:${secure.kafka}: SCRAM users, then a login over TLS`);
      await openSecureListener(java, paths, urls.KAFKA_BROKERS, pid, secure, material);
    }
  });
  await timed(progress, `connect on ${urls.CONNECT_URL}`, async () => {
    const pid = startConnect(java, paths, ports);
    await waitForPart(
      'connect',
      connectLog(paths),
      pid,
      CONNECT_READY_TIMEOUT_MS,
      'the Connect REST API with the Debezium plugin',
      () => connectAnswers(urls.CONNECT_URL),
    );
  });
  await timed(progress, 'debezium connector and task RUNNING', () =>
    ensureConnector(urls.CONNECT_URL, { hostname: '127.0.0.1', port: ports.source }, connectLog(paths)),
  );
  if (prometheusRequested())
    await timed(progress, `prometheus on ${prometheusUrl()}`, () => startPrometheus(paths));
}

export async function nativeDown(progress: Progress): Promise<void> {
  const paths = stackPaths();
  const ports = stackPorts();
  // Connect first, so it flushes its source offsets to a broker that still runs.
  for (const part of [prometheusProcess(paths), connectProcess(paths), brokerProcess(paths)]) {
    progress(`  ${part.name}: ${await stopProcess(part)}`);
  }
  const pgBin = fs.existsSync(paths.data) ? findPostgresBin() : undefined;
  if (pgBin === undefined) return;
  for (const cluster of Object.values(clusters(paths, ports))) {
    progress(`  ${cluster.name}: ${stopCluster(pgBin, cluster)}`);
  }
  const secureTarget = stopSecureTarget(pgBin, paths);
  if (secureTarget !== undefined) progress(`  ${SECURE_TARGET_PART}: ${secureTarget}`);
}

/** Down, drop the replication slot, and wipe data, logs and pids (the resolved jars stay). */
export async function nativeReset(progress: Progress): Promise<void> {
  const paths = stackPaths();
  const ports = stackPorts();
  const { source } = clusters(paths, ports);
  if (postmasterPid(source) !== undefined) {
    progress(`  replication slot: ${await dropReplicationSlot(localUrls(ports), progress)}`);
  }
  await nativeDown(progress);
  for (const folder of [paths.data, paths.logs, paths.run, paths.config])
    fs.rmSync(folder, { recursive: true, force: true });
  progress(`  wiped ${paths.data}, ${paths.logs}`);
}

export async function nativeStatus(): Promise<PartStatus[]> {
  const paths = stackPaths();
  const ports = stackPorts();
  const urls = localUrls(ports);
  const { source, target } = clusters(paths, ports);
  const parts: PartStatus[] = [];
  for (const [cluster, url] of [
    [source, urls.SOURCE_DATABASE_URL],
    [target, urls.TARGET_DATABASE_URL],
  ] as const) {
    const pid = postmasterPid(cluster);
    const answers = pid !== undefined && (await databaseAnswers(url));
    parts.push({
      part: cluster.name,
      state: pid === undefined ? 'stopped' : answers ? 'running' : 'unreachable',
      listen: `127.0.0.1:${cluster.port}`,
      pid,
    });
  }
  const brokerPid = runningPid(brokerProcess(paths));
  const brokerUp =
    brokerPid !== undefined && (await brokerAnswers(urls.KAFKA_BROKERS).catch(() => undefined)) !== undefined;
  parts.push({
    part: 'kafka',
    state: brokerPid === undefined ? 'stopped' : brokerUp ? 'running' : 'unreachable',
    listen: urls.KAFKA_BROKERS,
    pid: brokerPid,
    ...(secureRequested() ? { detail: `secure mode: SASL_SSL on 127.0.0.1:${securePorts().kafka}` } : {}),
  });
  const connectPid = runningPid(connectProcess(paths));
  const connectUp =
    connectPid !== undefined && (await connectAnswers(urls.CONNECT_URL).catch(() => undefined)) === true;
  parts.push({
    part: 'connect',
    state: connectPid === undefined ? 'stopped' : connectUp ? 'running' : 'unreachable',
    listen: urls.CONNECT_URL,
    pid: connectPid,
  });
  parts.push(await connectorPart(urls.CONNECT_URL, connectUp));
  // Opt-in: listed when asked for or running, so a stack without it still counts as healthy.
  const prometheusPid = runningPid(prometheusProcess(paths));
  if (prometheusPid !== undefined || prometheusRequested()) {
    parts.push({
      part: 'prometheus',
      state: prometheusPid === undefined ? 'stopped' : 'running',
      listen: prometheusUrl(prometheusPort()),
      pid: prometheusPid,
    });
  }
  // The secure mode's TLS-only target: listed when asked for or running, like Prometheus.
  const secureTarget = secureTargetCluster(paths, securePorts().target);
  const securePid = postmasterPid(secureTarget);
  if (securePid !== undefined || secureRequested()) {
    parts.push({
      part: SECURE_TARGET_PART,
      state: securePid === undefined ? 'stopped' : 'running',
      listen: `127.0.0.1:${secureTarget.port}`,
      pid: securePid,
      detail: 'TLS only, password and client certificate',
    });
  }
  return parts;
}
