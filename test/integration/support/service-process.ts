/** `npm run pipeline` as a child process, as an operator runs it, for tests that kill and restart it. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT, stackPaths } from '../../../infra/stack/config.js';
import { SERVICE_NODE_FLAGS } from '../../../src/cli/node-flags.js';
import { stack } from './stack.js';

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  /** Resolves once the service logs that it consumes (its signal handlers are in place by then). */
  readonly consuming: Promise<void>;
  /** What the service has logged since it started. */
  readonly output: () => string;
}

const READY_POLL_MS = 100;

/**
 * Starts the service: `node --import tsx src/cli/pipeline.ts` by default, or `npm run pipeline` as
 * the README shows it (`viaNpm`), to prove that signals sent to npm reach the service.
 */
export function startService(
  env: Record<string, string>,
  logName: string,
  { viaNpm = false }: { viaNpm?: boolean } = {},
): ServiceProcess {
  // The logs folder of the stack the tests run on (CDC_STACK_DIR), beside its parts' logs.
  const logFile = path.join(stackPaths().logs, `${logName}.log`);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const startedAt = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
  const log = fs.openSync(logFile, 'a');
  const urls = stack();
  const [command, args] = viaNpm
    ? ['npm', ['run', '--silent', 'pipeline']]
    : [
        process.execPath,
        [...SERVICE_NODE_FLAGS, '--import', 'tsx', path.join(PROJECT_ROOT, 'src', 'cli', 'pipeline.ts')],
      ];
  const child = spawn(command, args, {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      KAFKA_BROKERS: urls.KAFKA_BROKERS,
      TARGET_DATABASE_URL: urls.TARGET_DATABASE_URL,
      LOG_FORMAT: 'json',
      PIPELINE_PROGRESS_INTERVAL_MS: '0',
      // Tests start fresh consumer groups on a shared target that other tests filled: a replay is
      // what they want (new-group safety has tests of its own).
      PIPELINE_NEW_GROUP_START: 'earliest',
      ...env,
    },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const output = (): string => fs.readFileSync(logFile).subarray(startedAt).toString();
  const consuming = new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output().includes('"msg":"consuming"')) {
        clearInterval(timer);
        resolve();
      } else if (child.exitCode !== null || child.signalCode !== null) {
        clearInterval(timer);
        reject(new Error(`the pipeline exited before consuming; see ${logFile}`));
      }
    }, READY_POLL_MS);
  });
  // A kill before readiness rejects `consuming`; only a caller that waits for it should hear that.
  consuming.catch(() => undefined);
  return { child, exited, consuming, output };
}

/** SIGTERM and wait: the graceful path (flush, commit, leave). */
export async function stopService(service: ServiceProcess): Promise<number | null> {
  if (service.child.exitCode !== null) return service.child.exitCode;
  await service.consuming;
  service.child.kill('SIGTERM');
  return service.exited;
}
