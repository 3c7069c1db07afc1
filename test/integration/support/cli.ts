/**
 * The project's command-line tools run as a user runs them (`node --import tsx src/cli/bin.ts <tool>`),
 * pointed at the test stack by environment, with their output and exit code.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../infra/stack/config.js';
import { stack } from './stack.js';

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The stack's four URLs for every tool. A stack the tests did not start natively (testcontainers,
 * external) is `CDC_STACK=external` to the stack commands, so they never start or stop one of their own.
 */
export function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const testStack = process.env.CDC_TEST_STACK ?? 'native';
  return {
    ...process.env,
    ...stack(),
    ...(testStack === 'native' ? {} : { CDC_STACK: 'external' }),
    ...extra,
  };
}

/** The development stack's commands (infra/cli) or a subcommand of the `cdc-pipeline` bin. */
const entry = (tool: string): string[] =>
  ['stack', 'demo'].includes(tool)
    ? [path.join('infra', 'cli', `${tool}.ts`)]
    : [path.join('src', 'cli', 'bin.ts'), tool];

export function runCli(
  tool: string,
  args: readonly string[] = [],
  { env = cliEnv(), timeoutMs = 60_000 }: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...entry(tool), ...args], {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Output and exit code in one string, for assertion messages. */
export const shown = (run: CliRun): string =>
  `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
