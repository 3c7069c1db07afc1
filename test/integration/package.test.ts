/**
 * The package as a user gets it: `npm pack`, installed into an empty folder with production
 * dependencies only (no tsx, no pino-pretty), then the `cdc-pipeline` command and the library
 * entry used from there, against the running stack.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/stack/config.js';
import { cliEnv } from './support/cli.js';

const execFileAsync = promisify(execFile);
/** Packing builds (prepack) and installing resolves the dependencies: both take a while. */
const INSTALL_TIMEOUT_MS = 240_000;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function run(command: string, args: readonly string[], cwd: string, env = cliEnv()): Promise<Run> {
  try {
    const { stdout, stderr } = await execFileAsync(command, [...args], {
      cwd,
      env,
      timeout: INSTALL_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const shown = (result: Run): string => `exit ${result.code}\n${result.stdout}\n${result.stderr}`;

describe('the packed package, installed with production dependencies only', () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'cdc-pipeline-install-'));

  beforeAll(async () => {
    const packed = await run('npm', ['pack', '--silent', '--pack-destination', folder], PROJECT_ROOT);
    expect(packed.code, shown(packed)).toBe(0);
    const tarball = path.join(folder, packed.stdout.trim().split('\n').pop()!);
    fs.writeFileSync(
      path.join(folder, 'package.json'),
      JSON.stringify({ name: 'cdc-pipeline-install-test', private: true, type: 'module' }),
    );
    const installed = await run(
      'npm',
      ['install', tarball, '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'],
      folder,
    );
    expect(installed.code, shown(installed)).toBe(0);
  }, INSTALL_TIMEOUT_MS * 2);

  afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

  it('carries the built library and no development tool', () => {
    const installed = path.join(folder, 'node_modules');
    expect(fs.existsSync(path.join(installed, 'cdc-pipeline', 'dist', 'src', 'index.js'))).toBe(true);
    expect(fs.existsSync(path.join(installed, 'cdc-pipeline', 'infra'))).toBe(false);
    for (const devOnly of ['tsx', 'pino-pretty', 'typescript', 'vitest'])
      expect(fs.existsSync(path.join(installed, devOnly)), devOnly).toBe(false);
  });

  it('npx cdc-pipeline --help lists the commands', async () => {
    const help = await run('npx', ['--no-install', 'cdc-pipeline', '--help'], folder);
    expect(help.code, shown(help)).toBe(0);
    for (const command of ['run', 'verify', 'check-target', 'peek', 'topics', 'status'])
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  it('cdc-pipeline check-target reads the running stack', async () => {
    const bin = path.join(folder, 'node_modules', '.bin', 'cdc-pipeline');
    const checked = await run(bin, ['check-target', '--limit', '1'], folder);
    expect(checked.code, shown(checked)).toBe(0);
    expect(checked.stdout).toMatch(/^Target database: postgres:\/\/postgres:\*\*\*@/m);
    expect(checked.stdout).toMatch(/^== public\.users: \d+ rows/m);
  });

  it('the library entry loads and exports the operators, the sinks and the pipeline', async () => {
    const script = `import('cdc-pipeline').then((m) => {
      const names = ['fromKafka', 'decodeDebezium', 'route', 'batch', 'compactBatch', 'createPostgresSink', 'runPipeline', 'loadConfig', 'createLogger'];
      console.log(JSON.stringify(names.filter((name) => typeof m[name] !== 'function')));
      m.createLogger({ format: 'pretty' }).info('logged without pino-pretty');
    })`;
    const loaded = await run(process.execPath, ['-e', script], folder);
    expect(loaded.code, shown(loaded)).toBe(0);
    const [missing, ...logLines] = loaded.stdout.trim().split('\n');
    expect(missing).toBe('[]');
    expect(logLines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual([
      'LOG_FORMAT=pretty needs the pino-pretty package, which is not installed: logging JSON',
      'logged without pino-pretty',
    ]);
  });
});
