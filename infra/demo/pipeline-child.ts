/**
 * The pipeline service as the demo runs it: `node --import tsx src/cli/pipeline.ts` in a child
 * process, logging JSON lines to a file, stopped with SIGTERM (flush, commit, leave) like a user's
 * Ctrl-C. It runs under the service's own consumer group, so a later `npm run pipeline` continues
 * where the demo stopped.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';
import { PROJECT_ROOT } from '../stack/config.js';
import { SERVICE_NODE_FLAGS } from '../../src/cli/node-flags.js';
import { consumerLag } from '../../src/streams/consumerLag.js';

export const PIPELINE_ENTRY = path.join('src', 'cli', 'pipeline.ts');
/** A graceful stop flushes and commits; past this, the child is killed. */
export const STOP_TIMEOUT_MS = 30_000;
const LAG_POLL_MS = 250;

export interface ChildExit {
  readonly code: number | null;
  readonly signal: string | null;
}

export interface PipelineChild {
  readonly pid: number;
  readonly logFile: string;
  /** Set once the child has exited, on its own or when stopped. */
  readonly exit: () => ChildExit | undefined;
  /** SIGTERM, then waits for the exit; SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<{ readonly code: number | null; readonly forced: boolean }>;
}

export function startPipelineChild(env: NodeJS.ProcessEnv, logFile: string): PipelineChild {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.openSync(logFile, 'w');
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, '--import', 'tsx', PIPELINE_ENTRY], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', log, log],
    // Its own process group: a Ctrl-C in the terminal reaches the demo only, which stops the child
    // itself (one SIGTERM, then it waits for the flush and commit).
    detached: true,
  });
  fs.closeSync(log);
  let exit: ChildExit | undefined;
  // If the demo leaves abruptly (a second Ctrl-C), the child still gets its graceful stop.
  const onExit = (): void => {
    if (!exit) child.kill('SIGTERM');
  };
  process.once('exit', onExit);
  const exited = new Promise<ChildExit>((resolve) => {
    const done = (code: number | null, signal: string | null): void => {
      exit = { code, signal };
      process.off('exit', onExit);
      resolve(exit);
    };
    child.once('exit', done);
    child.once('error', (error) => done(null, error.message));
  });
  return {
    pid: child.pid ?? -1,
    logFile,
    exit: () => exit,
    async stop(timeoutMs = STOP_TIMEOUT_MS) {
      if (exit) return { code: exit.code, forced: false };
      child.kill('SIGTERM');
      const patience = new AbortController();
      const stopped = await Promise.race([
        exited,
        sleep(timeoutMs, undefined, { signal: patience.signal }).catch(() => undefined),
      ]);
      patience.abort();
      if (stopped) return { code: stopped.code, forced: false };
      child.kill('SIGKILL');
      return { code: (await exited).code, forced: true };
    },
  };
}

export interface CatchUp {
  /** Changes the group had not applied yet when the demo started looking. */
  readonly backlog: number;
  readonly ms: number;
}

/**
 * Waits until the group has a member and its lag on every matching topic is 0: every change
 * already on Kafka is in the target. Fails early when the child exits.
 */
export async function waitCaughtUp(
  admin: Admin,
  child: PipelineChild,
  { groupId, pattern, timeoutMs }: { groupId: string; pattern: RegExp; timeoutMs: number },
  signal?: AbortSignal,
): Promise<CatchUp> {
  const started = Date.now();
  let backlog: number | undefined;
  while (!signal?.aborted) {
    const exit = child.exit();
    if (exit) {
      throw new Error(
        `the pipeline exited (code ${exit.code ?? exit.signal}) before it caught up\n  look at: ${child.logFile}`,
      );
    }
    const topics = (await admin.listTopics()).filter((topic) => pattern.test(topic));
    const lag = await consumerLag(admin, groupId, topics);
    backlog ??= lag;
    const [group] = (await admin.describeGroups([groupId])).groups;
    if (lag === 0 && group?.state === 'Stable' && group.members.length > 0) {
      return { backlog, ms: Date.now() - started };
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(
        `the pipeline has not caught up after ${timeoutMs / 1000} s (group ${groupId}: ${group?.state ?? '?'}, lag ${lag})\n` +
          `  look at: ${child.logFile}`,
      );
    }
    await sleep(LAG_POLL_MS);
  }
  throw new Error('interrupted');
}
