import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/stack/config.js';
import { StackError } from '../../infra/stack/stack-error.js';
import { findMaven, findPostgresBin } from '../../infra/stack/tools.js';

const execFileAsync = promisify(execFile);
const TSX = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
const STACK_CLI = path.join(PROJECT_ROOT, 'infra', 'cli', 'stack.ts');

/** Runs a stack command as a user would, in a throw-away state folder; returns exit code and output. */
async function stackCommand(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; output: string }> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdc-stack-test-'));
  try {
    const { stdout, stderr } = await execFileAsync(TSX, [STACK_CLI, ...args], {
      env: { ...process.env, CDC_STACK_DIR: stateDir, ...env },
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

// Some tests start node with tsx: seconds on a loaded 2-core machine, so more than vitest's default 5 s.
describe('stack command failure messages', { timeout: 30_000 }, () => {
  it('names java as the missing part, with the fix, when JAVA_HOME points nowhere', async () => {
    const { code, output } = await stackCommand(['up'], { JAVA_HOME: '/nonexistent/jdk' });
    expect(code).toBe(1);
    expect(output).toContain('✗ java: no Java found (tried /nonexistent/jdk/bin/java)');
    expect(output).toContain('fix: install a Java 17+ runtime');
  });

  it('refuses an unknown CDC_STACK mode and lists the allowed ones', async () => {
    const { code, output } = await stackCommand(['status'], { CDC_STACK: 'kubernetes' });
    expect(code).toBe(1);
    expect(output).toContain('CDC_STACK=kubernetes is not a stack mode: use one of native, docker, external');
  });

  it('refuses a port that is not a TCP port, naming the variable', async () => {
    const { code, output } = await stackCommand(['env'], { CDC_KAFKA_PORT: '70000' });
    expect(code).toBe(1);
    expect(output).toContain('CDC_KAFKA_PORT=70000: not a TCP port');
  });

  it('prints the connection settings as shell exports', async () => {
    const { code, output } = await stackCommand(['env'], {
      CDC_SOURCE_PORT: '25432',
      SOURCE_DATABASE_URL: '',
    });
    expect(code).toBe(0);
    expect(output).toContain(
      "export SOURCE_DATABASE_URL='postgres://postgres:postgres@127.0.0.1:25432/sourcedb'",
    );
    expect(output).toContain("export KAFKA_BROKERS='127.0.0.1:19092'");
    expect(output).toContain("export CONNECT_URL='http://127.0.0.1:18083'");
  });

  it('names the PostgreSQL server binaries and where it looked when they are missing', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'cdc-no-pg-'));
    const attempt = (): string =>
      findPostgresBin({ pgBin: path.join(empty, 'bin'), searchRoot: empty, usePgConfig: false });
    expect(attempt).toThrow(StackError);
    expect(attempt).toThrow(
      /postgres: the PostgreSQL server binaries \(initdb, pg_ctl\) were not found \(looked in: .*cdc-no-pg-.*\/bin\)/,
    );
    fs.rmSync(empty, { recursive: true });
  });

  it('names maven when mvn is missing, with the install hint', () => {
    try {
      findMaven('/nonexistent/mvn');
      expect.unreachable('findMaven should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(StackError);
      expect((error as StackError).fix).toContain('apt-get install maven');
    }
  });

  it('reports a failed part with the tail of its log', () => {
    const logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cdc-log-')), 'kafka.log');
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i + 1}`);
    fs.writeFileSync(logFile, `${lines.join('\n')}\nERROR Address already in use\n`);
    const report = new StackError('kafka', 'timed out', 'move the port', logFile).report();
    expect(report).toContain('✗ kafka: timed out');
    expect(report).toContain('fix: move the port');
    expect(report).toContain('| ERROR Address already in use');
    expect(report).not.toContain('| line 10\n');
    fs.rmSync(path.dirname(logFile), { recursive: true });
  });
});
