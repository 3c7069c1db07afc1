/**
 * The JVM parts run as detached processes whose pids live in .stack/run, so that any later command
 * (status, down) finds them, and whose output goes to one log file each in .stack/logs.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const STOP_GRACE_MS = 30_000;
const POLL_MS = 200;

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie is dead for our purposes (its parent has not reaped it yet).
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return true;
  }
}

/** The command line of a pid, to tell our process from an unrelated one that reused its pid. */
function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

export interface ManagedProcess {
  readonly name: string;
  readonly pidFile: string;
  /** A string the process's command line contains (its main class), checked before trusting a pid file. */
  readonly marker: string;
}

/** The pid of the part when it is running, else undefined (a stale pid file is removed). */
export function runningPid(part: ManagedProcess): number | undefined {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(part.pidFile, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid) && commandLine(pid).includes(part.marker)) return pid;
  fs.rmSync(part.pidFile, { force: true });
  return undefined;
}

export interface StartOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly logFile: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** Starts a detached process that outlives this command, its output appended to its log. */
export function startDetached(part: ManagedProcess, options: StartOptions): number {
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  fs.mkdirSync(path.dirname(part.pidFile), { recursive: true });
  const log = fs.openSync(options.logFile, 'a');
  const child = spawn(options.command, [...options.args], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, ...options.env },
  });
  fs.closeSync(log);
  if (child.pid === undefined) throw new Error(`${part.name}: ${options.command} could not be started`);
  child.unref();
  fs.writeFileSync(part.pidFile, String(child.pid));
  return child.pid;
}

/** SIGTERM (a graceful, controlled shutdown), then SIGKILL only if it outlives the grace period. */
export async function stopProcess(
  part: ManagedProcess,
  graceMs = STOP_GRACE_MS,
): Promise<'stopped' | 'killed' | 'not running'> {
  const pid = runningPid(part);
  if (pid === undefined) return 'not running';
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) {
      fs.rmSync(part.pidFile, { force: true });
      return 'stopped';
    }
    await sleep(POLL_MS);
  }
  process.kill(pid, 'SIGKILL');
  fs.rmSync(part.pidFile, { force: true });
  return 'killed';
}

/** Polls `probe` until it returns a value, the process dies, or the deadline passes. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  { timeoutMs, pid, what }: { timeoutMs: number; pid?: number; what: string },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (pid !== undefined && !isAlive(pid)) throw new Error(`the process exited while waiting for ${what}`);
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(POLL_MS);
  }
  const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
  throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${detail}`);
}
