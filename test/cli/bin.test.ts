/**
 * The `cdc-pipeline` command as a user runs it, without the stack: help, version, and how a bad
 * configuration ends (one line per variable, exit code 2, no stack trace).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CONFIG_SPEC } from '../../src/config.js';

const execFileAsync = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const BIN = path.join(ROOT, 'src', 'cli', 'bin.ts');

async function bin(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, ['--import', 'tsx', BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

// Each test starts node with tsx: seconds on a loaded 2-core machine, so more than vitest's default 5 s.
describe('cdc-pipeline', { timeout: 30_000 }, () => {
  it('lists its subcommands and prints its version', async () => {
    const help = await bin(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['run', 'verify', 'check-target', 'peek', 'topics', 'status', 'dead-letters'])
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect((await bin(['--version'])).stdout.trim()).toBe('0.1.0');
  });

  it('run --help lists every variable with what it accepts', async () => {
    const help = await bin(['run', '--help']);
    expect(help.code).toBe(0);
    for (const name of Object.keys(CONFIG_SPEC)) expect(help.stdout).toContain(name);
    expect(help.stdout).toContain('accepts: a whole number, from 6000 to 1800000');
  });

  it('refuses bad variables before connecting: a line each, exit code 2, no stack trace', async () => {
    const run = await bin(['run'], {
      KAFKA_BROKERS: 'nohostport',
      PIPELINE_SESSION_TIMEOUT_MS: '1000',
      PIPELINE_MAX_IN_FLIGHT: '0',
    });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([
      '✗ KAFKA_BROKERS=nohostport: entry "nohostport" is not host:port; accepted: comma-separated host:port entries',
      '✗ PIPELINE_SESSION_TIMEOUT_MS=1000: out of range; accepted: a whole number, from 6000 to 1800000',
      '✗ PIPELINE_MAX_IN_FLIGHT=0: out of range; accepted: a whole number, 1 or more',
    ]);
    expect(run.stdout).toBe('');
  });
});
