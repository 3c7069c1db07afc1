/**
 * The secure mode's steps, shared by `stack:up` and by tests that want only the secure parts: the
 * SASL_SSL listener made ready (SCRAM users, then a SCRAM login over TLS answered) and the TLS-only
 * target started. `secureStackUp` runs a stack of just those (a broker with both listeners and the
 * TLS target) on the ports and in the folder given, for a test that must not touch the shared stack.
 */
import fs from 'node:fs';
import path from 'node:path';
import { HOST, type Ports, type StackPaths } from './config.js';
import { brokerAnswers, brokerLog, brokerProcess, startBroker } from './kafka.js';
import { ensureDatabase, startCluster, stopCluster } from './postgres.js';
import { stopProcess, waitFor } from './processes.js';
import {
  createScramUsers,
  ensureSecureMaterial,
  secureEnv,
  secureListener,
  secureListenerAnswers,
  secureTargetCluster,
  SECURE_TARGET_PART,
  type SecureMaterial,
  type SecurePorts,
} from './secure.js';
import { StackError } from './stack-error.js';
import { findJava, findPostgresBin } from './tools.js';

const BROKER_READY_TIMEOUT_MS = 90_000;

async function waitForBroker<T>(
  paths: StackPaths,
  pid: number,
  what: string,
  probe: () => Promise<T | undefined>,
) {
  try {
    return await waitFor(probe, { timeoutMs: BROKER_READY_TIMEOUT_MS, pid, what });
  } catch (error) {
    throw new StackError('kafka', (error as Error).message, 'read the log below', brokerLog(paths));
  }
}

/**
 * Waits until a SCRAM login over TLS is answered. A storage formatted in secure mode has the SCRAM
 * users already (--add-scram); one formatted before gets them now, through the PLAINTEXT listener.
 */
export async function openSecureListener(
  java: string,
  paths: StackPaths,
  plaintextBrokers: string,
  pid: number,
  secure: SecurePorts,
  material: SecureMaterial,
): Promise<void> {
  const login = (): Promise<true> => secureListenerAnswers(material, secure);
  if ((await login().catch(() => false)) === true) return;
  await createScramUsers(java, paths, plaintextBrokers, material);
  // SCRAM credentials reach the listener through the metadata log: a login may fail for a moment.
  await waitForBroker(paths, pid, `a SCRAM login on the SASL_SSL listener (${HOST}:${secure.kafka})`, login);
}

/** Starts the TLS-only target unless it runs, with the target's tables. */
export async function startSecureTarget(
  pgBin: string,
  paths: StackPaths,
  secure: SecurePorts,
  material: SecureMaterial,
): Promise<void> {
  const spec = secureTargetCluster(paths, secure.target, material);
  startCluster(pgBin, spec);
  await ensureDatabase(spec);
}

/** Stops the TLS-only target when it was ever made here. */
export function stopSecureTarget(pgBin: string, paths: StackPaths): 'stopped' | 'not running' | undefined {
  const spec = secureTargetCluster(paths, 0);
  return fs.existsSync(spec.dataDir) ? stopCluster(pgBin, spec) : undefined;
}

/**
 * A stack of only the secure parts, in `paths` on `ports` and `secure`: a broker with its PLAINTEXT
 * and SASL_SSL listeners, and the TLS-only target. Returns the variables that point the pipeline at
 * them (secureEnv). The jars are those in `paths.lib`, resolved by the ordinary stack.
 */
export async function secureStackUp(
  paths: StackPaths,
  ports: Ports,
  secure: SecurePorts,
): Promise<Record<string, string>> {
  const java = findJava();
  const pgBin = findPostgresBin();
  const material = ensureSecureMaterial(paths);
  const pid = startBroker(java, paths, ports, secureListener(material, secure.kafka));
  // The database starts while the broker's JVM boots.
  await startSecureTarget(pgBin, paths, secure, material);
  const plaintext = `${HOST}:${ports.kafka}`;
  await waitForBroker(paths, pid, 'the broker to answer a metadata request', () => brokerAnswers(plaintext));
  await openSecureListener(java, paths, plaintext, pid, secure, material);
  return secureEnv(material, secure);
}

/** Stops what secureStackUp started. */
export async function secureStackDown(paths: StackPaths): Promise<void> {
  await stopProcess(brokerProcess(paths));
  if (fs.existsSync(path.join(paths.data, SECURE_TARGET_PART))) stopSecureTarget(findPostgresBin(), paths);
}
