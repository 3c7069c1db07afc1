/**
 * The pipeline service as a child process, started as an operator starts it. This is the one place
 * that knows the command line: when the service ships as a `cdc-pipeline` bin, change
 * `serviceCommand` and nothing else.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROJECT_ROOT } from '../../../infra/stack/config.js';
import type { ChaosStack } from './chaos-stack.js';

/** The topics the chaos workload writes to; the pattern keeps other tables of the stack out. */
export const CHAOS_TOPICS = ['dbserver1.public.users', 'dbserver1.public.orders'] as const;
/**
 * One consumer group for every chaos and soak run: a rerun on a kept stack resumes where the last
 * run committed (a new group would meet a target that already holds rows, which the service refuses).
 */
export const CHAOS_GROUP_ID = 'cdc-chaos';
const TOPIC_PATTERN = '^dbserver1\\.public\\.(users|orders)$';
/** The service logs this message once its consumer runs (and its signal handlers are in place). */
const CONSUMING_MESSAGE = '"msg":"consuming"';
const POLL_MS = 100;
const GRACEFUL_STOP_MS = 30_000;

/** `npm run pipeline`: node with tsx on the service's entry point. `nodeFlags` go before the script. */
function serviceCommand(nodeFlags: readonly string[]): { command: string; args: string[] } {
  return {
    command: process.execPath,
    args: [...nodeFlags, '--import', 'tsx', path.join(PROJECT_ROOT, 'src', 'cli', 'pipeline.ts')],
  };
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly at: number;
}

export interface PipelineProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Where this process's lines begin in its (appended) log file. */
  readonly logStart: number;
  readonly startedAt: number;
  readonly exited: Promise<ExitInfo>;
  /** Set once the process has exited. */
  exit?: ExitInfo;
}

export interface PipelineSpec {
  /** Names the log file (`<stack logs>/<name>.log`), shared by every restart of one role. */
  readonly name: string;
  readonly groupId: string;
  /** Extra service settings (PIPELINE_*, LOG_*), over the chaos defaults. */
  readonly env?: Readonly<Record<string, string>>;
  /** Node flags such as --trace-gc (the soak reads heap sizes from its lines). */
  readonly nodeFlags?: readonly string[];
}

export function startPipeline(stack: ChaosStack, spec: PipelineSpec): PipelineProcess {
  const logFile = path.join(stack.paths.logs, `${spec.name}.log`);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const logStart = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
  const log = fs.openSync(logFile, 'a');
  const { command, args } = serviceCommand(spec.nodeFlags ?? []);
  const child = spawn(command, args, {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      KAFKA_BROKERS: stack.urls.KAFKA_BROKERS,
      TARGET_DATABASE_URL: stack.urls.TARGET_DATABASE_URL,
      PIPELINE_GROUP_ID: spec.groupId,
      PIPELINE_TOPIC_PATTERN: TOPIC_PATTERN,
      LOG_FORMAT: 'json',
      ...spec.env,
    },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  if (child.pid === undefined) throw new Error(`${spec.name}: the pipeline could not be started`);
  const started: PipelineProcess = {
    name: spec.name,
    pid: child.pid,
    child,
    logFile,
    logStart,
    startedAt: Date.now(),
    exited: new Promise<ExitInfo>((resolve) =>
      child.on('exit', (code, signal) => {
        started.exit = { code, signal, at: Date.now() };
        resolve(started.exit);
      }),
    ),
  };
  return started;
}

/** What this process has written to its log so far. */
export function logSince(pipeline: PipelineProcess): string {
  const all = fs.readFileSync(pipeline.logFile);
  return all.subarray(pipeline.logStart).toString('utf8');
}

export async function waitConsuming(pipeline: PipelineProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!logSince(pipeline).includes(CONSUMING_MESSAGE)) {
    if (pipeline.exit) throw new Error(`${pipeline.name} (pid ${pipeline.pid}) exited before consuming`);
    if (Date.now() > deadline)
      throw new Error(`${pipeline.name} (pid ${pipeline.pid}) not consuming after ${timeoutMs} ms`);
    await sleep(POLL_MS);
  }
}

/** kill -9: no flush, no commit, no goodbye to the group. */
export async function killHard(pipeline: PipelineProcess): Promise<ExitInfo> {
  if (!pipeline.exit) pipeline.child.kill('SIGKILL');
  return pipeline.exited;
}

/** SIGTERM (flush, commit, leave), SIGKILL if it has not left within the grace period. */
export async function stopGracefully(
  pipeline: PipelineProcess,
  graceMs = GRACEFUL_STOP_MS,
): Promise<ExitInfo> {
  if (pipeline.exit) return pipeline.exit;
  pipeline.child.kill('SIGTERM');
  const timer = setTimeout(() => pipeline.child.kill('SIGKILL'), graceMs);
  try {
    return await pipeline.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** `exit 1`, `SIGKILL`: how a pipeline ended, for the report. */
export const describeExit = (exit: ExitInfo): string =>
  exit.signal ? exit.signal : `exit ${exit.code ?? '?'}`;
