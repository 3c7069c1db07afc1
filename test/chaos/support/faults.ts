/**
 * The parts of the chaos stack taken away and given back, with the stack's own start code. Each
 * restore returns once the part answers again.
 */
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectAnswers, connectProcess, startConnect } from '../../../infra/stack/connect.js';
import { brokerAnswers, brokerProcess, startBroker } from '../../../infra/stack/kafka.js';
import { clusters } from '../../../infra/stack/native.js';
import { postmasterPid, startCluster } from '../../../infra/stack/postgres.js';
import { isAlive, runningPid, waitFor, type ManagedProcess } from '../../../infra/stack/processes.js';
import { findJava, findPostgresBin } from '../../../infra/stack/tools.js';
import type { ChaosStack } from './chaos-stack.js';

const READY_TIMEOUT_MS = 180_000;
const POLL_MS = 100;
/** The server refuses to run as root: as in infra/stack/postgres.ts, root acts as this user. */
const SERVER_USER = 'postgres';

const targetCluster = (stack: ChaosStack) => clusters(stack.paths, stack.ports).target;

/** `pg_ctl stop -m immediate`: every server process quits at once, as in a crash (recovery at start). */
export function stopTargetImmediately(stack: ChaosStack): void {
  const cluster = targetCluster(stack);
  if (postmasterPid(cluster) === undefined) throw new Error('the chaos target database is not running');
  const pgCtl = `${findPostgresBin()}/pg_ctl`;
  const args = ['stop', '-w', '-m', 'immediate', '-D', cluster.dataDir];
  if (process.getuid?.() === 0)
    execFileSync('runuser', ['-u', SERVER_USER, '--', pgCtl, ...args], { stdio: 'ignore' });
  else execFileSync(pgCtl, args, { stdio: 'ignore' });
}

/** Starts the target again; pg_ctl -w returns once it accepts connections. */
export function startTarget(stack: ChaosStack): void {
  startCluster(findPostgresBin(), targetCluster(stack));
}

async function killPart(part: ManagedProcess): Promise<void> {
  const pid = runningPid(part);
  if (pid === undefined) throw new Error(`${part.name} of the chaos stack is not running`);
  process.kill(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(POLL_MS);
}

export const killBroker = (stack: ChaosStack): Promise<void> => killPart(brokerProcess(stack.paths));
export const killConnect = (stack: ChaosStack): Promise<void> => killPart(connectProcess(stack.paths));

export async function startBrokerAgain(stack: ChaosStack): Promise<void> {
  const pid = startBroker(findJava(), stack.paths, stack.ports);
  await waitFor(() => brokerAnswers(stack.urls.KAFKA_BROKERS), {
    timeoutMs: READY_TIMEOUT_MS,
    pid,
    what: 'the restarted broker to answer',
  });
}

export async function startConnectAgain(stack: ChaosStack): Promise<void> {
  const pid = startConnect(findJava(), stack.paths, stack.ports);
  await waitFor(() => connectAnswers(stack.urls.CONNECT_URL), {
    timeoutMs: READY_TIMEOUT_MS,
    pid,
    what: 'the restarted Connect worker to answer',
  });
}
