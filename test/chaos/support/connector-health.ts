/**
 * Debezium's task may fail while the broker it publishes to is gone. That is Connect's business,
 * not the pipeline's: an operator restarts a failed task, and so does the suite, saying so in the
 * report, because otherwise no change would reach the pipeline to prove anything with.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { connectorStatus, failureOf, isRunning, readConnectorFile } from '../../../infra/stack/connect.js';
import type { ChaosStack } from './chaos-stack.js';

const POLL_MS = 500;
const HTTP_TIMEOUT_MS = 5000;

async function restartFailed(connectUrl: string, name: string): Promise<void> {
  await fetch(
    `${connectUrl}/connectors/${encodeURIComponent(name)}/restart?includeTasks=true&onlyFailed=true`,
    {
      method: 'POST',
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    },
  );
}

/** Waits until the connector and its task run; returns what the suite had to do to get there. */
export async function connectorRunning(stack: ChaosStack, timeoutMs: number): Promise<string[]> {
  const { name } = readConnectorFile();
  const notes: string[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const status = await connectorStatus(stack.urls.CONNECT_URL, name).catch(() => undefined);
    if (status && isRunning(status)) return notes;
    if (status && failureOf(status)) {
      notes.push('Debezium task FAILED: restarted it');
      await restartFailed(stack.urls.CONNECT_URL, name).catch(() => undefined);
    }
    await sleep(POLL_MS);
  }
  throw new Error(`connector ${name} not RUNNING ${timeoutMs / 1000} s after the fault`);
}
