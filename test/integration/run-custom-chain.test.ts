/**
 * `npm run example:custom-chain` as a user runs it: it creates public.users_masked, applies a new
 * user masked, and stops cleanly on Ctrl-C (SIGINT).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/stack/config.js';
import { cliEnv } from './support/cli.js';
import { source, target } from './support/stack.js';

const ARRIVAL_TIMEOUT_MS = 60_000;

describe('npm run example:custom-chain', () => {
  const email = `run-custom-${Date.now()}@example.com`;
  beforeAll(() => target((db) => db.query('DROP TABLE IF EXISTS users_masked')));
  afterAll(async () => {
    await source((db) => db.query('DELETE FROM users WHERE email = $1', [email]));
    await target((db) => db.query('DROP TABLE IF EXISTS users_masked'));
  });

  it('creates users_masked, applies a new user masked, and stops on SIGINT with exit code 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join('examples', 'run-custom-chain.ts')], {
      cwd: PROJECT_ROOT,
      env: cliEnv({ LOG_FORMAT: 'json' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    await source((db) => db.query("INSERT INTO users (name, email) VALUES ('Masked', $1)", [email]));
    const deadline = Date.now() + ARRIVAL_TIMEOUT_MS;
    let rows: { email: string }[] = [];
    while (Date.now() < deadline && child.exitCode === null) {
      rows = await target(async (db) => {
        const exists = await db.query("SELECT to_regclass('public.users_masked') IS NOT NULL AS yes");
        if (!(exists.rows[0] as { yes: boolean }).yes) return [];
        return (await db.query<{ email: string }>("SELECT email FROM users_masked WHERE name = 'Masked'"))
          .rows;
      });
      if (rows.length > 0) break;
      await sleep(250);
    }
    expect(rows, output).toEqual([{ email: email.replace(/^[^@]*/, '***') }]);

    child.kill('SIGINT');
    expect(await exited, output).toBe(0);
    expect(output).toContain('"msg":"custom chain running: Ctrl-C stops it"');
    expect(output).toContain('"msg":"custom chain stopped"');
  });
});
