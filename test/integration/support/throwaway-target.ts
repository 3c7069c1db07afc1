/**
 * A target PostgreSQL of a test's own, to stop and start at will without touching the shared stack:
 * a cluster made with the stack's own code (infra/stack/postgres.ts) in a temporary folder, with the
 * target's init script applied.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  HOST,
  DATABASE_PASSWORD,
  DATABASE_USER,
  TARGET_DATABASE,
  TARGET_INIT_SCRIPT,
} from '../../../infra/stack/config.js';
import {
  ensureDatabase,
  postmasterPid,
  startCluster,
  type ClusterSpec,
} from '../../../infra/stack/postgres.js';
import { findPostgresBin } from '../../../infra/stack/tools.js';

export interface ThrowawayTarget {
  readonly url: string;
  /** Stops the server at once, as a crash would (`pg_ctl stop -m immediate`). */
  stopImmediate(): void;
  start(): void;
  /** Stops it (when running) and deletes its folder. */
  remove(): void;
}

export async function startThrowawayTarget(name: string, port: number): Promise<ThrowawayTarget> {
  const bin = findPostgresBin();
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  // The server runs as the postgres user when we are root: it must reach its folder.
  fs.chmodSync(folder, 0o755);
  const spec: ClusterSpec = {
    name,
    port,
    database: TARGET_DATABASE,
    initScript: TARGET_INIT_SCRIPT,
    settings: {},
    dataDir: path.join(folder, 'data'),
    logFile: path.join(folder, 'server.log'),
  };
  startCluster(bin, spec);
  await ensureDatabase(spec);
  const pgCtl = (...args: string[]): void => {
    const command = path.join(bin, 'pg_ctl');
    const [program, argv] =
      process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
    execFileSync(program, argv, { stdio: 'ignore' });
  };
  return {
    url: `postgres://${DATABASE_USER}:${DATABASE_PASSWORD}@${HOST}:${port}/${TARGET_DATABASE}`,
    stopImmediate: () => pgCtl('stop', '-w', '-m', 'immediate', '-D', spec.dataDir),
    start: () => {
      startCluster(bin, spec);
    },
    remove: () => {
      if (postmasterPid(spec) !== undefined) pgCtl('stop', '-w', '-m', 'immediate', '-D', spec.dataDir);
      fs.rmSync(folder, { recursive: true, force: true });
    },
  };
}
